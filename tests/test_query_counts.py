"""The judges' hot path and the organizers' big pages run a number of SQL statements that does not grow
with the number of entries (or of rubric criteria): no query per row."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from contest.extensions import db
from contest.models import (
    Assignment, ContestJudge, Criterion, Role, ScoringRound, utcnow,
)
from tests.conftest import POSTGRES, submitted_entries
from tests.test_prizes import publish_ranking


@contextmanager
def counted_statements():
    """The SQL statements sent to the database meanwhile."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def judge_with_queue(contest, make_user, entries: int):
    """A judge with `entries` assignments in the contest's open first round, and the last assignment."""
    judge = make_user(Role.JUDGE)
    db.session.add(ContestJudge(contest=contest, judge=judge))
    if ScoringRound.of(contest.id, 1) is None:
        db.session.add(ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=1),
                                    closes_at=utcnow() + timedelta(days=1)))
    assignments = [Assignment(judge=judge, entry=entry) for entry in submitted_entries(contest, make_user, entries)]
    db.session.add_all(assignments)
    db.session.commit()
    return judge, assignments[-1]


def judge_path_counts(client, login, judge, assignment) -> dict[str, list[str]]:
    """The statements of the queue, an entry, and submitting its score, as the judge."""
    login(judge)
    counts = {}
    for kind, path in (("queue", "/judging/"), ("entry", f"/judging/assignments/{assignment.id}")):
        with counted_statements() as statements:
            assert client.get(path).status_code == 200
        counts[kind] = statements
    form = {f"value_{criterion.id}": "7" for criterion in assignment.entry.contest.criteria} | {"submit_scores": "y"}
    with counted_statements() as statements:
        assert client.post(f"/judging/assignments/{assignment.id}/scores", data=form).status_code == 302
    counts["score"] = statements
    return counts


def test_the_judges_pages_run_as_many_statements_for_50_entries_as_for_5(client, login, make_season, make_user):
    contest = make_season().contests[0]
    few = judge_path_counts(client, login, *judge_with_queue(contest, make_user, 5))
    many = judge_path_counts(client, login, *judge_with_queue(contest, make_user, 50))
    assert {kind: len(statements) for kind, statements in many.items()} == \
        {kind: len(statements) for kind, statements in few.items()}
    # 8, 15, 23 at first; then 5, 12, 19; then 5, 8, 15 with the sheet loaded eagerly; then the conflict check
    # and the round came with the assignment, and the lock read the sheet; the score POST also marks the
    # contest's stored rankings stale, in its own transaction (one UPDATE). Now the queue's contests, fields and
    # rounds come with its rows, and the entry page reads its sheet as rows.
    assert len(many["queue"]) <= 2 and len(many["entry"]) <= 5 and len(many["score"]) <= 13
    if POSTGRES:  # the marks in one INSERT; the audit chain's advisory lock
        assert len(many["score"]) <= 11


def test_the_judges_pages_run_as_many_statements_for_a_long_rubric_as_for_a_short_one(
        client, login, make_season, make_user):
    short, long = make_season().contests[:2]
    long.criteria.extend(Criterion(name=f"Extra {n}", weight=1) for n in range(8))
    db.session.commit()
    assert len(long.criteria) == len(short.criteria) + 8
    counts = [judge_path_counts(client, login, *judge_with_queue(contest, make_user, 5)) for contest in (short, long)]
    for kind in ("queue", "entry"):
        assert len(counts[0][kind]) == len(counts[1][kind])
    # Submitting writes one mark per criterion: PostgreSQL takes them in one INSERT, SQLite in one each.
    reads = [[statement for statement in count["score"] if not statement.startswith("INSERT")] for count in counts]
    assert len(reads[0]) == len(reads[1])
    if POSTGRES:
        assert len(counts[0]["score"]) == len(counts[1]["score"])


def organizer_page_counts(client, login, season, make_user, entries_per_contest: int) -> dict[str, list[str]]:
    """The budget page and the season workbook of a season whose three contests have published rankings."""
    for contest in season.contests:
        publish_ranking(contest, submitted_entries(contest, make_user, entries_per_contest))
    login(make_user(Role.ORGANIZER))
    counts = {}
    for kind, path in (("budget", f"/prizes/seasons/{season.id}/budget"),
                       ("workbook", f"/prizes/seasons/{season.id}/workbook")):
        client.get(path)  # the first visit makes the default catalogue
        with counted_statements() as statements:
            assert client.get(path).status_code == 200
        counts[kind] = statements
    return counts


def test_the_budget_page_and_the_workbook_run_as_many_statements_for_40_entries_as_for_10(
        client, login, make_season, make_user):
    few = organizer_page_counts(client, login, make_season(2026), make_user, 10)
    many = organizer_page_counts(client, login, make_season(2027), make_user, 40)
    assert {kind: len(statements) for kind, statements in many.items()} == \
        {kind: len(statements) for kind, statements in few.items()}
    assert len(many["budget"]) <= 26 and len(many["workbook"]) <= 30  # 53 and 57 at 10 entries before


def test_a_scoring_round_is_read_once_per_transaction_and_never_stale(make_season):
    contest = make_season().contests[0]
    db.session.commit()
    contest_id = contest.id
    assert ScoringRound.of(contest_id, 1) is None
    window = ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=1),
                          closes_at=utcnow() + timedelta(days=1))
    db.session.add(window)
    assert ScoringRound.of(contest_id, 1) is window  # added later in the same transaction: found
    with counted_statements() as statements:
        assert ScoringRound.of(contest_id, 1) is window
    assert statements == []  # read once
    db.session.commit()
    with counted_statements() as statements:
        assert ScoringRound.of(contest_id, 1).id == window.id
    assert len(statements) == 1  # a new transaction reads it again
    db.session.delete(window)
    db.session.flush()
    assert ScoringRound.of(contest_id, 1) is None  # removed: forgotten at once
