"""axe-core (WCAG 2.x A and AA) on the pages people depend on, in a real browser, in each of the three
languages, at laptop width and, for the pages judges use on phones, at 360 px too: no serious or critical
violation. Auditing one more page is one line in PAGES."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from contest.extensions import db
from contest.i18n import LANGUAGE_NAMES
from contest.models import Assignment, SheetStatus, User
from contest.services.demo import DEMO_PASSWORD
from tests.e2e.conftest import LAPTOP, PHONE, accessibility_faults, replace_with_demo_season

ORGANIZER, JUDGE, PARTICIPANT = "organizer@demo.uz", "judge01@demo.uz", "participant@demo.uz"


@dataclass(frozen=True)
class Audited:
    who: str | None  # the demo account that opens the page; None: a visitor, not signed in
    path: str  # formatted with the seed's ids (see live_server_setup)
    phone: bool = False  # people use it on a phone: audited at 360 px as well
    errors: bool = False  # a form: audited again after it is sent empty, with its error messages


PAGES = {
    "home": Audited(None, "/", phone=True),
    "registration": Audited(None, "/auth/register", phone=True, errors=True),
    "entry form": Audited(PARTICIPANT, "/entries/new/{open_contest}", phone=True, errors=True),
    "judge queue": Audited(JUDGE, "/judging/", phone=True),
    "scoring": Audited(JUDGE, "/judging/assignments/{sheet}", phone=True),
    "season overview": Audited(ORGANIZER, "/organizer/"),  # its three charts
    "results": Audited(ORGANIZER, "/results/contests/{judged_contest}", phone=True),  # its tables scroll there
    "budget": Audited(ORGANIZER, "/prizes/seasons/{season}/budget", phone=True),
    "public results": Audited(None, "/public/{language}/results/{year}", phone=True),  # its language is in its address
}


# What a reader can unfold (a chart's numbers, a conflict form) is audited too.
UNFOLD = "() => document.querySelectorAll('details').forEach(details => { details.open = true; })"
SEND = "main form.form [type=submit]"  # the page's own form, not the language or sign-out buttons


def audit(tab, where: str) -> list[str]:
    tab.evaluate(UNFOLD)
    return [f"{where}: {fault}" for fault in accessibility_faults(tab)]


@pytest.fixture
def seeded() -> dict:
    """Filled in by the seed: the ids the paths of PAGES name."""
    return {}


@pytest.fixture
def live_server_setup(seeded):
    def seed(season):
        season = replace_with_demo_season(season)
        judge = db.session.scalar(db.select(User).where(User.email == JUDGE))
        sheets = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == judge.id)
                                    .order_by(Assignment.id))
        sheet = next(s for s in sheets if s.status == SheetStatus.DRAFT and s.can_be_scored_by(judge))
        seeded.update(season=season.id, year=season.year, sheet=sheet.id, judged_contest=sheet.entry.contest_id,
                      open_contest=next(c.id for c in season.contests if c.accepts_changes()))

    return seed


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_the_main_pages_have_no_serious_accessibility_fault(browse, live_server, seeded, language):
    faults = []
    for who in dict.fromkeys(audited.who for audited in PAGES.values()):
        for viewport in (LAPTOP, PHONE):
            pages = {name: audited for name, audited in PAGES.items()
                     if audited.who == who and (viewport is LAPTOP or audited.phone)}
            if not pages:
                continue
            tab = browse(who, viewport, DEMO_PASSWORD, phone=viewport is PHONE, audit=True)
            tab.goto(live_server + "/")
            # The page may already speak the language (the user's own): wait for the choice's POST to answer,
            # or the next page can be asked for before the session holds the choice.
            with tab.expect_navigation():
                tab.get_by_role("button", name=LANGUAGE_NAMES[language], exact=True).click()
            expect(tab.locator("html")).to_have_attribute("lang", language)  # the choice is in the session
            for name, audited in pages.items():
                response = tab.goto(live_server + audited.path.format(**seeded, language=language))
                assert response.ok, f"{name}: {response.status} at {tab.url}"
                assert tab.locator("html").get_attribute("lang") == language, name
                faults += audit(tab, f"{name} ({language}, {viewport['width']} px)")
                if audited.errors:
                    with tab.expect_navigation():
                        tab.locator(SEND).click()
                    assert tab.locator(".error").count() > 0, name
                    faults += audit(tab, f"{name} with errors ({language}, {viewport['width']} px)")
    assert not faults, "\n".join(faults)


BROKEN = """<!doctype html><html lang="en"><head><title>Broken on purpose</title></head><body><main>
<h1>Broken on purpose</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<input type="text" name="nameless" id="no-label">
<p id="faint" style="color: #bbb; background: #fff">Pale grey words on white</p>
</main></body></html>"""


def test_the_audit_names_each_serious_fault(page):
    """The check can fail: a page with a picture without words, a nameless field and faint text."""
    page.set_content(BROKEN)
    faults = sorted(accessibility_faults(page))
    assert [fault.split(" at ")[0] for fault in faults] == ["color-contrast (serious)", "image-alt (critical)",
                                                           "label (critical)"], faults
    assert "#faint" in faults[0] and "#no-alt" in faults[1] and "#no-label" in faults[2]
    assert "Images must have alternative text" in faults[1]
