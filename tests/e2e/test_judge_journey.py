"""The judge's journey on a 360 px phone: sign in, queue, a blind entry, a draft, the submitted sheet."""
from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from contest.extensions import db
from contest.models import Assignment, Category, Role, User
from tests.e2e.conftest import PHONE
from tests.test_judging import LEAD_NAME, LEAD_ORG, SECRETS, build_entry, open_round

JUDGE_EMAIL, JUDGE_PASSWORD = "judge.phone@example.uz", "judge-phone-1"


def judge_with_one_entry(season, email: str, password: str, name: str) -> Assignment:
    """A judge holding one blind entry of The Best Idea, its round 1 open for scoring."""
    contest = season.contests[0]
    lead = User(email="lead.author@example.uz", role=Role.PARTICIPANT, full_name=LEAD_NAME,
                category=Category.STUDENT, organization=LEAD_ORG, region="karakalpakstan")
    judge = User(email=email, role=Role.JUDGE, full_name=name, password_hash=generate_password_hash(password))
    db.session.add_all([lead, judge])
    sheet = Assignment(judge=judge, entry=build_entry(contest, lead, "Wind-powered water pump"), round=1)
    db.session.add(sheet)
    open_round(contest)
    return sheet


@pytest.fixture
def live_server_setup():
    """A judge, one of the season's entries assigned to them, and round 1 open for scoring."""
    return lambda season: judge_with_one_entry(season, JUDGE_EMAIL, JUDGE_PASSWORD, "Judge Sobirova Dilnoza")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_judge_scores_an_entry_on_a_phone(browse):
    page = browse(JUDGE_EMAIL, PHONE, JUDGE_PASSWORD, phone=True)

    page.get_by_role("heading", name="My queue").wait_for()
    assert page.get_by_text("0 of 1 scored").is_visible()
    assert page.get_by_text("Not started").is_visible()
    assert fits_the_screen(page)

    page.get_by_role("link", name="Wind-powered water pump").click()
    page.get_by_role("heading", name="Wind-powered water pump").wait_for()
    html = page.content()
    for secret in SECRETS:
        assert secret.lower() not in html.lower(), secret
    assert page.get_by_role("link", name="-document-1.pdf").is_visible()
    assert fits_the_screen(page)

    page.get_by_label("Score: Novelty").fill("8")
    page.get_by_label("Comment: Novelty").fill("A fresh use of old rotors.")
    page.get_by_label("Score: Technical merit").fill("7,5")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved for").wait_for()
    assert page.get_by_label("Score: Technical merit").input_value() == "7.5"
    assert fits_the_screen(page)

    page.get_by_label("Score: Feasibility").fill("12")
    page.get_by_role("button", name="Submit scores").click()
    page.get_by_text("The score must be from 1 to 10.").wait_for()
    assert page.get_by_label("Score: Feasibility").input_value() == "12"
    assert fits_the_screen(page)

    page.get_by_label("Score: Feasibility").fill("6")
    page.get_by_label("Score: Impact").fill("9")
    page.get_by_label("Overall comment").fill("Worth a field trial.")
    page.get_by_role("button", name="Submit scores").click()
    page.get_by_text("are submitted").wait_for()
    assert page.get_by_text("1 of 1 scored").is_visible()
    assert fits_the_screen(page)
