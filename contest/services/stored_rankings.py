"""Rankings computed once, by a job, and stored for every page and server (:class:`ContestRanking`).

A change of what a ranking is computed from (a submitted sheet or ballot, the panel, the rubric,
an entry submitted or withdrawn) is noticed at flush and, just before the transaction commits,
makes the contest's stored rankings stale and bumps their generation: one UPDATE, in the same
transaction as the change. The first change after a computation also queues the ranking job,
which the jobs machinery starts once that transaction commits; later changes find it queued.
The job recomputes each stale ranking once and stores it only if its generation did not move
while it computed; if it did, the job queues its own follow-up.

Pages read what is stored and never compute a national-size ranking: they say when it was
computed and whether it is current, stale, or being recomputed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import chain

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from contest.engines import scoring
from contest.engines.cli import InputError
from contest.extensions import db
from contest.jobs import queue
from contest.models import (
    Assignment, Contest, ContestJudge, ContestRanking, Criterion, Entry, EntryStatus, Job, JobStatus, Mark, SheetStatus,
    utcnow,
)

TOUCHED = "ranking_inputs_touched"    # session.info: what this transaction changed that rankings read
CHUNK = 500                           # ids per IN list when a bulk change is traced to its contests


@dataclass
class Touched:
    """Rows a transaction changed that rankings are computed from, by what leads to their contest."""

    contests: set[int] = field(default_factory=set)
    entries: set[int] = field(default_factory=set)
    sheets: set[int] = field(default_factory=set)     # assignments whose marks changed: count if submitted

    def __bool__(self) -> bool:
        return bool(self.contests or self.entries or self.sheets)


def inputs_changed(contest_id: int, session: Session | None = None) -> None:
    """Note a change the flush cannot see (one written by a Core statement, such as a submitted sheet):
    the contest's stored rankings become stale when the transaction commits."""
    session = session or db.session()
    session.info.setdefault(TOUCHED, Touched()).contests.add(contest_id)


def _changed(obj, *names: str) -> bool:
    state = db.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note_changes(session: Session, _flush_context) -> None:
    """After a flush: remember which of the flushed rows change a ranking's input (the history is still there)."""
    touched = session.info.setdefault(TOUCHED, Touched())
    new, deleted = session.new, session.deleted
    for obj in chain(new, session.dirty, deleted):
        kind = type(obj)
        added_or_removed = obj in new or obj in deleted
        if kind is Mark:
            if added_or_removed or session.is_modified(obj):
                touched.sheets.add(obj.assignment_id)
        elif kind is Assignment:
            if (obj.status is SheetStatus.SUBMITTED if added_or_removed
                    else _changed(obj, "status", "ballot_position", "entry_id")):
                touched.entries.add(obj.entry_id)
        elif kind is Entry:
            if (obj.status is EntryStatus.SUBMITTED if added_or_removed else _changed(obj, "status", "contest_id")):
                touched.contests.add(obj.contest_id)
        elif kind is ContestJudge:
            if added_or_removed or _changed(obj, "contest_id", "judge_id"):
                touched.contests.add(obj.contest_id)
        elif kind is Criterion:
            if added_or_removed or _changed(obj, "weight", "scale_min", "scale_max", "contest_id"):
                touched.contests.add(obj.contest_id)


def _contests_of(session: Session, touched: Touched) -> set[int]:
    """The contests whose ranking input the touched rows belong to; rows already loaded ask no query."""
    contests = set(touched.contests)
    entries = set(touched.entries)
    unknown_sheets = []
    for sheet_id in touched.sheets:
        sheet = session.identity_map.get(db.inspect(Assignment).identity_key_from_primary_key((sheet_id,)))
        if sheet is None:
            unknown_sheets.append(sheet_id)
        elif sheet.status is SheetStatus.SUBMITTED:
            entries.add(sheet.entry_id)
    unknown_entries = []
    for entry_id in entries:
        entry = session.identity_map.get(db.inspect(Entry).identity_key_from_primary_key((entry_id,)))
        if entry is None:
            unknown_entries.append(entry_id)
        else:
            contests.add(entry.contest_id)
    for start in range(0, len(unknown_sheets), CHUNK):
        contests.update(session.scalars(
            db.select(Entry.contest_id).join(Assignment, Assignment.entry_id == Entry.id)
            .where(Assignment.id.in_(unknown_sheets[start:start + CHUNK]), Assignment.status == SheetStatus.SUBMITTED)
            .distinct()))
    for start in range(0, len(unknown_entries), CHUNK):
        contests.update(session.scalars(db.select(Entry.contest_id)
                                        .where(Entry.id.in_(unknown_entries[start:start + CHUNK])).distinct()))
    return contests


def _mark_stale(session: Session) -> None:
    """Before the commit: the touched contests' stored rankings become stale (in this transaction),
    and the first change after a computation queues the job that recomputes them."""
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    contests = _contests_of(session, touched)
    if not contests:
        return
    # One statement; on PostgreSQL it holds the rows until this transaction commits, so a job that
    # reads the generation afterwards also reads this transaction's marks.
    queued = session.execute(_stale_statement(), {"contests": sorted(contests), "now": utcnow()}).all()
    waiting = {contest_id for contest_id, is_queued in queued if is_queued}
    for contest_id in sorted({contest_id for contest_id, _ in queued} - waiting):
        _queue_recompute(contest_id)
    session.info.pop(TOUCHED, None)      # the job's own row is no ranking input


@cache
def _stale_statement():
    """The contests' rankings made stale: a Core statement built once, run in the commit of every submission."""
    rankings = ContestRanking.__table__.c
    return (update(ContestRanking.__table__).where(rankings.contest_id.in_(db.bindparam("contests", expanding=True)))
            .values(stale=True, generation=rankings.generation + 1, changed_at=db.bindparam("now"))
            .returning(rankings.contest_id, rankings.recompute_queued))


def _queue_recompute(contest_id: int) -> Job:
    db.session.execute(update(ContestRanking).where(ContestRanking.contest_id == contest_id)
                       .values(recompute_queued=True).execution_options(synchronize_session=False))
    return queue.enqueue("ranking", contest_id=contest_id)


def _forget(session: Session, *_args) -> None:
    session.info.pop(TOUCHED, None)


def init_app(_app) -> None:
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        # Before the audit log's append (which runs last and takes the chain's lock): every
        # transaction locks the ranking rows first and the chain second, never the other way round.
        event.listen(Session, "before_commit", _mark_stale, insert=True)
        event.listen(Session, "after_rollback", _forget)


# --------------------------------------------------------------------------- computing and storing

def method_key(method: str | None) -> str:
    return method or ""


def stored(contest: Contest, method: str | None) -> ContestRanking | None:
    return db.session.get(ContestRanking, (contest.id, method_key(method)))


def instance_text(data: scoring.ScoringInput) -> str:
    """The JSON form of a ranking's input, as a ranking and a published version store it."""
    return json.dumps(scoring.codec.write_instance(data), sort_keys=True)


def answer_columns(data: scoring.ScoringInput) -> dict:
    """What a computed ranking stores: the input and the engine's answer as JSON, or its problems."""
    columns = {"instance_json": instance_text(data), "computed_at": utcnow()}
    try:
        answer = scoring.rank_input(data)
    except InputError as error:
        return {**columns, "inputs_hash": None, "result_json": None,
                "problems_json": json.dumps({"problems": error.problems, "problem_codes": error.codes})}
    return {**columns, "inputs_hash": answer.inputs_hash,
            "result_json": json.dumps(scoring.codec.write_result(answer), sort_keys=True), "problems_json": None}


def store(contest: Contest, method: str | None, columns: dict, generation: int | None) -> bool:
    """Store a ranking computed from the inputs as they were at ``generation`` (None: there was no
    row); False when the inputs changed since (the row keeps saying stale)."""
    if generation is None:
        db.session.add(ContestRanking(contest_id=contest.id, method=method_key(method), stale=False, generation=0,
                                      recompute_queued=False, **columns))
        db.session.flush()
        return True
    return db.session.execute(
        update(ContestRanking).where(ContestRanking.contest_id == contest.id,
                                     ContestRanking.method == method_key(method),
                                     ContestRanking.generation == generation)
        .values(stale=False, **columns).execution_options(synchronize_session="fetch")).rowcount == 1


def request(contest: Contest, methods: list[str | None]) -> bool:
    """An organizer asks for the rankings by ``methods``: rows for those not stored yet, and the job
    if one is not queued already. False when every one is current (nothing to do)."""
    rows = [stored(contest, method) or ContestRanking(contest_id=contest.id, method=method_key(method), stale=True,
                                                      generation=0, recompute_queued=False)
            for method in dict.fromkeys(methods)]
    db.session.add_all(rows)
    db.session.flush()
    if all(not row.stale for row in rows):
        return False
    if not any(row.recompute_queued for row in rows):
        _queue_recompute(contest.id)
    return True


def follow_job(job: Job) -> None:
    """A ranking job failed (its work rolled back) or was queued again: say so on its contest's rankings."""
    db.session.execute(update(ContestRanking).where(ContestRanking.contest_id == job.parameters["contest_id"])
                       .values(recompute_queued=job.status is not JobStatus.FAILED)
                       .execution_options(synchronize_session=False))


def job_done(contest_id: int, follow_up: bool) -> None:
    """The ranking job's end: nothing queued for the contest any more, or (its inputs moved while it
    computed) its follow-up queued, the flag staying set."""
    if follow_up:
        queue.enqueue("ranking", contest_id=contest_id)
    else:
        db.session.execute(update(ContestRanking).where(ContestRanking.contest_id == contest_id)
                           .values(recompute_queued=False).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Freshness:
    """How current the ranking a page shows is."""

    computed_at: datetime | None
    stale: bool = False               # the inputs changed after it was computed
    recomputing: bool = False         # a job is queued or running to recompute it
    changed_at: datetime | None = None
    stored: bool = True               # False: computed for this page (a small contest), not read from storage

    @classmethod
    def of(cls, row: ContestRanking) -> Freshness:
        return cls(row.computed_at, row.stale, row.recompute_queued, row.changed_at)

