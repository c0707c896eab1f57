"""Putting entries in front of judges: build the engine's instance, run it, commit its answer.

A run is stored with the exact instance it solved, so a dry run can be reviewed and a
committed assignment traced back to its input. Assignments that already carry marks are
passed to the engine as locked: re-running never discards a judge's work.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import contains_eager, selectinload

from contest.engines import assignment as engine
from contest.engines.cli import InputError
from contest.extensions import db
from contest.i18n import coded_text
from contest.jobs import queue as jobs
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import (
    FINAL_ROUND, Assignment, AssignmentRun, Contest, ContestJudge, Entry, EntryStatus, Job, JobStatus, JudgeExpertise,
    Mark,
    Reassignment, RunStatus, ScoringRound, SheetStatus, User, by_id, utcnow,
)
from contest.services import audit, conflicts, notices, results, versions
from contest.services.versions import Seen


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


def build_instance(contest: Contest, round_number: int = 1, load_evening: float | None = DEFAULT_LOAD_EVENING) -> dict:
    """The engine's input: submitted entries, the contest's judges, conflicts, locked pairs, and how
    much affinity evening the loads may cost (None: loads are not evened)."""
    entries = live_entries(contest)
    panel = panel_of(contest)
    expertise = expertise_levels(contest, [cj.judge_id for cj in panel])
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
        "load_evening": load_evening,
    }


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
    instance = build_instance(contest, round_number, load_evening)
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
    """Solve a stored dry run; input the engine refuses is the run's outcome (it lists the problems), not the job's."""
    run = db.session.get(AssignmentRun, run_id)
    if run.status is not RunStatus.RUNNING:  # solved already (a job queued twice): nothing to redo
        return {"run_id": run.id}
    context.progress(0, 1)
    try:
        result = engine.solve(json.loads(run.instance_json))
        run.result_json = json.dumps(result)
        run.status = RunStatus.DONE
    except InputError as error:  # an instance this layer built wrong; infeasible ones are answers
        run.error = "; ".join(error.problems)
        run.status = RunStatus.FAILED
    run.finished_at = utcnow()
    db.session.flush()
    context.progress(1, 1)
    return {"run_id": run.id}


def result_of(run: AssignmentRun) -> dict | None:
    return json.loads(run.result_json) if run.result_json else None


def load_rows(result: Mapping | None) -> list[tuple[int, int, int]]:
    """(entries per judge, judges with that load before evening, after) for a run that evened loads."""
    evening = ((result or {}).get("stats") or {}).get("evening")
    if not evening:
        return []
    before = {load: n for load, n in evening["load_histogram_before"]}
    after = {load: n for load, n in result["stats"]["load_histogram"]}
    return [(load, before.get(load, 0), after.get(load, 0)) for load in sorted(before.keys() | after.keys())]


@dataclass
class RunMessages:
    """A run's problems and warnings in the reader's language."""

    problems: list[str]
    warnings: list[str]


def run_messages(run: AssignmentRun) -> RunMessages:
    """Render the engine's message codes (engine ids become entry codes and judge names).

    Runs stored before the engine gave codes, and codes this layer does not know, keep the
    engine's English text.
    """
    result = result_of(run) or {}
    pairs = {}
    for kind in ("problem", "warning"):
        english = list(result.get(f"{kind}s") or [])
        codes = result.get(f"{kind}_codes")
        if not isinstance(codes, list) or len(codes) != len(english):
            codes = [None] * len(english)
        pairs[kind] = list(zip(codes, english))
    labels = _labels([c for items in pairs.values() for c, _text in items if isinstance(c, Mapping)])
    return RunMessages(*[[message_text(c, labels, text) for c, text in pairs[kind]] for kind in ("problem", "warning")])


def _labels(codes: list[Mapping]) -> dict[str, str]:
    """Engine ids to what an organizer recognizes: "e42" -> "E-00042", "j7" -> the judge's full name."""
    keys: set[str] = set()
    for code in codes:
        for param in ("judge", "entry"):
            if isinstance(code.get(param), str):
                keys.add(code[param])
        for param in ("judges", "entries", "eligible"):
            if isinstance(code.get(param), list):
                keys.update(k for k in code[param] if isinstance(k, str))
    labels, judge_ids = {}, {}
    for key in keys:
        if key[:1] in ("e", "j") and key[1:].isdigit():
            if key[0] == "e":
                labels[key] = f"E-{int(key[1:]):05d}"
            else:
                judge_ids[int(key[1:])] = key
    if judge_ids:
        for user_id, name in db.session.execute(db.select(User.id, User.full_name).where(User.id.in_(judge_ids))):
            labels[judge_ids[user_id]] = name
    return labels


def _list(keys: list[str], total: int, labels: Mapping[str, str]) -> str:
    names = ", ".join(labels.get(k, k) for k in keys)
    if total > len(keys):
        return ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", total - len(keys), names=names)
    return names


def message_text(code: Mapping | None, labels: Mapping[str, str], english: str = "") -> str:
    """One engine problem or warning in the reader's language; ``english`` for unknown codes."""
    return coded_text(code, lambda m: _message_text(m, labels), english)


def _message_text(m: Mapping, labels: Mapping[str, str]) -> str:
    def label(key: str) -> str:
        return labels.get(m[key], m[key])

    code = m["code"]
    if code == "unknown_key":
        return _("The unknown key %(key)s in the engine's input was ignored.", key=m["key"])
    if code == "k_above_judges":
        if m["listed"]:
            return ngettext("%(entry)s needs %(k)d judges, but only %(num)d active judge may judge it.",
                            "%(entry)s needs %(k)d judges, but only %(num)d active judges may judge it.",
                            m["possible"], entry=label("entry"), k=m["k"])
        return ngettext("%(entry)s needs %(k)d judges, but the panel has only %(num)d active judge.",
                        "%(entry)s needs %(k)d judges, but the panel has only %(num)d active judges.",
                        m["possible"], entry=label("entry"), k=m["k"])
    if code == "locked_released_inactive":
        return _("%(judge)s no longer judges this contest: their scored assignment to %(entry)s is released and "
                 "%(entry)s gets another judge in their place.", judge=label("judge"), entry=label("entry"))
    if code == "locked_released_conflict":
        return _("%(judge)s is now conflicted with %(entry)s: their scored assignment is released, %(entry)s gets "
                 "another judge, and the scores %(judge)s gave it need review.", judge=label("judge"),
                 entry=label("entry"))
    if code == "locked_not_listed":
        return _("The scored assignment of %(judge)s to %(entry)s is kept with affinity 0.", judge=label("judge"),
                 entry=label("entry"))
    if code == "entry_over_locked":
        return ngettext("%(entry)s keeps the %(num)d judge who scored it, more than the %(k)d it needs; no judge "
                        "is added.",
                        "%(entry)s keeps all %(num)d judges who scored it, more than the %(k)d it needs; no judge "
                        "is added.", m["locked"], entry=label("entry"), k=m["k"])
    if code == "judge_over_locked":
        return ngettext("%(judge)s keeps the %(num)d entry they scored, more than their maximum load of "
                        "%(max_load)d; no entry is added.",
                        "%(judge)s keeps all %(num)d entries they scored, more than their maximum load of "
                        "%(max_load)d; no entry is added.", m["locked"], judge=label("judge"), max_load=m["max_load"])
    if code == "linking_swaps":
        return ngettext("%(num)d swap was made to link the judges into one calibration graph.",
                        "%(num)d swaps were made to link the judges into one calibration graph.", m["swaps"])
    if code == "components":
        return ngettext("The judge-entry graph falls into %(num)d separate piece: scores cannot be calibrated "
                        "across them.",
                        "The judge-entry graph falls into %(num)d separate pieces: scores cannot be calibrated "
                        "across them.", m["components"])
    if code == "capacity":
        return ngettext("The judges can take at most %(num)d more assignment in total, but the entries need "
                        "%(need)d.",
                        "The judges can take at most %(num)d more assignments in total, but the entries need "
                        "%(need)d.", m["room"], need=m["need"])
    if code == "min_loads_exceed_need":
        return ngettext("The judges' minimum loads need %(num)d more assignment in total, but the entries need "
                        "only %(need)d.",
                        "The judges' minimum loads need %(num)d more assignments in total, but the entries need "
                        "only %(need)d.", m["must"], need=m["need"])
    if code == "entry_short":
        need = ngettext("%(entry)s needs %(num)d more judge", "%(entry)s needs %(num)d more judges", m["more"],
                        entry=label("entry"))
        if m["locked"]:
            need = ngettext("%(need)s besides its %(num)d scored judge", "%(need)s besides its %(num)d scored judges",
                            m["locked"], need=need)
        remain = ngettext("only %(num)d eligible judge remains", "only %(num)d eligible judges remain",
                          m["eligible_count"])
        if m["eligible_count"]:
            remain = _("%(text)s (%(names)s)", text=remain, names=_list(m["eligible"], m["eligible_count"], labels))
        why = []
        if m["conflicted"]:
            why.append(ngettext("%(num)d judge is conflicted", "%(num)d judges are conflicted", m["conflicted"]))
        if m["full"]:
            why.append(ngettext("%(num)d judge is at their maximum load", "%(num)d judges are at their maximum load",
                                m["full"]))
        if m["inactive"]:
            why.append(ngettext("%(num)d judge is inactive", "%(num)d judges are inactive", m["inactive"]))
        if why:
            return _("%(need)s, but %(remain)s: %(why)s.", need=need, remain=remain, why="; ".join(why))
        return _("%(need)s, but %(remain)s.", need=need, remain=remain)
    if code == "judge_below_min_load":
        need = ngettext("%(judge)s must take %(num)d more entry to reach their minimum load of %(min_load)d",
                        "%(judge)s must take %(num)d more entries to reach their minimum load of %(min_load)d",
                        m["more"], judge=label("judge"), min_load=m["min_load"])
        remain = ngettext("only %(num)d entry still needing judges is open to them",
                          "only %(num)d entries still needing judges are open to them", m["open"])
        return _("%(need)s, but %(remain)s.", need=need, remain=remain)
    if code == "entries_unserved":
        judges = _list(m["judges"], m["judges_count"], labels) or _("none")
        return ngettext("Entries %(entries)s cannot all get their judges: %(num)d judge place stays empty, because "
                        "the judges who could still take them (%(judges)s) are at their maximum load and every "
                        "other judge allowed for them already judges them.",
                        "Entries %(entries)s cannot all get their judges: %(num)d judge places stay empty, because "
                        "the judges who could still take them (%(judges)s) are at their maximum load and every "
                        "other judge allowed for them already judges them.", m["short"],
                        entries=_list(m["entries"], m["entries_count"], labels), judges=judges)
    if code == "judges_unfilled":
        return ngettext("Judges %(judges)s cannot all reach their minimum load (%(num)d assignment short): every "
                        "entry still open to them already has all its judges.",
                        "Judges %(judges)s cannot all reach their minimum load (%(num)d assignments short): every "
                        "entry still open to them already has all its judges.", m["short"],
                        judges=_list(m["judges"], m["judges_count"], labels))
    raise KeyError(code)


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
        raise AssignmentError(_("Only a finished dry run can be committed."))
    result = result_of(run)
    if result["status"] not in ("optimal", "feasible"):
        raise AssignmentError(_("This run found no feasible assignment; fix the problems it lists first."))
    if inputs_hash(build_instance(run.contest, run.round, load_evening_of(run))) != run.inputs_hash:
        raise AssignmentError(_("Entries, judges or conflicts changed after this dry run; run it again."))
    scored = scored_assignment_ids(run.contest, run.round)
    current = {(a.judge_id, a.entry_id): a for a in db.session.scalars(
        db.select(Assignment).join(Entry).where(Entry.contest_id == run.contest_id, Assignment.round == run.round))}
    wanted = {(_id(j), _id(e)) for j, e in result["pairs"]}
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
    audit.record("assignment.added", assignment, after={"judge_id": judge.id, "round": round_number}, entry=entry)
    notices.entries_assigned(entry.contest, round_number, [(judge.id, entry.id)])
    return assignment


def remove(assignment: Assignment) -> None:
    if assignment.marks:
        raise AssignmentError(_("This judge has already scored the entry; their marks would be lost."))
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
        raise AssignmentError(_("Give a scoring window that closes after it opens."))
    if window is None:
        window = ScoringRound(contest=contest, number=number, opens_at=opens_at, closes_at=closes_at)
        db.session.add(window)
    window.opens_at, window.closes_at = opens_at, closes_at
    db.session.flush()
    return window


@dataclass
class FinalProposal:
    """The finalist round as it would open: finalists, their common panel, and why it is so."""

    finalists: list[Entry]
    panel: list[User]
    left_out: set[tuple[int, int]]          # (judge id, entry id) pairs a conflict keeps apart
    notes: list[str]                        # in the reader's language


def propose_final_round(contest: Contest, result: Mapping) -> FinalProposal:
    """The scoring engine's shortlist with one panel for all (``assignment.common_panel``).

    Candidates come in the scoring engine's order of precision; judges who left the contest or
    are conflicted with a finalist give up their seat to the next, as the engine decides.
    """
    shortlist = [results.key_id(key) for key in result.get("shortlist", [])]
    entries = by_id(Entry, shortlist)
    finalists = [entries[entry_id] for entry_id in shortlist]
    serving = {results.judge_key(judge_id) for judge_id in db.session.scalars(
        db.select(ContestJudge.judge_id).where(ContestJudge.contest_id == contest.id))}
    pairs = [(results.judge_key(j), results.entry_key(e)) for j, e in conflicts.pairs(contest)]
    candidates = result.get("panel_candidates", result.get("panel_suggestion", []))
    found = engine.common_panel(candidates, result.get("panel_size") or 0, result.get("shortlist", []), pairs, serving)
    judges = by_id(User, map(results.key_id, candidates))
    people = {key: judges[results.key_id(key)] for key in candidates}
    code = {results.entry_key(entry.id): entry.code for entry in finalists}
    notes = []
    for passed in found["passed_over"]:
        judge = people[passed["judge"]].full_name
        if passed["reason"] == "not_serving":
            notes.append(_("%(judge)s no longer serves on this contest; the next judge takes the seat.", judge=judge))
        else:
            notes.append(ngettext("%(judge)s is conflicted with finalist %(entries)s; the next judge takes the seat.",
                                  "%(judge)s is conflicted with finalists %(entries)s; the next judge takes the seat.",
                                  len(passed["entries"]), judge=judge,
                                  entries=", ".join(code[e] for e in passed["entries"])))
    for judge, entry in found["left_out"]:
        notes.append(_("No other judge is free of conflicts: %(judge)s sits on the panel but will not rank "
                       "%(entry)s.", judge=people[judge].full_name, entry=code[entry]))
    if found["short"] and found["panel"]:
        notes.append(ngettext("Only %(num)d judge can sit on the panel.", "Only %(num)d judges can sit on the panel.",
                              len(found["panel"])))
    return FinalProposal(finalists, [people[key] for key in found["panel"]],
                         {(results.key_id(j), results.key_id(e)) for j, e in found["left_out"]}, notes)


def open_final_round(contest: Contest, proposal: FinalProposal, *, opens_at, closes_at) -> int:
    """Open round 2 as proposed: every finalist gets the same panel, so their ballots compare directly.

    Returns the number of new round-2 assignments (opening again adds none twice).
    """
    if not proposal.finalists or not proposal.panel:
        raise AssignmentError(_("The engine proposed no shortlist or no panel; nothing to open."))
    set_scoring_window(contest, FINAL_ROUND, opens_at, closes_at)
    entry_ids = [entry.id for entry in proposal.finalists]
    existing = set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id).where(
        Assignment.round == FINAL_ROUND, Assignment.entry_id.in_(entry_ids))).tuples())
    added = []
    for entry_id in entry_ids:
        for judge in proposal.panel:
            pair = (judge.id, entry_id)
            if pair not in proposal.left_out and pair not in existing:
                db.session.add(Assignment(judge_id=judge.id, entry_id=entry_id, round=FINAL_ROUND))
                added.append(pair)
    created = len(added)
    notices.entries_assigned(contest, FINAL_ROUND, added)
    audit.record("final_round.opened", contest, after={
        "finalists": entry_ids, "panel": [judge.id for judge in proposal.panel],
        "left_out": sorted(proposal.left_out), "assignments_added": created})
    db.session.flush()
    return created


@dataclass
class FinalRound:
    """Round 2 as it stands: its window, its finalists and whether each panel judge has voted."""

    window: ScoringRound | None
    finalists: list[Entry]
    panel: list[tuple[User, bool]]          # judge, ballot submitted


def final_round(contest: Contest) -> FinalRound:
    """The open final round from its assignments (no finalists: it has not been opened)."""
    rows = db.session.scalars(db.select(Assignment).join(Entry).where(
        Entry.contest_id == contest.id, Assignment.round == FINAL_ROUND).order_by(Assignment.id)
        .options(contains_eager(Assignment.entry), selectinload(Assignment.judge))).all()
    finalists = {a.entry_id: a.entry for a in rows}
    mine: dict[int, list[Assignment]] = {}
    for a in rows:
        mine.setdefault(a.judge_id, []).append(a)
    panel = [(sheets[0].judge, all(a.status is SheetStatus.SUBMITTED for a in sheets)) for sheets in mine.values()]
    return FinalRound(ScoringRound.of(contest.id, FINAL_ROUND), [finalists[k] for k in sorted(finalists)],
                      sorted(panel, key=lambda item: item[0].full_name))
