"""The organizer's journey in a real browser: assign judges with a dry run, then publish a ranking."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import (
    Assignment, Category, ContestJudge, Entry, EntryAuthor, EntryStatus, JudgeExpertise, Mark, Role, SheetStatus,
    utcnow,
)
from tests.e2e.conftest import person, sign_in


def contest_with_entries_and_panel(season, scored: bool):
    """Six submitted entries in The Best Idea, four judges on its panel; scored sheets if asked."""
    contest = season.contests[0]
    person("org@example.uz", Role.ORGANIZER, "Organizer Karimova")
    judges = []
    for n in range(4):
        judge = person(f"j{n}@example.uz", Role.JUDGE, f"Judge {n}", organization=f"Institute {n}")
        judge.expertise.append(JudgeExpertise(field="Energy" if n < 2 else "IT and software", level=3))
        db.session.add(ContestJudge(contest=contest, judge=judge, max_load=10))
        judges.append(judge)
    rng = random.Random(3)
    for n in range(6):
        lead = person(f"p{n}@example.uz", Role.PARTICIPANT, f"Author {n}", category=Category.STUDENT,
                      organization="Urgench State University", region="khorezm")
        entry = Entry(contest=contest, lead_author=lead, field=contest.fields[n % 2], status=EntryStatus.SUBMITTED,
                      submitted_at=utcnow())
        entry.set_title(f"Entry number {n}")
        entry.authors.append(EntryAuthor.from_user(lead, 0))
        db.session.add(entry)
        if scored:
            for j in range(3):
                sheet = Assignment(judge=judges[(n + j) % 4], entry=entry, status=SheetStatus.SUBMITTED,
                                   submitted_at=utcnow(), overall_comment="Well argued." if n == 5 else "")
                for criterion in contest.criteria:
                    sheet.marks.append(Mark(criterion=criterion,
                                            value=Decimal(max(1, min(10, 3 + n + rng.choice((-1, 0, 1)))))))
                db.session.add(sheet)


class TestAssignment:
    @pytest.fixture
    def live_server_setup(self):
        return lambda season: contest_with_entries_and_panel(season, scored=False)

    def test_organizer_runs_a_dry_run_reads_its_statistics_and_commits(self, live_server, page):
        sign_in(page, live_server, "org@example.uz")
        page.get_by_role("link", name="Window, fields, rubric").first.click()
        page.get_by_role("link", name="Assignment").first.click()
        page.get_by_role("button", name="Dry run").click()
        page.get_by_text("Optimal: total affinity").wait_for()
        for label in ("Mean affinity", "Entries without an expert", "Conflicts avoided", "Load histogram"):
            assert page.get_by_text(label).first.is_visible()
        page.get_by_role("button", name="Commit this assignment").click()
        page.get_by_text("6 entries are put before their judges (18 assignments in all).").wait_for()
        page.get_by_role("button", name="Commit this assignment").click()
        page.get_by_text("18 assignments are in place.").wait_for()
        rows = page.locator("tbody tr")
        assert rows.count() == 6
        for i in range(6):
            assert rows.nth(i).inner_text().count("Judge ") == 3


class TestPublishing:
    @pytest.fixture
    def live_server_setup(self):
        return lambda season: contest_with_entries_and_panel(season, scored=True)

    def test_organizer_publishes_and_the_author_sees_the_result(self, live_server, browser):
        organizer = browser.new_context(locale="en-US").new_page()
        sign_in(organizer, live_server, "org@example.uz")
        organizer.get_by_role("link", name="Results", exact=True).first.click()
        first_row = organizer.locator("tbody tr").first
        assert "Entry number 5" in first_row.inner_text()
        assert organizer.get_by_role("img", name="Judges: leniency against scale").is_visible()
        organizer.get_by_role("button", name="Publish this ranking").click()
        organizer.get_by_role("button", name="Publish version 1").click()
        organizer.get_by_text("The Best Idea: version 1 of the ranking is published.").wait_for()
        assert organizer.get_by_text("Inputs hash:").is_visible()

        author = browser.new_context(locale="en-US").new_page()
        sign_in(author, live_server, "p5@example.uz")
        author.get_by_role("link", name="Entry number 5").click()
        author.get_by_text("Rank 1 of 6").wait_for()
        assert author.get_by_text("Well argued.").first.is_visible()
        content = author.content()  # judges are "Judge A", "Judge B"...; their names ("Judge 0"...) never shown
        assert "Judge A" in content and not any(f"Judge {n}" in content for n in range(4))
