"""From typed marks to score sheets: each sheet's weighted total, the problems of the others.

A sheet (judge x entry x round) counts when every criterion has exactly one valid mark on it; a
value off its scale or two different values for one criterion drop it, a mark given twice alike
counts once. Ids become indices in the order of their written names (``names``), as they always
were, so an input and its JSON form give the same answer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from contest.engines.cli import InputError
from contest.engines.scoring.codec import named_column
from contest.engines.scoring.digest import MarkColumns
from contest.engines.scoring.inputs import ROUNDS, ScoringInput
from contest.engines.scoring.messages import explain, sorted_messages
from contest.engines.scoring.model import Sheets


@dataclass(frozen=True)
class Rubric:
    """A criterion by its written name (the engine's order)."""

    id: str
    weight: float
    low: float
    high: float


@dataclass
class Marks:
    """Usable sheets, with every id mapped to the index of its name in sorted order."""

    entries: list[str]
    judges: list[str]
    entry: list[int] = field(default_factory=list)
    judge: list[int] = field(default_factory=list)
    round: list[int] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # problem codes (see messages)

    def sheets(self, rounds=ROUNDS) -> Sheets:
        keep = [k for k, r in enumerate(self.round) if r in rounds]
        return Sheets(
            np.asarray([self.entry[k] for k in keep], dtype=np.int64),
            np.asarray([self.judge[k] for k in keep], dtype=np.int64),
            np.asarray([self.total[k] for k in keep], dtype=float),
            len(self.entries),
            len(self.judges),
        )


def rubric(data: ScoringInput) -> list[Rubric]:
    return sorted((Rubric(data.names.criterion(c.id), c.weight, c.low, c.high) for c in data.criteria),
                  key=lambda c: c.id)


def read_marks(data: ScoringInput, criteria: list[Rubric] | None = None) -> Marks:
    """Every sheet's total, or why it does not count (problem codes, the codec's first); :class:`InputError`
    ``nothing_to_rank`` when no sheet counts."""
    criteria = criteria if criteria is not None else rubric(data)
    marks, names = data.marks, data.names
    (entries, entry), (judges, judge), (crits, crit) = (
        named_column(column, spell) for column, spell in ((marks.entry, names.entry), (marks.judge, names.judge),
                                                          (marks.criterion, names.criterion)))
    named = MarkColumns(entries, judges, crits, entry, judge, crit, marks.value, marks.round, marks.whole)
    problems: list[dict] = list(data.problems)
    listed_entries = {names.entry(e) for e in data.entries or ()}
    listed_judges = {names.judge(j) for j in data.judges or ()}
    clean = _clean_marks(named, criteria)
    if clean is not None:
        return _marks_from(clean, listed_entries, listed_judges, problems)
    return _mark_by_mark(named, criteria, listed_entries, listed_judges, problems)


def _mark_by_mark(named: MarkColumns, criteria: list[Rubric], listed_entries: set[str], listed_judges: set[str],
                  problems: list[dict]) -> Marks:
    by_id = {c.id: c for c in criteria}
    sheets: dict[tuple[str, str, int], dict[str, float]] = {}
    spoiled: set[tuple[str, str, int]] = set()
    rows = zip(np.asarray(named.entries, dtype=object)[named.entry].tolist() if len(named.entry) else [],
               np.asarray(named.judges, dtype=object)[named.judge].tolist() if len(named.judge) else [],
               np.asarray(named.criteria, dtype=object)[named.criterion].tolist() if len(named.criterion) else [],
               named.value.tolist(), named.written_int.tolist(), named.round.tolist())
    for entry, judge, cid, value, whole, round_no in rows:
        sheet = (entry, judge, round_no)
        label = {"judge": judge, "entry": entry, "round": round_no}
        if cid not in by_id:
            problems.append({"code": "criterion_unknown", **label, "given": repr(cid)})
            continue
        if math.isnan(value):      # the codec named it
            spoiled.add(sheet)
            continue
        crit, shown = by_id[cid], int(value) if whole else value
        if not crit.low <= value <= crit.high:
            problems.append({"code": "value_off_scale", **label, "criterion": cid, "value": shown,
                             "min": crit.low, "max": crit.high})
            spoiled.add(sheet)
            continue
        marks = sheets.setdefault(sheet, {})
        if cid in marks:
            if marks[cid] == value:
                problems.append({"code": "marked_twice_same", **label, "criterion": cid})
            else:
                problems.append({"code": "marked_twice_different", **label, "criterion": cid,
                                 "first": marks[cid], "second": shown})
                spoiled.add(sheet)
            continue
        marks[cid] = float(value)

    usable: dict[tuple[str, str, int], float] = {}
    total_weight = sum(c.weight for c in criteria)
    for sheet in sorted(set(sheets) | spoiled):
        if sheet in spoiled:
            continue
        marks = sheets[sheet]
        missing = [c.id for c in criteria if c.id not in marks]
        if missing:
            entry, judge, round_no = sheet
            problems.append({"code": "sheet_incomplete", "judge": judge, "entry": entry, "round": round_no,
                             "criteria": missing})
            continue
        usable[sheet] = 100.0 * sum(
            c.weight * (marks[c.id] - c.low) / (c.high - c.low) for c in criteria
        ) / total_weight

    entries = sorted(set(named.entries) | listed_entries)
    judges = sorted(set(named.judges) | listed_judges)
    e_index = {e: i for i, e in enumerate(entries)}
    j_index = {j: i for i, j in enumerate(judges)}
    out = Marks(entries, judges, problems=problems)
    for (entry, judge, round_no), total in sorted(usable.items()):
        out.entry.append(e_index[entry])
        out.judge.append(j_index[judge])
        out.round.append(round_no)
        out.total.append(total)
    active_judges = {judge for (_, judge, _) in usable}
    active_entries = {entry for (entry, _, _) in usable}
    touched_judges = {judge for (_, judge, _) in set(sheets) | spoiled}
    for judge in judges:
        if judge not in active_judges:
            problems.append({"code": "judge_sheets_dropped" if judge in touched_judges else "judge_scored_nothing",
                             "judge": judge})
    for entry in entries:
        if entry not in active_entries:
            problems.append({"code": "entry_unranked", "entry": entry})
    if not usable:
        texts, codes = sorted_messages(problems)
        nothing = {"code": "nothing_to_rank"}
        raise InputError(texts + [explain(nothing)], codes + [nothing])
    return out


def _clean_marks(named: MarkColumns, criteria: list[Rubric]):
    """The sheets whose every mark is valid, distinct and on a complete sheet (the usual case);
    None when any is not (then :func:`_mark_by_mark` names every problem). Totals are computed
    exactly as there, term by term."""
    by_id = {c.id: k for k, c in enumerate(criteria)}
    entries, judges = named.entries, named.judges
    if not len(named.value) or any(c not in by_id for c in named.criteria):
        return None
    e_index, j_index = named.entry, named.judge
    c_index = np.asarray([by_id[c] for c in named.criteria], dtype=np.int64)[named.criterion]
    r_index = named.round
    marks = named.value
    low = np.asarray([c.low for c in criteria])[c_index]
    high = np.asarray([c.high for c in criteria])[c_index]
    # Beyond 2^53 an int is not its float: such marks take the mark-by-mark path.
    if not ((np.abs(marks) < 2.0**53).all() and (marks >= low).all() and (marks <= high).all()):
        return None
    n_c = len(criteria)
    sheet = (e_index * len(judges) + j_index) * len(ROUNDS) + (r_index - 1)
    slot = sheet * n_c + c_index
    order = np.argsort(slot, kind="stable")
    if len(slot) % n_c or np.any(slot[order][1:] == slot[order][:-1]):
        return None
    grid = marks[order].reshape(-1, n_c)
    keys = sheet[order].reshape(-1, n_c)
    if np.any(keys != keys[:, :1]) or np.any(c_index[order].reshape(-1, n_c) != np.arange(n_c)):
        return None
    total = 0
    for k, c in enumerate(criteria):
        total = total + c.weight * (grid[:, k] - c.low) / (c.high - c.low)
    total = 100.0 * total / sum(c.weight for c in criteria)
    keys = keys[:, 0]
    return entries, judges, keys // len(ROUNDS) // len(judges), keys // len(ROUNDS) % len(judges), \
        keys % len(ROUNDS) + 1, total


def _marks_from(clean, listed_entries: set[str], listed_judges: set[str], problems: list[dict]) -> Marks:
    """:class:`Marks` from :func:`_clean_marks`, with the ids listed but never marked named."""
    entries, judges, entry, judge, round_no, total = clean
    all_entries = sorted(set(entries) | listed_entries)
    all_judges = sorted(set(judges) | listed_judges)
    e_of = {e: k for k, e in enumerate(all_entries)}
    j_of = {j: k for k, j in enumerate(all_judges)}
    out = Marks(all_entries, all_judges, problems=problems)
    out.entry = np.asarray([e_of[e] for e in entries], dtype=np.int64)[entry].tolist()
    out.judge = np.asarray([j_of[j] for j in judges], dtype=np.int64)[judge].tolist()
    out.round = round_no.tolist()
    out.total = total.tolist()
    active_judges, active_entries = set(judges), set(entries)
    problems += [{"code": "judge_scored_nothing", "judge": j} for j in all_judges if j not in active_judges]
    problems += [{"code": "entry_unranked", "entry": e} for e in all_entries if e not in active_entries]
    return out


def scored_only(marks: Marks) -> Marks:
    """The marks restricted to entries and judges with at least one usable sheet."""
    entries = sorted({marks.entries[e] for e in marks.entry})
    judges = sorted({marks.judges[j] for j in marks.judge})
    e_index = {e: i for i, e in enumerate(entries)}
    j_index = {j: i for i, j in enumerate(judges)}
    return Marks(
        entries, judges,
        [e_index[marks.entries[e]] for e in marks.entry],
        [j_index[marks.judges[j]] for j in marks.judge],
        list(marks.round), list(marks.total), marks.problems,
    )
