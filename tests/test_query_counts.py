"""The judges' hot path and the organizers' big pages run a number of SQL statements that does not grow
with the number of entries (or of rubric criteria): no query per row."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from contest.extensions import db
from contest.models import (
    FINAL_ROUND, Assignment, ContestJudge, Criterion, Mark, Role, ScoringRound, utcnow,
)
from tests.conftest import POSTGRES, scored_contest, submitted_entries
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


def statements_of(client, path: str, *, warm: bool = False) -> list[str]:
    """The statements of a GET of ``path`` (answered 200); after a first GET when ``warm``."""
    if warm:
        client.get(path)
    with counted_statements() as statements:
        assert client.get(path).status_code == 200
    return statements


def read_alone(tables: tuple[str, ...]):
    """Whether a statement reads one of these tables by itself (rather than inside a statement for the page's rows)."""
    pattern = re.compile(rf"^\s*SELECT\s[^(]*?\bFROM ({'|'.join(tables)})\b", re.IGNORECASE)
    return lambda statement: pattern.match(statement) is not None


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
    counts = {kind: statements_of(client, path)
              for kind, path in (("queue", "/judging/"), ("entry", f"/judging/assignments/{assignment.id}"))}
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
    # rounds come with its rows, and the entry page reads its sheet as rows. The score POST: the judge, the
    # assignment with its facts, the rubric, the lock, the sheet as stored, the marks in one INSERT, the sheet's
    # row, the stale rankings, the audit chain's head (with its lock, on PostgreSQL) and its event.
    assert len(many["queue"]) <= 2 and len(many["entry"]) <= 5 and len(many["score"]) <= 10
    # The entry page: the judge, then the assignment with its conflict fact, its round and its entry in
    # one statement, then one statement per collection shown; no table is read twice.
    assert not any(map(read_alone(("conflicts", "scoring_rounds")), many["entry"]))
    assert len({" ".join(statement.split()[:4]) for statement in many["entry"]}) == len(many["entry"])


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
    # the first visit makes the default catalogue
    return {kind: statements_of(client, path, warm=True)
            for kind, path in (("budget", f"/prizes/seasons/{season.id}/budget"),
                               ("workbook", f"/prizes/seasons/{season.id}/workbook"))}


def test_the_budget_page_and_the_workbook_run_as_many_statements_for_100_entries_as_for_10(
        client, login, make_season, make_user):
    few = organizer_page_counts(client, login, make_season(2026), make_user, 10)
    many = organizer_page_counts(client, login, make_season(2027), make_user, 100)
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


def results_page_counts(client, login, make_season, make_user, year: int, size: int) -> list[str]:
    """The statements of the organizer's results page of a contest of ``size`` entries and judges."""
    contest, _panel, _entries = scored_contest(lambda: make_season(year), make_user, size, size)
    login(make_user(Role.ORGANIZER))
    return statements_of(client, f"/results/contests/{contest.id}", warm=True)  # ranked by the first visit


def test_the_results_page_runs_as_many_statements_for_100_entries_and_judges_as_for_10(
        client, login, make_season, make_user):
    few = results_page_counts(client, login, make_season, make_user, 2026, 10)
    many = results_page_counts(client, login, make_season, make_user, 2027, 100)
    assert len(many) == len(few)
    # 30 at 10 and 96 at 100 before: the final round's proposal read its shortlist and each judge one by one
    assert len(many) <= 22


def final_round_scene(make_season, make_user, year: int, finalists: int):
    """A scored contest whose final round is open: ``finalists`` entries before a panel of three judges."""
    contest, panel, entries = scored_contest(lambda: make_season(year), make_user, max(12, finalists), 6)
    db.session.add(ScoringRound(contest=contest, number=FINAL_ROUND, opens_at=utcnow() - timedelta(days=1),
                                closes_at=utcnow() + timedelta(days=1)))
    db.session.add_all(Assignment(judge=judge, entry=entry, round=FINAL_ROUND)
                       for entry in entries[:finalists] for judge in panel[:3])
    db.session.commit()
    return contest, panel[0]


def final_round_counts(client, login, make_season, make_user, year: int, finalists: int) -> dict[str, list[str]]:
    """The statements of a panel judge's ballot and of the results page showing the open final round."""
    contest, judge = final_round_scene(make_season, make_user, year, finalists)
    counts = {}
    for kind, user, path in (("ballot", judge, f"/judging/contests/{contest.id}/ballot"),
                             ("results", make_user(Role.ORGANIZER), f"/results/contests/{contest.id}")):
        login(user)
        counts[kind] = statements_of(client, path, warm=True)
    return counts


def test_the_ballot_and_the_final_round_run_as_many_statements_for_10_finalists_as_for_3(
        client, login, make_season, make_user):
    few = final_round_counts(client, login, make_season, make_user, 2026, 3)
    many = final_round_counts(client, login, make_season, make_user, 2027, 10)
    assert {kind: len(statements) for kind, statements in many.items()} == \
        {kind: len(statements) for kind, statements in few.items()}
    assert not any(map(read_alone(("conflicts",)), many["ballot"]))  # the conflict fact comes with the ballot


def test_the_contest_page_reads_whether_the_rubric_is_locked_once_whatever_its_length(
        client, login, make_season, make_user):
    short, long = make_season().contests[:2]
    long.criteria.extend(Criterion(name=f"Extra {n}", weight=1) for n in range(8))
    db.session.commit()
    paths = [f"/organizer/contests/{contest.id}" for contest in (short, long)]
    login(make_user(Role.ORGANIZER))
    counts = [statements_of(client, path) for path in paths]
    assert len(counts[0]) == len(counts[1]) <= 5  # 11 before: the lock asked once more per criterion
    assert [" FROM marks " in " ".join(statement.split()) for statement in counts[1]].count(True) == 1


def test_a_rubric_lock_read_with_the_contest_is_asked_again_before_the_rubric_changes(make_season, make_user):
    contest = make_season().contests[0]
    judge_with_queue(contest, make_user, 1)
    found = db.session.scalars(db.select(type(contest)).where(type(contest).id == contest.id)
                               .options(type(contest).with_rubric_lock())
                               .execution_options(populate_existing=True)).one()
    with counted_statements() as statements:
        assert found.rubric_locked is False and found.rubric_locked is False
    assert statements == []  # read with the contest
    assignment = db.session.scalars(db.select(Assignment)).first()
    db.session.add(Mark(assignment=assignment, criterion=contest.criteria[0], value=7))
    db.session.flush()
    assert found.rubric_locked is False          # what the page read
    assert found.read_rubric_lock() is True      # what a change to the rubric asks


def panel_page_counts(client, login, make_season, make_user, year: int, size: int) -> dict[str, int]:
    """The statements of a contest's panel and assignment pages, with ``size`` entries and judges."""
    contest, _panel, _entries = scored_contest(lambda: make_season(year), make_user, size, size)
    paths = {kind: f"/organizer/contests/{contest.id}/{kind}" for kind in ("panel", "assignment")}
    login(make_user(Role.ORGANIZER))
    return {kind: len(statements_of(client, path)) for kind, path in paths.items()}


def test_the_panel_and_assignment_pages_run_as_many_statements_for_40_judges_as_for_10(
        client, login, make_season, make_user):
    few = panel_page_counts(client, login, make_season, make_user, 2026, 10)
    many = panel_page_counts(client, login, make_season, make_user, 2027, 40)
    assert many == few
    assert many["panel"] <= 10 and many["assignment"] <= 9  # 50 and 88 before: each judge's name read alone
