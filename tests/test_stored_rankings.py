"""Rankings computed once and stored: a change of marks makes them stale in its own transaction and
queues one job, the job recomputes each once, pages read what is stored and say how fresh it is,
and publishing freezes exactly what was stored."""
from __future__ import annotations

from decimal import Decimal

import pytest

from contest.extensions import db
from contest.jobs import queue
from contest.jobs import runner as worker
from contest.models import (
    Assignment, ContestJudge, ContestRanking, Criterion, Entry, EntryStatus, Job, JobStatus, Mark, ResultSnapshot,
    Role, SheetStatus,
)
from contest.services import results, stored_rankings


@pytest.fixture
def large(app, monkeypatch):
    """Every contest counts as national-size, no answer is in this process's memory, and queued jobs
    wait (their ids in the list) until the test runs them."""
    app.config["RANKING_INLINE_MAX_SCORES"] = 0
    monkeypatch.setattr(results, "rankings", results.RankingCache())
    waiting: list[int] = []
    monkeypatch.setattr(queue, "dispatch", lambda _app, job_id: waiting.append(job_id))
    return waiting


@pytest.fixture
def engine_calls(monkeypatch):
    """How many times the scoring engine ranked something."""
    calls = []
    rank = results.scoring.rank_input

    def counted(data, *args, **kwargs):
        calls.append(data.method)
        return rank(data, *args, **kwargs)

    monkeypatch.setattr(results.scoring, "rank_input", counted)
    return calls


def run(job_ids: list[int]) -> None:
    """Run the waiting jobs, as a worker would (each in a session of its own)."""
    while job_ids:
        worker.execute(job_ids.pop(0))
    db.session.expire_all()


def rows_of(contest) -> list[ContestRanking]:
    db.session.expire_all()
    return db.session.scalars(db.select(ContestRanking).where(ContestRanking.contest_id == contest.id)
                              .order_by(ContestRanking.method)).all()


def a_submitted_mark(contest) -> Mark:
    return db.session.scalars(db.select(Mark).join(Assignment).join(Entry).where(
        Entry.contest_id == contest.id, Assignment.status == SheetStatus.SUBMITTED).order_by(Mark.id).limit(1)).one()


def change(mark: Mark) -> None:
    mark.value = Decimal(2) if mark.value != 2 else Decimal(3)
    db.session.commit()


def ranking_jobs() -> list[Job]:
    return db.session.scalars(db.select(Job).where(Job.kind == "ranking").order_by(Job.id)).all()


def stored_and_current(client, contest, large) -> list[ContestRanking]:
    response = client.post(f"/results/contests/{contest.id}/ranking", data={"method": "mean"})
    assert response.status_code == 302
    run(large)
    return rows_of(contest)


@pytest.mark.parametrize("language, waiting, button", [
    ("uz", "reytingi sahifa ochilayotganda emas, fonda hisoblanadi", "Reytingni hisoblash"),
    ("ru", "рейтинг вычисляется в фоне", "Вычислить рейтинг"),
    ("en", "its ranking is computed in the background", "Compute the ranking"),
])
def test_a_large_ranking_is_not_computed_in_the_request(client, organizer, scored, large, engine_calls,
                                                        language, waiting, button):
    contest, _judges, _entries = scored
    client.post(f"/auth/language/{language}")
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert waiting in page and button in page and f'action="/results/contests/{contest.id}/ranking"' in page
    assert engine_calls == [] and rows_of(contest) == [] and ranking_jobs() == []   # a GET starts nothing


def test_the_job_stores_the_rankings_once_and_every_server_reads_them(client, organizer, scored, large,
                                                                       engine_calls, monkeypatch):
    contest, _judges, entries = scored
    rows = stored_and_current(client, contest, large)
    assert [(row.method, row.stale, row.recompute_queued) for row in rows] == [
        ("calibrated", False, False), ("mean", False, False)]     # the method asked for, and the default one
    assert sorted(engine_calls) == ["calibrated", "mean"]
    job = ranking_jobs()[-1]
    assert job.status is JobStatus.DONE and (job.progress_done, job.progress_total) == (2, 2)

    monkeypatch.setattr(results, "rankings", results.RankingCache())        # another server's memory
    for method in ("mean", "calibrated"):
        page = client.get(f"/results/contests/{contest.id}", query_string={"method": method}).get_data(as_text=True)
        assert page.index(entries[11].code) < page.index(entries[0].code)
        assert "current: nothing it is computed from has changed since" in page
    assert len(engine_calls) == 2                           # read, not ranked again, by any page
    # Asking again while they are current queues nothing.
    client.post(f"/results/contests/{contest.id}/ranking", data={"method": "mean"})
    assert large == [] and len(ranking_jobs()) == 1


def test_a_changed_mark_makes_the_ranking_stale_in_its_transaction_and_queues_one_job(client, organizer, scored,
                                                                                      large, engine_calls):
    contest, _judges, _entries = scored
    before = {row.method: row.generation for row in stored_and_current(client, contest, large)}
    engine_calls.clear()
    mark = a_submitted_mark(contest)
    change(mark)
    rows = rows_of(contest)
    assert all(row.stale and row.recompute_queued and row.generation == before[row.method] + 1 for row in rows)
    assert len(large) == 1                                   # queued after the commit
    change(mark)                                             # a second change finds the job queued
    assert len(large) == 1 and len(ranking_jobs()) == 2
    assert all(row.generation == before[row.method] + 2 for row in rows_of(contest))
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "is being recomputed; until then this page shows it as computed" in page and engine_calls == []

    # A second worker's job for the same change: the first stores, the second finds nothing stale.
    second = queue.enqueue("ranking", contest_id=contest.id)
    db.session.commit()
    run(large)
    assert sorted(engine_calls) == ["calibrated", "mean"] and db.session.get(Job, second.id).status is JobStatus.DONE
    assert all(not row.stale and not row.recompute_queued for row in rows_of(contest))
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "current: nothing it is computed from has changed since" in page


def test_marks_that_change_while_the_job_computes_are_not_overwritten_by_its_answer(client, organizer, scored,
                                                                                     large, monkeypatch):
    contest, _judges, _entries = scored
    stored_and_current(client, contest, large)
    change(a_submitted_mark(contest))
    columns = stored_rankings.answer_columns

    def meanwhile(instance):       # another transaction changes a mark while the engine ranks
        db.session.execute(db.update(ContestRanking).where(ContestRanking.contest_id == contest.id)
                           .values(generation=ContestRanking.generation + 1))
        return columns(instance)

    monkeypatch.setattr(stored_rankings, "answer_columns", meanwhile)
    worker.execute(large.pop(0))
    assert all(row.stale and row.recompute_queued for row in rows_of(contest))
    assert len(large) == 1                                   # its follow-up, which computes the new marks
    monkeypatch.setattr(stored_rankings, "answer_columns", columns)
    run(large)
    assert all(not row.stale and not row.recompute_queued for row in rows_of(contest))


def test_a_draft_changes_no_ranking(client, organizer, scored, large):
    contest, judges, entries = scored
    stored_and_current(client, contest, large)
    draft = Assignment(judge=judges[3], entry=entries[5], round=1)   # not one of its judges
    db.session.add(draft)
    db.session.flush()
    db.session.add(Mark(assignment=draft, criterion=contest.criteria[0], value=Decimal(5)))
    db.session.commit()
    assert all(not row.stale for row in rows_of(contest)) and large == []


@pytest.mark.parametrize("what", ["withdrawal", "panel", "rubric", "ballot"])
def test_whatever_the_ranking_is_computed_from_makes_it_stale(client, organizer, scored, large, make_user, what):
    contest, _judges, entries = scored
    stored_and_current(client, contest, large)
    if what == "withdrawal":
        entries[3].status = EntryStatus.WITHDRAWN
    elif what == "panel":
        db.session.add(ContestJudge(contest=contest, judge=make_user(Role.JUDGE)))
    elif what == "rubric":
        criterion = db.session.scalars(db.select(Criterion).where(Criterion.contest_id == contest.id)).first()
        criterion.weight = criterion.weight + 1
    else:
        sheet = db.session.scalars(db.select(Assignment).join(Entry).where(Entry.contest_id == contest.id)
                                   .order_by(Assignment.id).limit(1)).one()
        sheet.ballot_position = 1
    db.session.commit()
    assert all(row.stale for row in rows_of(contest)) and len(large) == 1


def test_an_out_of_date_ranking_whose_job_failed_says_so_and_offers_to_compute_it(client, organizer, scored, large,
                                                                                   monkeypatch):
    contest, _judges, _entries = scored
    stored_and_current(client, contest, large)
    change(a_submitted_mark(contest))

    def broken(instance):
        raise RuntimeError("the worker ran out of memory")

    monkeypatch.setattr(stored_rankings, "answer_columns", broken)
    run(large)
    assert ranking_jobs()[-1].status is JobStatus.FAILED
    assert all(row.stale and not row.recompute_queued for row in rows_of(contest))
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "this ranking is out of date" in page and "Compute the ranking" in page


def test_publishing_freezes_exactly_the_stored_ranking_and_refuses_a_stale_one(client, organizer, scored, large,
                                                                               runner):
    contest, _judges, _entries = scored
    stored_and_current(client, contest, large)
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", "confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    row = db.session.get(ContestRanking, (contest.id, "calibrated"))
    assert (snapshot.instance_json, snapshot.result_json, snapshot.inputs_hash) == (
        row.instance_json, row.result_json, row.inputs_hash)
    verified = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert verified.exit_code == 0 and "1 published rankings checked, 0 differences" in verified.output

    change(a_submitted_mark(contest))
    page = client.get(f"/results/contests/{contest.id}/publish", query_string={"method": "calibrated"})
    assert "publish it once it is current" in page.get_data(as_text=True)
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", "confirm": "yes"})
    assert ResultSnapshot.latest(contest.id).version == 1


def test_a_small_contest_is_ranked_for_the_page_and_published_from_what_is_stored(client, organizer, scored):
    contest, _judges, entries = scored
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "Computed from the current marks for this page." in page
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", "confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    row = db.session.get(ContestRanking, (contest.id, "calibrated"))
    assert (snapshot.instance_json, snapshot.result_json) == (row.instance_json, row.result_json)
    # From now on a change of marks has the job recompute it (at once, as the tests run jobs).
    change(a_submitted_mark(contest))
    row = db.session.get(ContestRanking, (contest.id, "calibrated"))
    assert not row.stale and row.result_json != snapshot.result_json
    page = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "current: nothing it is computed from has changed since" in page
    assert page.index(entries[11].code) < page.index(entries[0].code)
