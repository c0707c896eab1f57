"""A judge reopens a submitted sheet on a phone: a revision beside it, then discarded, then submitted."""
from __future__ import annotations

from decimal import Decimal

import pytest

from contest.models import Mark, SheetStatus, utcnow
from tests.e2e.test_judge_journey import PHONE, fits_the_screen, judge_with_one_entry

JUDGE_EMAIL, JUDGE_PASSWORD = "judge.revision@example.uz", "judge-revision-1"


@pytest.fixture
def live_server_setup():
    """A judge whose sheet for one entry is submitted (all 7s) while round 1 is still open."""

    def setup(season):
        sheet = judge_with_one_entry(season, JUDGE_EMAIL, JUDGE_PASSWORD, "Judge Rahimova Nodira")
        sheet.status, sheet.submitted_at, sheet.overall_comment = SheetStatus.SUBMITTED, utcnow(), "Solid."
        sheet.marks = [Mark(criterion=c, value=Decimal(7)) for c in season.contests[0].criteria]

    return setup


def test_a_judge_revises_a_submitted_sheet_and_the_submitted_scores_stay_until_the_revision_is_sent(browse):
    page = browse(JUDGE_EMAIL, PHONE, JUDGE_PASSWORD, phone=True)
    page.get_by_role("heading", name="My queue").wait_for()
    page.get_by_role("link", name="Wind-powered water pump").click()
    page.get_by_text("Changing them starts a revision").wait_for()

    page.get_by_label("Score: Novelty").fill("9")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your submitted scores still count until you submit it.").wait_for()
    assert page.get_by_text("You are editing revision 1 of your submitted sheet.").is_visible()
    assert page.get_by_label("Score: Novelty").input_value() == "9"
    assert page.get_by_text("Submitted: 7").count() == 4
    assert fits_the_screen(page)
    page.get_by_role("link", name="Back to my queue").click()
    assert page.get_by_text("Submitted, revision in draft").is_visible()
    assert page.get_by_text("1 of 1 scored").is_visible()

    page.get_by_role("link", name="Wind-powered water pump").click()
    page.get_by_role("button", name="Discard this revision").click()
    page.get_by_text("Revision discarded").wait_for()
    assert page.get_by_label("Score: Novelty").input_value() == "7"
    assert page.get_by_text("You are editing revision").count() == 0

    page.get_by_label("Score: Impact").fill("10")
    page.get_by_role("button", name="Submit scores").click()
    page.get_by_text("are submitted").wait_for()
    page.get_by_role("link", name="Wind-powered water pump").click()
    assert page.get_by_label("Score: Impact").input_value() == "10"
    assert page.get_by_label("Score: Novelty").input_value() == "7"
    assert page.get_by_text("You are editing revision").count() == 0
