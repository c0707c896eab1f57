"""Two organizers saving the same record at the same instant, from the same version: exactly one
wins, and the other is told what changed. Both saves are held until each has passed the form's
version check, so only the database's ``WHERE version = :read`` can stop the second one; a real
race needs a real server, so this runs in the PostgreSQL pass of `make test`."""
from __future__ import annotations

import functools
import threading
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import Contest, ContestJudge, Criterion, Role
from contest.services import versions
from tests.conftest import PASSWORD, POSTGRES, run_at_once
from tests.html_forms import form_on
from tests.test_lost_updates import stale_rows

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")


@pytest.fixture
def two_organizers(app, client, make_user):
    """Two organizers, each signed in on a browser of their own (the `client` fixture makes each
    request run in an app context of its own, as in production)."""
    browsers = []
    for name in ("First Organizer", "Second Organizer"):
        user = make_user(Role.ORGANIZER, full_name=name)
        browser = app.test_client()
        assert browser.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        browsers.append(browser)
    return browsers


@pytest.fixture
def checks_held_together(monkeypatch):
    """Each save waits, once it has passed its version check, until the other has passed its own;
    a save run again after losing the race is not held. Returns how many checks ran."""
    together, held, calls = threading.Barrier(2, timeout=20), threading.local(), []
    check_all = versions.check_all

    def held_check_all(reads):
        calls.append(threading.get_ident())
        check_all(reads)
        if not getattr(held, "done", False):
            held.done = True
            together.wait()

    monkeypatch.setattr(versions, "check_all", held_check_all)
    return calls


def save_at_once(browsers, url: str, forms: list[dict]) -> list:
    responses = [None, None]

    def save(i: int) -> None:
        with browsers[i].application.app_context():  # a thread starts outside the test's
            responses[i] = browsers[i].post(url, data=forms[i])

    run_at_once(*(functools.partial(save, i) for i in range(2)), timeout=60)
    return responses


def one_wins(responses) -> tuple[int, object]:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 409], statuses
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    return winner, responses[1 - winner]


def test_two_contest_saves_at_once_one_wins(two_organizers, checks_held_together, make_season):
    contest = make_season().contests[0]
    url = f"/organizer/contests/{contest.id}"
    forms = [{**form_on(b.get(url).get_data(as_text=True), has="max_entries_per_author"),
              "max_entries_per_author": typed} for b, typed in zip(two_organizers, ("3", "5"))]
    winner, loser = one_wins(save_at_once(two_organizers, url, forms))
    won = forms[winner]["max_entries_per_author"]
    assert stale_rows(loser) == [("Entries per lead author", won, forms[1 - winner]["max_entries_per_author"])]
    assert len(checks_held_together) == 3  # both checks passed; the loser's change ran once more
    db.session.expire_all()
    stored = db.session.get(Contest, contest.id)
    assert (stored.max_entries_per_author, stored.version) == (int(won), 2)


def test_two_rubric_saves_at_once_one_wins(two_organizers, checks_held_together, make_season):
    criterion = make_season().contests[0].criteria[0]
    url = f"/organizer/criteria/{criterion.id}"
    forms = [{**form_on(b.get(url).get_data(as_text=True), has="weight"), "weight": typed, "name_en": name}
             for b, typed, name in zip(two_organizers, ("0.5", "0.4"), ("Originality", "Newness"))]
    winner, loser = one_wins(save_at_once(two_organizers, url, forms))
    rows = dict((what, (stored, typed)) for what, stored, typed in stale_rows(loser))
    assert rows == {"Weight": (f"{Decimal(forms[winner]['weight']):.3f}", forms[1 - winner]["weight"]),
                    "Criterion in English": (forms[winner]["name_en"], forms[1 - winner]["name_en"])}
    assert len(checks_held_together) == 3
    db.session.expire_all()
    stored = db.session.get(Criterion, criterion.id)
    assert (stored.weight, stored.name_en, stored.version) == (Decimal(forms[winner]["weight"]),
                                                               forms[winner]["name_en"], 2)


def test_two_organizers_adding_the_same_judge_at_once_get_one_member_and_a_refusal(two_organizers, make_season,
                                                                                    make_user, monkeypatch):
    """Both pass the form's checks before either looks for the member: without the contest's row lock both
    found none, both inserted, and the second answered 500 on the unique key."""
    from contest.services import judges

    contest, judge = make_season().contests[0], make_user(Role.JUDGE, full_name="Shared Judge")
    together, check_loads = threading.Barrier(2, timeout=20), judges._check_loads

    def held_check_loads(*args):
        check_loads(*args)
        together.wait()

    monkeypatch.setattr(judges, "_check_loads", held_check_loads)
    url = f"/organizer/contests/{contest.id}/panel"
    form = {"judge": str(judge.id), "min_load": "0", "max_load": "30", "submit": "y"}
    responses = save_at_once(two_organizers, url, [form, form])
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 302 and statuses[1] != 500, statuses
    refused = next(r for r in responses if r.status_code != 302)
    assert "already on the panel" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ContestJudge).where(
        ContestJudge.contest_id == contest.id, ContestJudge.judge_id == judge.id)) == 1
