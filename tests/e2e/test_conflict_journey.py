"""A judge declares a conflict in a real browser: the entry moves to another judge, the organizer sees why."""
from __future__ import annotations

import pytest

from contest.extensions import db
from contest.models import Assignment, Category, ContestJudge, JudgeExpertise, Role, User
from tests.e2e.conftest import person
from tests.test_judging import LEAD_NAME, LEAD_ORG, SECRETS, build_entry, open_round

TITLE = "Wind-powered water pump"


def judge_on_panel(contest, email: str, name: str, max_load: int) -> User:
    judge = person(email, Role.JUDGE, name, organization=f"{name} Institute")
    judge.expertise.append(JudgeExpertise(field="Energy", level=3))
    db.session.add(ContestJudge(contest=contest, judge=judge, max_load=max_load))
    return judge


@pytest.fixture
def live_server_setup(request):
    """The declaring judge holds the entry; the other judge has room (a free place) or not."""
    other_has_room = request.param

    def setup(season):
        contest = season.contests[0]
        contest.judges_per_entry = 1
        person("org@example.uz", Role.ORGANIZER, "Organizer Karimova")
        lead = person("lead.author@example.uz", Role.PARTICIPANT, LEAD_NAME, category=Category.STUDENT,
                      organization=LEAD_ORG, region="karakalpakstan")
        declarer = judge_on_panel(contest, "declarer@example.uz", "Judge Toshmatov", 5)
        other = judge_on_panel(contest, "other@example.uz", "Judge Yusupova", 5 if other_has_room else 1)
        entry = build_entry(contest, lead, TITLE)
        db.session.add(Assignment(judge=declarer, entry=entry, round=1))
        if not other_has_room:
            db.session.add(Assignment(judge=other, entry=build_entry(contest, lead, "Solar dryer"), round=1))
        open_round(contest)

    return setup


def declare_conflict(page, reason: str) -> str:
    """From the queue, open the entry and declare a conflict; return the page's text after it."""
    page.get_by_role("heading", name="My queue").wait_for()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_text("I cannot judge this entry impartially").click()
    page.get_by_label("Why you cannot judge this entry impartially").fill(reason)
    page.get_by_role("button", name="Declare a conflict").click()
    page.get_by_text("Conflict declared:").wait_for()
    return page.content()


def assignment_page(page, base: str) -> str:
    """From the organizer's overview, through the contest's page, to its assignment."""
    page.goto(base + "/organizer/")
    page.get_by_role("link", name="Window, fields, rubric").first.click()
    page.get_by_role("link", name="Assignment", exact=True).click()
    page.locator("h1", has_text="Assignment").wait_for()
    return page.content()


@pytest.mark.parametrize("live_server_setup", [True], indirect=True)
def test_a_declared_conflict_moves_the_entry_to_another_judge(live_server, browse):
    page = browse("declarer@example.uz")
    html = declare_conflict(page, "I supervised the lead author's thesis.")
    assert "has left your queue and another judge now has it." in html
    assert page.get_by_role("link", name=TITLE).count() == 0
    for secret in (*SECRETS, "Judge Yusupova"):
        assert secret.lower() not in html.lower(), secret

    page = browse("other@example.uz")
    page.get_by_role("heading", name="My queue").wait_for()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE).wait_for()
    assert all(secret.lower() not in page.content().lower() for secret in SECRETS)

    page = browse("org@example.uz")
    html = assignment_page(page, live_server)
    assert "Reassignments after declared conflicts" in html
    row = page.locator("table.reassignments tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    assert "Judge Toshmatov" in text and "Judge Yusupova" in text and "supervised" in text
    assert "Entries short of a judge" not in html


@pytest.mark.parametrize("live_server_setup", [False], indirect=True)
def test_with_no_judge_free_the_organizer_sees_the_entry_short(live_server, browse):
    page = browse("declarer@example.uz")
    html = declare_conflict(page, "The lead author is my niece.")
    assert "No other judge is free to take it, so the organizers have been told." in html

    page = browse("other@example.uz")
    page.get_by_role("heading", name="My queue").wait_for()
    assert page.get_by_role("link", name=TITLE).count() == 0

    page = browse("org@example.uz")
    page.goto(live_server + "/organizer/")
    overview = page.get_by_role("alert").filter(has_text="lacks a judge after a declared conflict")
    assert overview.is_visible()
    overview.get_by_role("link", name="See the assignment").click()
    page.locator("h1", has_text="Assignment").wait_for()
    notice = page.get_by_role("alert").filter(has_text="Entries short of a judge after a declared conflict")
    assert notice.is_visible()
    assert "Judge Toshmatov declared a conflict and no other judge is eligible" in notice.inner_text()
    assert "1 judge is at their maximum load" in notice.inner_text()
