"""Confirmations in a real browser: withdrawing an entry and publishing a ranking each go through a
page that says what will happen; nothing changes until it is confirmed."""
from __future__ import annotations

import pytest

from contest.extensions import db
from contest.models import Category, Entry, EntryAuthor, EntryStatus, Role, utcnow
from tests.e2e.conftest import person, sign_in
from tests.e2e.test_organizer_journey import contest_with_entries_and_panel


def entry_with_a_co_author(season):
    """A submitted entry of p@example.uz with one co-author who has an account."""
    contest = season.contests[0]
    lead = person("p@example.uz", Role.PARTICIPANT, "Yusupova Kamola", category=Category.ENGINEER,
                  organization="Navoi Mining and Metallurgical Company", region="navoi")
    partner = person("c@example.uz", Role.PARTICIPANT, "Aliyev Timur", category=Category.STUDENT,
                     organization="Urgench State University", region="khorezm")
    entry = Entry(contest=contest, lead_author=lead, field=contest.fields[0], status=EntryStatus.SUBMITTED,
                  submitted_at=utcnow())
    entry.set_title("Tailings-based cement")
    entry.authors += [EntryAuthor.from_user(lead, 0), EntryAuthor.from_user(partner, 1)]
    db.session.add(entry)


class TestWithdrawing:
    @pytest.fixture
    def live_server_setup(self):
        return entry_with_a_co_author

    def test_the_author_reads_what_withdrawing_does_cancels_then_withdraws(self, live_server, page):
        sign_in(page, live_server, "p@example.uz")
        page.get_by_role("link", name="Tailings-based cement").click()
        page.get_by_role("button", name="Withdraw").click()
        page.get_by_role("heading", name="Withdraw E-00001?").wait_for()
        assert page.get_by_text("1 co-author loses the entry with you: Aliyev Timur.").is_visible()
        assert page.get_by_text("it cannot be submitted again").is_visible()
        page.get_by_role("link", name="Cancel").click()
        page.get_by_role("heading", name="Tailings-based cement").wait_for()
        assert page.locator(".status").first.inner_text() == "Submitted"

        page.get_by_role("button", name="Withdraw").click()
        page.get_by_role("button", name="Withdraw the entry").click()
        page.get_by_text("Your entry is withdrawn.").wait_for()
        assert page.locator(".status").first.inner_text() == "Withdrawn"
        assert page.get_by_role("button", name="Withdraw").count() == 0


class TestPublishing:
    @pytest.fixture
    def live_server_setup(self):
        return lambda season: contest_with_entries_and_panel(season, scored=True)

    def test_the_organizer_publishes_once_and_an_identical_ranking_makes_no_new_version(self, live_server, page):
        sign_in(page, live_server, "org@example.uz")
        page.get_by_role("link", name="Results", exact=True).first.click()
        page.get_by_role("button", name="Publish this ranking").click()
        page.get_by_role("heading", name="Publish version 1 of the ranking of The Best Idea?").wait_for()
        assert page.get_by_text("6 entries are ranked.").is_visible()
        assert page.get_by_text("6 participants will see their entry's rank, score and the judges' comments."
                                ).is_visible()
        page.get_by_role("button", name="Publish version 1").click()
        page.get_by_text("The Best Idea: version 1 of the ranking is published.").wait_for()

        page.get_by_role("link", name="Season").click()
        page.get_by_role("link", name="Results", exact=True).first.click()
        page.get_by_role("button", name="Publish this ranking").click()
        page.get_by_text("This ranking is identical to version 1, the latest published: publishing it again makes "
                         "no new version.").wait_for()
        assert page.get_by_role("button", name="Publish version 2").count() == 0
        page.get_by_role("link", name="Back").click()
        assert page.get_by_role("link", name="v1").is_visible() and page.get_by_role("link", name="v2").count() == 0
