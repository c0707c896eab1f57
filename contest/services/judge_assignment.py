"""Putting entries in front of judges: build the engine's instance, run it, commit its answer.

A run is stored with the exact instance it solved, so a dry run can be reviewed and a
committed assignment traced back to its input. Assignments that already carry marks are
passed to the engine as locked: re-running never discards a judge's work.
"""
from __future__ import annotations

import hashlib
import json
import threading

from flask import Flask, current_app
from flask_babel import gettext as _

from contest.engines import assignment as engine
from contest.engines.cli import InputError
from contest.extensions import db
from contest.models import (
    Assignment, AssignmentRun, Contest, ContestJudge, Entry, EntryStatus, JudgeExpertise, Mark, RunStatus, User, utcnow,
)
from contest.services import conflicts


class AssignmentError(ValueError):
    """An assignment change refused; the message says why."""


def judge_key(judge_id: int) -> str:
    return f"j{judge_id}"


def entry_key(entry_id: int) -> str:
    return f"e{entry_id}"


def _id(key: str) -> int:
    return int(key[1:])


def live_entries(contest: Contest) -> list[Entry]:
    return db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id,
                                                     Entry.status == EntryStatus.SUBMITTED)
                              .order_by(Entry.id)).all()


def scored_assignment_ids(contest: Contest, round_number: int) -> set[int]:
    return set(db.session.scalars(
        db.select(Mark.assignment_id).join(Assignment).join(Entry)
        .where(Entry.contest_id == contest.id, Assignment.round == round_number)))


def build_instance(contest: Contest, round_number: int = 1) -> dict:
    """The engine's input: submitted entries, the contest's judges, conflicts, locked pairs."""
    entries = live_entries(contest)
    panel = db.session.scalars(db.select(ContestJudge).where(ContestJudge.contest_id == contest.id)
                               .order_by(ContestJudge.judge_id)).all()
    contest_fields = {f.name.casefold(): f.name for f in contest.fields}
    expertise: dict[int, dict[str, int]] = {}
    for row in db.session.scalars(db.select(JudgeExpertise).where(
            JudgeExpertise.judge_id.in_([cj.judge_id for cj in panel]))):
        name = contest_fields.get(row.field.casefold())
        if name:
            expertise.setdefault(row.judge_id, {})[name] = row.level
    scored = scored_assignment_ids(contest, round_number)
    locked = db.session.execute(
        db.select(Assignment.judge_id, Assignment.entry_id).join(Entry)
        .where(Entry.contest_id == contest.id, Assignment.round == round_number, Assignment.id.in_(scored))
        .order_by(Assignment.judge_id, Assignment.entry_id)).all()
    entry_ids = {e.id for e in entries}
    on_panel = {cj.judge_id for cj in panel}
    # Judges who left keep their scored pairs; the engine releases them and fills the places.
    departed = sorted({j for j, e in locked if j not in on_panel and e in entry_ids})
    return {
        "k": contest.judges_per_entry,
        "min_load": 0,
        "max_load": max((cj.max_load for cj in panel), default=0),
        "entries": [{"id": entry_key(e.id), "field": e.field.name if e.field else None,
                     "k": e.judges_needed or contest.judges_per_entry} for e in entries],
        "judges": [{"id": judge_key(cj.judge_id), "fields": expertise.get(cj.judge_id, {}),
                    "min_load": cj.min_load, "max_load": cj.max_load} for cj in panel]
                  + [{"id": judge_key(j), "active": False} for j in departed],
        "conflicts": [[judge_key(j), entry_key(e)] for (j, e) in sorted(conflicts.pairs(contest))
                      if e in entry_ids and j in on_panel],
        "locked": [[judge_key(j), entry_key(e)] for j, e in locked if e in entry_ids],
    }


def inputs_hash(instance: dict) -> str:
    return hashlib.sha256(json.dumps(instance, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def start_run(contest: Contest, organizer: User, round_number: int = 1) -> AssignmentRun:
    """Store the instance and solve it: inline in tests, on a worker thread otherwise."""
    detected = conflicts.detect(contest)
    instance = build_instance(contest, round_number)
    run = AssignmentRun(contest=contest, round=round_number, instance_json=json.dumps(instance, sort_keys=True),
                        inputs_hash=inputs_hash(instance), created_by_id=organizer.id)
    db.session.add(run)
    db.session.flush()
    current_app.logger.info("assignment run %s: %d conflicts detected", run.id, detected)
    return run


def launch(app: Flask, run_id: int) -> None:
    """Solve after the run row is committed; a page polls it meanwhile."""
    if app.config.get("ASSIGNMENT_INLINE"):
        _solve(app, run_id)
        return
    threading.Thread(target=_solve, args=(app, run_id), name=f"assignment-run-{run_id}", daemon=True).start()


def _solve(app: Flask, run_id: int) -> None:
    with app.app_context():
        run = db.session.get(AssignmentRun, run_id)
        try:
            result = engine.solve(json.loads(run.instance_json))
            run.result_json = json.dumps(result)
            run.status = RunStatus.DONE
        except InputError as error:
            run.error = "; ".join(error.problems)
            run.status = RunStatus.FAILED
        except Exception:  # noqa: BLE001 - the page must say the run failed, not spin forever
            app.logger.exception("assignment run %s failed", run_id)
            run.error = _("The assignment engine failed; the error is logged.")
            run.status = RunStatus.FAILED
        run.finished_at = utcnow()
        db.session.commit()
        db.session.remove()


def result_of(run: AssignmentRun) -> dict | None:
    return json.loads(run.result_json) if run.result_json else None


def commit_run(run: AssignmentRun) -> int:
    """Replace the round's unscored assignments by the run's pairs, if nothing changed since."""
    if run.status is not RunStatus.DONE:
        raise AssignmentError(_("Only a finished dry run can be committed."))
    result = result_of(run)
    if result["status"] not in ("optimal", "feasible"):
        raise AssignmentError(_("This run found no feasible assignment; fix the problems it lists first."))
    if inputs_hash(build_instance(run.contest, run.round)) != run.inputs_hash:
        raise AssignmentError(_("Entries, judges or conflicts changed after this dry run; run it again."))
    scored = scored_assignment_ids(run.contest, run.round)
    current = {(a.judge_id, a.entry_id): a for a in db.session.scalars(
        db.select(Assignment).join(Entry).where(Entry.contest_id == run.contest_id, Assignment.round == run.round))}
    wanted = {(_id(j), _id(e)) for j, e in result["pairs"]}
    for pair, assignment in current.items():
        if pair not in wanted and assignment.id not in scored:
            db.session.delete(assignment)
    for judge_id, entry_id in sorted(wanted - set(current)):
        db.session.add(Assignment(judge_id=judge_id, entry_id=entry_id, round=run.round))
    run.status, run.committed_at = RunStatus.COMMITTED, utcnow()
    db.session.flush()
    return len(wanted)


def add_manual(entry: Entry, judge: User, round_number: int = 1) -> Assignment:
    reasons = conflicts.pairs(entry.contest).get((judge.id, entry.id))
    if reasons:
        raise AssignmentError(_("%(judge)s is conflicted with %(entry)s: %(reason)s", judge=judge.full_name,
                                entry=entry.code, reason=" ".join(reasons)))
    if not db.session.scalar(db.select(ContestJudge.id).where(ContestJudge.contest_id == entry.contest_id,
                                                              ContestJudge.judge_id == judge.id)):
        raise AssignmentError(_("%(judge)s does not judge this contest.", judge=judge.full_name))
    if db.session.scalar(db.select(Assignment.id).where(Assignment.entry_id == entry.id,
                                                        Assignment.judge_id == judge.id,
                                                        Assignment.round == round_number)):
        raise AssignmentError(_("%(judge)s already reviews %(entry)s.", judge=judge.full_name, entry=entry.code))
    assignment = Assignment(entry=entry, judge=judge, round=round_number, manual=True)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def remove(assignment: Assignment) -> None:
    if assignment.marks:
        raise AssignmentError(_("This judge has already scored the entry; their marks would be lost."))
    db.session.delete(assignment)
    db.session.flush()


def coverage(contest: Contest, round_number: int = 1) -> list[tuple[Entry, list[Assignment], int]]:
    """Each submitted entry with its assignments and how many judges it still lacks."""
    by_entry: dict[int, list[Assignment]] = {}
    for a in db.session.scalars(db.select(Assignment).join(Entry).where(
            Entry.contest_id == contest.id, Assignment.round == round_number).order_by(Assignment.judge_id)):
        by_entry.setdefault(a.entry_id, []).append(a)
    rows = []
    for entry in live_entries(contest):
        assigned = by_entry.get(entry.id, [])
        rows.append((entry, assigned, max(0, (entry.judges_needed or contest.judges_per_entry) - len(assigned))))
    return rows


def open_final_round(contest: Contest, finalists: list[int], panel: list[int], *, opens_at, closes_at,
                     ) -> tuple[int, list[str]]:
    """Give every finalist the same panel of judges in round 2, so their scores compare directly.

    A conflicted panel judge is left out for that finalist only, and said so.
    """
    from contest.models import ScoringRound

    if not finalists or not panel:
        raise AssignmentError(_("The engine proposed no shortlist or no panel; nothing to open."))
    if closes_at <= opens_at:
        raise AssignmentError(_("Give a scoring window that closes after it opens."))
    final = db.session.scalar(db.select(ScoringRound).where(ScoringRound.contest_id == contest.id,
                                                           ScoringRound.number == 2))
    if final is None:
        final = ScoringRound(contest=contest, number=2, opens_at=opens_at, closes_at=closes_at)
        db.session.add(final)
    final.opens_at, final.closes_at = opens_at, closes_at
    conflicted = conflicts.pairs(contest)
    existing = set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id).where(
        Assignment.round == 2, Assignment.entry_id.in_(finalists))).tuples())
    created, skipped = 0, []
    for entry_id in finalists:
        for judge_id in panel:
            if (judge_id, entry_id) in conflicted:
                skipped.append(_("%(judge)s is conflicted with E-%(entry)05d and will not score it.",
                                 judge=db.session.get(User, judge_id).full_name, entry=entry_id))
            elif (judge_id, entry_id) not in existing:
                db.session.add(Assignment(judge_id=judge_id, entry_id=entry_id, round=2))
                created += 1
    db.session.flush()
    return created, skipped
