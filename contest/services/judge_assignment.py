"""Putting entries in front of judges: build the engine's problem, run it, commit its answer.

The problem is built from the rows as typed structs with the database's ids
(:class:`contest.engines.assignment.Problem`). A run is stored with the exact instance it solved
(as the engine's JSON, :func:`~contest.engines.assignment.problem_json`), so a dry run can be
reviewed and a committed assignment traced back to its input; its answer is read back typed
(:func:`~contest.engines.assignment.read_answer`). Assignments that already carry marks are passed
to the engine as locked: re-running never discards a judge's work. Refusals are
:class:`AssignmentError` with catalogue codes (``contest.catalogue.judge_assignment``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from contest.catalogue import Message, Refusal
from contest.catalogue.assignment import presenter, sentence
from contest.engines import assignment as engine
from contest.engines.cli import InputError
from contest.extensions import db
from contest.i18n import say
from contest.jobs import queue as jobs
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import (
    Assignment, AssignmentRun, Contest, ContestJudge, Entry, EntryStatus, Job, JobStatus, JudgeExpertise, Mark,
    Reassignment, RunStatus, ScoringRound, User, utcnow,
)
from contest.services import audit, conflicts, notices, versions
from contest.services.versions import Seen


class AssignmentError(Refusal):
    """An assignment change refused, with the codes that say why."""


def live_entries(contest: Contest) -> list[Entry]:
    return db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id,
                                                     Entry.status == EntryStatus.SUBMITTED)
                              .order_by(Entry.id)).all()


def scored_assignment_ids(contest: Contest, round_number: int) -> set[int]:
    return set(db.session.scalars(
        db.select(Mark.assignment_id).join(Assignment).join(Entry)
        .where(Entry.contest_id == contest.id, Assignment.round == round_number)))


def panel_of(contest: Contest) -> list[ContestJudge]:
    return db.session.scalars(db.select(ContestJudge).where(ContestJudge.contest_id == contest.id)
                              .order_by(ContestJudge.judge_id)).all()


def expertise_levels(contest: Contest, judge_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each judge's level in the contest's fields, matched by name whatever the case."""
    contest_fields = {name.casefold(): f.name for f in contest.fields for name in f.all_names}  # any language
    expertise: dict[int, dict[str, int]] = {}
    for row in db.session.scalars(db.select(JudgeExpertise).where(JudgeExpertise.judge_id.in_(judge_ids))):
        name = contest_fields.get(row.field.casefold())
        if name:  # a field listed in two languages counts at its higher level
            levels = expertise.setdefault(row.judge_id, {})
            levels[name] = max(levels.get(name, 0), row.level)
    return expertise


def recent_runs(contest: Contest, limit: int = 5) -> list[AssignmentRun]:
    """The contest's latest dry runs, newest first; the runs that refilled seats after a conflict are
    told on the page's reassignment history instead, so they do not crowd the dry runs out."""
    refills = db.select(Reassignment.run_id)
    return db.session.scalars(db.select(AssignmentRun).where(AssignmentRun.contest_id == contest.id,
                                                             AssignmentRun.id.not_in(refills))
                              .order_by(AssignmentRun.id.desc()).limit(limit)).all()


DEFAULT_LOAD_EVENING = 0.0
"""A dry run evens judges' loads among optimal assignments unless the organizer says otherwise."""


def build_problem(contest: Contest, round_number: int = 1,
                  load_evening: float | None = DEFAULT_LOAD_EVENING) -> engine.Problem:
    """The engine's question: submitted entries, the contest's judges, conflicts, locked pairs, and
    how much affinity evening the loads may cost (None: loads are not evened)."""
    entries = live_entries(contest)
    panel = panel_of(contest)
    expertise = expertise_levels(contest, [cj.judge_id for cj in panel])
    scored = scored_assignment_ids(contest, round_number)
    locked = db.session.execute(
        db.select(Assignment.judge_id, Assignment.entry_id).join(Entry)
        .where(Entry.contest_id == contest.id, Assignment.round == round_number, Assignment.id.in_(scored))
        .order_by(Assignment.judge_id, Assignment.entry_id)).tuples().all()
    entry_ids = {e.id for e in entries}
    on_panel = {cj.judge_id for cj in panel}
    # Judges who left keep their scored pairs; the engine releases them and fills the places.
    departed = sorted({j for j, e in locked if j not in on_panel and e in entry_ids})
    return engine.Problem(
        k=contest.judges_per_entry, min_load=0, max_load=max((cj.max_load for cj in panel), default=0),
        entries=[engine.Entry(e.id, e.field.name if e.field else None, e.judges_needed or contest.judges_per_entry)
                 for e in entries],
        judges=[engine.Judge(cj.judge_id, expertise.get(cj.judge_id, {}), cj.min_load, cj.max_load) for cj in panel]
        + [engine.Judge(j, active=False) for j in departed],
        conflicts=[(j, e) for (j, e) in sorted(conflicts.pairs(contest)) if e in entry_ids and j in on_panel],
        locked=[(j, e) for j, e in locked if e in entry_ids],
        load_evening=load_evening)


def inputs_hash(instance: dict) -> str:
    return hashlib.sha256(json.dumps(instance, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load_evening_of(run: AssignmentRun | None) -> float | None:
    """The load evening a run was asked for (runs stored before the setting existed: none)."""
    if run is None:
        return DEFAULT_LOAD_EVENING
    return json.loads(run.instance_json).get("load_evening")


def record_run(contest: Contest, organizer: User, round_number: int = 1,
               load_evening: float | None = DEFAULT_LOAD_EVENING) -> AssignmentRun:
    """Store the instance a dry run solves, after detecting conflicts afresh; it is still to be solved.

    The instance carries the load evening asked for, so the run keeps its setting and the next
    dry run's form starts from it."""
    detected = conflicts.detect(contest)
    instance = engine.problem_json(build_problem(contest, round_number, load_evening))
    run = AssignmentRun(contest=contest, round=round_number, instance_json=json.dumps(instance, sort_keys=True),
                        inputs_hash=inputs_hash(instance), created_by_id=organizer.id)
    db.session.add(run)
    db.session.flush()
    current_app.logger.info("assignment run %s: %d conflicts detected", run.id, detected)
    return run


def start_run(contest: Contest, organizer: User, round_number: int = 1,
              load_evening: float | None = DEFAULT_LOAD_EVENING) -> AssignmentRun:
    """Store the instance and queue a job that solves it (it starts once the request commits)."""
    run = record_run(contest, organizer, round_number, load_evening)
    run.job = jobs.enqueue("assignment_run", run_id=run.id, created_by=organizer)
    db.session.flush()
    return run


def _run_follows_job(job: Job) -> None:
    """A dry run is running while its job is queued or running, and failed when its job failed."""
    run = db.session.scalar(db.select(AssignmentRun).where(AssignmentRun.job_id == job.id))
    if run is None:
        return
    if job.status is JobStatus.FAILED:
        run.status, run.finished_at = RunStatus.FAILED, job.finished_at
    elif not job.finished:
        run.status, run.error, run.result_json, run.finished_at = RunStatus.RUNNING, None, None, None


@job_kind("assignment_run", _l("Assignment dry run"), result_endpoint="organizer.assignment_run",
          on_settled=_run_follows_job)
def solve_run(context: JobContext, run_id: int) -> dict:
    """Solve a stored dry run, exactly the instance it stored; input the engine refuses is the run's
    outcome (it lists the problems), not the job's."""
    run = db.session.get(AssignmentRun, run_id)
    if run.status is not RunStatus.RUNNING:  # solved already (a job queued twice): nothing to redo
        return {"run_id": run.id}
    context.progress(0, 1)
    try:
        run.result_json = json.dumps(engine.solve(json.loads(run.instance_json)))
        run.status = RunStatus.DONE
    except InputError as error:  # an instance this layer built wrong; infeasible ones are answers
        run.error = "; ".join(error.problems)
        run.status = RunStatus.FAILED
    run.finished_at = utcnow()
    db.session.flush()
    context.progress(1, 1)
    return {"run_id": run.id}


def result_of(run: AssignmentRun) -> engine.Answer | None:
    """The run's answer, typed (the platform's ids), or None while it has none."""
    return engine.read_answer(json.loads(run.result_json)) if run.result_json else None


def load_rows(result: engine.Answer | None) -> list[tuple[int, int, int]]:
    """(entries per judge, judges with that load before evening, after) for a run that evened loads."""
    evening = result.stats.get("evening") if result else None
    if not evening:
        return []
    before = {load: n for load, n in evening["load_histogram_before"]}
    after = {load: n for load, n in result.stats["load_histogram"]}
    return [(load, before.get(load, 0), after.get(load, 0)) for load in sorted(before.keys() | after.keys())]


@dataclass
class RunMessages:
    """A run's problems and warnings in the reader's language."""

    problems: list[str]
    warnings: list[str]


def run_messages(run: AssignmentRun) -> RunMessages:
    """The engine's problems and warnings in the reader's language, entries by their codes and
    judges by their names. A message stored without a known code keeps the engine's English."""
    answer = result_of(run)
    if answer is None:
        return RunMessages([], [])
    messages = [m for m in answer.problems + answer.warnings if isinstance(m, Message)]
    judge_ids = {j for m in messages for j in _ids(m, ("judge", "judges", "eligible"))}
    names = {user_id: name for user_id, name in db.session.execute(
        db.select(User.id, User.full_name).where(User.id.in_(judge_ids)))} if judge_ids else {}
    present = presenter(say, lambda j: names.get(j, f"#{j}"), Entry.code_of)

    def text(message: Message | str) -> str:
        return say(sentence(message), present) if isinstance(message, Message) else message
    return RunMessages([text(m) for m in answer.problems], [text(m) for m in answer.warnings])


def _ids(message: Message, params: tuple[str, ...]) -> list[int]:
    found = []
    for param in params:
        value = message.params.get(param)
        found += value if isinstance(value, list) else [] if value is None else [value]
    return found


@dataclass
class CommitPlan:
    """What committing a dry run changes: the pairs it adds and the unscored ones it removes."""

    pairs: set[tuple[int, int]]             # (judge id, entry id): every pair the run assigns
    added: set[tuple[int, int]]
    removed: list[Assignment]

    @property
    def judges(self) -> int:
        return len({judge_id for judge_id, _entry_id in self.pairs})

    @property
    def entries(self) -> int:
        return len({entry_id for _judge_id, entry_id in self.pairs})

    @property
    def judges_affected(self) -> int:
        """Judges whose queue changes: an entry given to them or an unscored one taken away."""
        return len({judge_id for judge_id, _entry_id in self.added} | {a.judge_id for a in self.removed})


def plan_commit(run: AssignmentRun) -> CommitPlan:
    """What committing the run would change, changing nothing; refused as :func:`commit_run` would be."""
    if run.status is not RunStatus.DONE:
        raise AssignmentError("run_not_finished")
    result = result_of(run)
    if not result.solved:
        raise AssignmentError("run_infeasible")
    now = engine.problem_json(build_problem(run.contest, run.round, load_evening_of(run)))
    if inputs_hash(now) != run.inputs_hash:
        raise AssignmentError("run_stale")
    scored = scored_assignment_ids(run.contest, run.round)
    current = {(a.judge_id, a.entry_id): a for a in db.session.scalars(
        db.select(Assignment).join(Entry).where(Entry.contest_id == run.contest_id, Assignment.round == run.round))}
    wanted = set(result.pairs)
    return CommitPlan(wanted, wanted - set(current),
                      [a for pair, a in current.items() if pair not in wanted and a.id not in scored])


def commit_run(run: AssignmentRun) -> int:
    """Replace the round's unscored assignments by the run's pairs, if nothing changed since."""
    plan = plan_commit(run)
    for assignment in plan.removed:
        db.session.delete(assignment)
    for judge_id, entry_id in sorted(plan.added):
        db.session.add(Assignment(judge_id=judge_id, entry_id=entry_id, round=run.round))
    run.status, run.committed_at = RunStatus.COMMITTED, utcnow()
    notices.entries_assigned(run.contest, run.round, plan.added)
    audit.record("assignment.committed", run, after={
        "contest_id": run.contest_id, "round": run.round, "pairs": len(plan.pairs), "added": len(plan.added),
        "removed": len(plan.removed), "judges_affected": plan.judges_affected, "inputs_hash": run.inputs_hash})
    db.session.flush()
    return len(plan.pairs)


def add_manual(entry: Entry, judge: User, round_number: int = 1) -> Assignment:
    reasons = conflicts.pairs(entry.contest).get((judge.id, entry.id))
    if reasons:
        raise AssignmentError("judge_conflicted_with_entry", judge=judge.full_name, entry=entry.code,
                              reason=" ".join(reasons))
    if not db.session.scalar(db.select(ContestJudge.id).where(ContestJudge.contest_id == entry.contest_id,
                                                              ContestJudge.judge_id == judge.id)):
        raise AssignmentError("judge_not_on_panel", judge=judge.full_name)
    if db.session.scalar(db.select(Assignment.id).where(Assignment.entry_id == entry.id,
                                                        Assignment.judge_id == judge.id,
                                                        Assignment.round == round_number)):
        raise AssignmentError("judge_already_reviews", judge=judge.full_name, entry=entry.code)
    assignment = Assignment(entry=entry, judge=judge, round=round_number, manual=True)
    db.session.add(assignment)
    db.session.flush()
    audit.record("assignment.added", assignment, after={"judge_id": judge.id, "round": round_number}, entry=entry)
    notices.entries_assigned(entry.contest, round_number, [(judge.id, entry.id)])
    return assignment


def remove(assignment: Assignment) -> None:
    if assignment.marks:
        raise AssignmentError("assignment_has_marks")
    audit.record("assignment.removed", assignment, before={"judge_id": assignment.judge_id, "round": assignment.round},
                 entry=assignment.entry_id)
    db.session.delete(assignment)
    db.session.flush()


def coverage(contest: Contest, round_number: int = 1) -> list[tuple[Entry, list[Assignment], int]]:
    """Each submitted entry with its assignments and how many judges it still lacks."""
    by_entry: dict[int, list[Assignment]] = {}
    for a in db.session.scalars(db.select(Assignment).join(Entry).where(
            Entry.contest_id == contest.id, Assignment.round == round_number).order_by(Assignment.judge_id)
            .options(selectinload(Assignment.judge))):
        by_entry.setdefault(a.entry_id, []).append(a)
    rows = []
    for entry in live_entries(contest):
        assigned = by_entry.get(entry.id, [])
        rows.append((entry, assigned, max(0, (entry.judges_needed or contest.judges_per_entry) - len(assigned))))
    return rows


def window_shown(window: ScoringRound | None) -> dict[str, object]:
    """What the scoring window's form shows; nothing yet for a window not set."""
    return {"opens_at": window.opens_at if window else None, "closes_at": window.closes_at if window else None}


def set_scoring_window(contest: Contest, number: int, opens_at, closes_at, seen: Seen | None = None) -> ScoringRound:
    """Create or move the scoring window of one round of a contest; a form read before someone else
    set or moved it is refused (read before it was set, its version is 0)."""
    window = ScoringRound.of(contest.id, number)
    if window is not None:
        versions.check(window, seen, window_shown(window))
    if closes_at <= opens_at:
        raise AssignmentError("window_closes_before_it_opens")
    if window is None:
        window = ScoringRound(contest=contest, number=number, opens_at=opens_at, closes_at=closes_at)
        db.session.add(window)
    window.opens_at, window.closes_at = opens_at, closes_at
    db.session.flush()
    return window
