"""The scoring engine's JSON: read and checked once into a :class:`ScoringInput`, written back.

:func:`read_instance` checks what only JSON can get wrong (types, blank ids, settings) and names
every mark or ballot place it drops as a problem code; what typed data can still get wrong (a
value off its scale, a mark given twice, an incomplete sheet, a ballot that is not a permutation)
the engine checks on the typed input, whoever built it. :func:`write_instance` is the JSON form
of a typed input (what services store), and :func:`input_hash` its inputs hash, computed from the
typed columns without writing the marks out.

The answer likewise: :func:`write_result` writes a typed :class:`Ranking` as the JSON of
docs/scoring.md (the CLI's output and a stored snapshot, key for key), and :func:`read_result`
reads a stored answer of any engine version back.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from contest.catalogue import Message
from contest.engines.cli import InputError
from contest.engines.ids import read_id
from contest.engines.scoring import digest
from contest.engines.scoring.digest import VERSION, MarkColumns, canonical_json, inputs_hash, mark_columns
from contest.engines.scoring.inputs import METHODS, ROUNDS, Criterion, MarkTable, Names, Place, ScoringInput
from contest.engines.scoring.result import FinalRound, JudgeReport, RankedEntry, Ranking


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# --- reading ------------------------------------------------------------------------------------

def read_instance(instance: Any, columns: MarkColumns | None = None) -> ScoringInput:
    """The typed input of a JSON instance; :class:`InputError` when its settings are unusable.
    ``columns``: its marks as :func:`mark_columns` read them, when the caller has."""
    if not isinstance(instance, dict):
        raise InputError(Message("instance_not_object"))
    criteria, settings = _read_settings(instance)
    problems: list[dict] = []
    listed = {key: _listed_ids(instance, key, problems) for key in ("entries", "judges")}
    marks = _read_marks(instance["scores"], {c["id"] for c in criteria}, problems, columns)
    ballots = _read_ballots(instance)
    entries = set(marks["entry"]) | listed["entries"] | marks["seen_entries"]
    judges = set(marks["judge"]) | listed["judges"] | marks["seen_judges"]
    finalists, given, places = None, None, None
    if ballots is not None:
        places, finalists, given = ballots["places"], ballots["finalists"], ballots["given"]
        entries |= {entry for _, entry, _ in places} | set(finalists or ()) | {
            e for chosen in (given or {}).values() for e in chosen}
        judges |= {judge for judge, _, _ in places} | set(given or ())
    names = [sorted(entries), sorted(judges), sorted(c["id"] for c in criteria)]
    ids = [{name: k for k, name in enumerate(kind)} for kind in names]
    entry_id, judge_id, criterion_id = ids
    if "columns" in marks:
        columns = marks["columns"]
        # A column's ids are indices into its own sorted names: the same ids when nothing else is named.
        table = MarkTable.of(*(index if len(distinct) == len(lookup) else
                               np.asarray([lookup[name] for name in distinct], dtype=np.int64)[index]
                               for lookup, distinct, index in ((entry_id, columns.entries, columns.entry),
                                                               (judge_id, columns.judges, columns.judge),
                                                               (criterion_id, columns.criteria, columns.criterion))),
                             columns.value, np.where(columns.round == 0, 1, columns.round), columns.written_int)
    else:
        table = MarkTable.of([entry_id[e] for e in marks["entry"]], [judge_id[j] for j in marks["judge"]],
                             [criterion_id[c] for c in marks["criterion"]], marks["value"], marks["round"],
                             marks["whole"])
    named_besides = listed["entries"] | marks["seen_entries"], listed["judges"] | marks["seen_judges"]
    return ScoringInput(
        tuple(Criterion(criterion_id[c["id"]], c["weight"], c["low"], c["high"]) for c in criteria),
        table, Names.listed(*names),
        entries=tuple(sorted(entry_id[e] for e in named_besides[0])) or None,
        judges=tuple(sorted(judge_id[j] for j in named_besides[1])) or None,
        ballots=None if places is None else tuple(Place(judge_id[j], entry_id[e], p) for j, e, p in places),
        finalists=None if finalists is None else tuple(entry_id[e] for e in finalists),
        given=None if given is None else {judge_id[j]: tuple(entry_id[e] for e in chosen)
                                          for j, chosen in given.items()},
        problems=tuple(problems), ballot_problems=tuple(ballots["problems"]) if ballots is not None else (),
        **settings)


def _read_settings(instance: dict) -> tuple[list[dict], dict]:
    problems: list[Message] = []
    raw = instance.get("criteria")
    criteria: list[dict] = []
    if not isinstance(raw, list) or not raw:
        problems.append(Message("criteria_not_list"))
        raw = []
    seen: set[str] = set()
    for k, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(Message("criteria_item_not_object", {"index": k}))
            continue
        cid = read_id(item.get("id"))
        if cid is None:
            problems.append(Message("criteria_item_without_id", {"index": k}))
            continue
        if cid in seen:
            problems.append(Message("criterion_duplicate", {"criterion": cid}))
        seen.add(cid)
        weight, low, high = item.get("weight"), item.get("min"), item.get("max")
        if not _is_number(weight) or weight <= 0:
            problems.append(Message("criterion_weight_invalid", {"criterion": cid, "given": repr(weight)}))
        if not _is_number(low) or not _is_number(high):
            problems.append(Message("criterion_bounds_not_numbers",
                                    {"criterion": cid, "low": repr(low), "high": repr(high)}))
        elif low >= high:
            problems.append(Message("criterion_bounds_reversed",
                                    {"criterion": cid, "low": str(low), "high": str(high)}))
        elif _is_number(weight) and weight > 0:
            criteria.append({"id": cid, "weight": float(weight), "low": float(low), "high": float(high)})

    if not isinstance(instance.get("scores"), list):
        problems.append(Message("scores_not_list"))
    method = instance.get("method", METHODS[0])
    if method not in METHODS:
        problems.append(Message("method_unknown", {"methods": list(METHODS), "given": repr(method)}))
    prize_zone = instance.get("prize_zone", 1)
    if not isinstance(prize_zone, int) or isinstance(prize_zone, bool) or prize_zone < 1:
        problems.append(Message("prize_zone_invalid", {"given": repr(prize_zone)}))
    final = instance.get("final_round", {})
    extra_load = None
    if final is None:
        final = {}
    if not isinstance(final, dict):
        problems.append(Message("final_round_not_object"))
    elif "extra_load" in final:
        extra_load = final["extra_load"]
        if not _is_number(extra_load) or extra_load < 0:
            problems.append(Message("extra_load_invalid", {"given": repr(extra_load)}))
    for key in ("judges", "entries"):
        listed = instance.get(key)
        if listed is not None and not isinstance(listed, list):
            problems.append(Message("ids_not_list", {"list": key}))
    if problems:
        raise InputError(problems)
    return criteria, {"method": instance.get("method"), "prize_zone": instance.get("prize_zone"),
                      "extra_load": None if extra_load is None else float(extra_load)}


def _listed_ids(instance: dict, key: str, problems: list[dict]) -> set[str]:
    found: set[str] = set()
    for k, item in enumerate(instance.get(key) or []):
        value = item.get("id") if isinstance(item, dict) else item
        ident = read_id(value)
        if ident is None:
            problems.append({"code": "id_invalid", "list": key, "index": k, "given": repr(value)})
        else:
            found.add(ident)
    return found


def _read_marks(scores: list, criteria: set[str], problems: list[dict], columns: MarkColumns | None) -> dict:
    """The marks as columns of names: from :func:`mark_columns` when every mark is regular, else
    mark by mark, naming each one dropped (a value that is not a number is kept as NaN: its sheet
    is spoiled, and the engine says so)."""
    columns = columns or mark_columns(scores)
    if columns is not None and _regular(columns, criteria):
        return {"columns": columns, "entry": columns.entries, "judge": columns.judges,
                "seen_entries": set(), "seen_judges": set()}
    out: dict = {key: [] for key in ("entry", "judge", "criterion", "value", "round", "whole")}
    out["seen_entries"], out["seen_judges"] = set(), set()
    for k, item in enumerate(scores):
        if (ids := _record_ids(item, k, "mark", problems)) is None:
            continue
        entry, judge = ids
        out["seen_entries"].add(entry)
        out["seen_judges"].add(judge)
        round_no = item.get("round", 1)
        if round_no not in ROUNDS or isinstance(round_no, bool):
            problems.append({"code": "mark_round_invalid", "index": k, "judge": judge, "entry": entry,
                             "given": repr(round_no)})
            continue
        label = {"judge": judge, "entry": entry, "round": round_no}
        cid = read_id(item.get("criterion"))
        if cid not in criteria:
            problems.append({"code": "criterion_unknown", **label, "given": repr(item.get("criterion"))})
            continue
        value = item.get("value")
        if not _is_number(value):
            problems.append({"code": "value_not_number", **label, "criterion": cid, "given": repr(value)})
            value = math.nan
        for key, cell in zip(out, (entry, judge, cid, float(value), int(round_no), isinstance(value, int))):
            out[key].append(cell)
    return out


def _record_ids(item: Any, k: int, kind: str, problems: list[dict]) -> tuple[str, str] | None:
    """The entry and judge of the k-th mark or ballot place; None (and why) when it has none."""
    if not isinstance(item, dict):
        problems.append({"code": f"{kind}_not_object", "index": k})
        return None
    entry, judge = read_id(item.get("entry")), read_id(item.get("judge"))
    if entry is None or judge is None:
        problems.append({"code": f"{kind}_without_ids", "index": k})
        return None
    return entry, judge


def _regular(columns: MarkColumns, criteria: set[str]) -> bool:
    """Every id of the columns is one the mark-by-mark reading accepts, every criterion is known."""
    return (all(e.strip() for e in columns.entries) and all(j.strip() for j in columns.judges)
            and set(columns.criteria) <= criteria)


def _read_ballots(instance: dict) -> dict | None:
    """The ballot places by name (None when the instance has no ``ballots`` key), the listed
    finalists and the finalists given to each judge; each place dropped named."""
    if "ballots" not in instance:
        return None
    raw = instance["ballots"]
    problems: list[Message] = []
    if not isinstance(raw, list):
        problems.append(Message("ballots_not_list"))
    final = instance.get("final_round") or {}
    listed = final.get("finalists") if isinstance(final, dict) else None
    if listed is not None and (not isinstance(listed, list) or any(read_id(e) is None for e in listed)):
        problems.append(Message("finalists_invalid"))
    given = final.get("given") if isinstance(final, dict) else None
    if given is not None and (not isinstance(given, dict) or any(
            not isinstance(v, list) or any(read_id(e) is None for e in v) for v in given.values())):
        problems.append(Message("given_invalid"))
    if problems:
        raise InputError(problems)
    dropped: list[dict] = []
    places = []
    for k, item in enumerate(raw):
        if (ids := _record_ids(item, k, "ballot", dropped)) is None:
            continue
        entry, judge = ids
        round_no = item.get("round", 2)
        if round_no != 2 or isinstance(round_no, bool):
            dropped.append({"code": "ballot_round_invalid", "index": k, "judge": judge, "entry": entry,
                            "given": repr(round_no)})
            continue
        position = item.get("position")
        if not isinstance(position, int) or isinstance(position, bool):
            dropped.append({"code": "ballot_position_invalid", "judge": judge, "entry": entry,
                            "given": repr(position)})
            position = None
        places.append((judge, entry, position))
    return {"places": places, "problems": dropped,
            "finalists": None if listed is None else [read_id(e) for e in listed],
            "given": None if given is None else {str(j): [read_id(e) for e in v] for j, v in given.items()}}


def round_one(instance: dict) -> dict:
    """The instance as it stood before the finalist round (round-2 marks and ballots left out)."""
    scores = [item for item in instance["scores"] if not (isinstance(item, dict) and item.get("round") == 2)]
    before = dict(instance, scores=scores)
    before.pop("ballots", None)
    return before


def raw_marks(instance: dict) -> dict:
    """Each sheet's marks as written: ``{(entry, judge, round): {criterion: value}}``."""
    known = {read_id(c.get("id")) for c in instance.get("criteria", []) if isinstance(c, dict)}
    found: dict = {}
    for item in instance.get("scores", []):
        if not isinstance(item, dict):
            continue
        entry, judge = read_id(item.get("entry")), read_id(item.get("judge"))
        cid = read_id(item.get("criterion"))
        if entry is None or judge is None or cid not in known or cid is None:
            continue
        found.setdefault((entry, judge, item.get("round", 1)), {})[cid] = item.get("value")
    return found


_DENSE_IDS = 1 << 21            # ids below this are counted in an array rather than sorted


# --- the answer -----------------------------------------------------------------------------------

def write_result(result: Ranking) -> dict:
    """The JSON answer of docs/scoring.md (what the CLI prints and a snapshot stores), key for key."""
    entry, judge = result.names.entry, result.names.judge
    ballot = result.ballot_scores
    rows = []
    for row in result.rows:
        out = {"entry": entry(row.entry), "rank": row.rank, "score": row.score, "score_low": row.score_low,
               "score_high": row.score_high, "rank_low": row.rank_low, "rank_high": row.rank_high,
               "p_top": row.p_top, "tie": row.tie, "raw_mean": row.raw_mean, "judges": row.judges,
               "sheets": row.sheets, "finalist": row.finalist}
        if ballot:
            out["ballot_score"] = row.ballot_score
        if row.component is not None:
            out["component"] = row.component
        rows.append(out)
    final = result.final_round
    answer: dict[str, Any] = {} if result.engine_version is None else {"engine_version": result.engine_version}
    answer.update({
        "method": result.method, "inputs_hash": result.inputs_hash, "prize_zone": result.prize_zone,
        "ranking": rows, "unranked": [entry(e) for e in result.unranked],
        "shortlist": [entry(e) for e in result.shortlist], "panel_size": result.panel_size,
        "panel_suggestion": [judge(j) for j in result.panel_suggestion]})
    if result.panel_candidates is not None:
        answer["panel_candidates"] = [judge(j) for j in result.panel_candidates]
    answer.update({
        "review_budget": result.review_budget, "extra_reviews": result.extra_reviews,
        "shortlist_expected_recall": result.shortlist_expected_recall,
        "final_round": {"finalists": final.finalists, "round1_reviews": final.round1_reviews,
                        "round2_reviews": final.round2_reviews, "extra_load": final.extra_load,
                        **({} if final.ballots is None else {"ballots": final.ballots}),
                        **({} if final.ballot_panel is None
                           else {"ballot_panel": [judge(j) for j in final.ballot_panel]})},
        "judges": [_judge_json(report, judge) for report in result.judges],
        "calibration_centre": result.calibration_centre, "reliability": result.reliability,
        "reliability_metric": result.reliability_metric, "components": result.components,
        "problems": list(result.problem_texts), "warnings": list(result.warning_texts)})
    if result.problems is not None:
        answer["problem_codes"] = [m.as_json() for m in result.problems]
    if result.warnings is not None:
        answer["warning_codes"] = [m.as_json() for m in result.warnings]
    return answer


def _judge_json(report: JudgeReport, judge) -> dict:
    out = {"judge": judge(report.judge), "leniency": report.leniency, "scale": report.scale, "noise": report.noise,
           "weight": report.weight, "n": report.n, "agreement": report.agreement, "outlier": report.outlier,
           "outlier_reasons": list(report.outlier_reasons)}
    if report.outlier_codes is not None:
        out["outlier_codes"] = [m.as_json() for m in report.outlier_codes]
    return out


_PREFIXED = {"entry": re.compile(r"e(0|[1-9][0-9]*)"), "judge": re.compile(r"j(0|[1-9][0-9]*)")}


def result_names(entries: set[str], judges: set[str]) -> tuple[Names, Callable[[str], int], Callable[[str], int]]:
    """How a stored answer's ids read as integers: a service's codes (``e42``) as their number, any
    other spelling as its position among the answer's sorted names."""
    spell, read = [], []
    for kind, found in (("entry", entries), ("judge", judges)):
        pattern = _PREFIXED[kind]
        if all(pattern.fullmatch(name) for name in found):
            spell.append(f"{kind[0]}{{}}".format)
            read.append(lambda name: int(name[1:]))
        else:
            listed = sorted(found)
            position = {name: k for k, name in enumerate(listed)}
            spell.append(listed.__getitem__)
            read.append(position.__getitem__)
    return Names(spell[0], spell[1], str), read[0], read[1]


def read_result(answer: dict, names: Names | None = None,
                ids: tuple[Callable[[str], int], Callable[[str], int]] | None = None) -> Ranking:
    """The typed form of a JSON answer, a stored snapshot of any engine version (1, 2, 3), with or
    without the codes. ``names`` and ``ids``: how ids are written and read, when the caller knows
    (the engine does); else :func:`result_names` decides from the answer itself.

    A key the answer lacks reads as None (an id list as empty), so a partial answer stored by hand
    still gives its rows; :func:`write_result` gives back exactly an answer the engine wrote.
    """
    get = answer.get
    final = get("final_round") or {}
    rows, judges = get("ranking") or [], get("judges") or []
    if names is None or ids is None:
        names, *read = result_names(
            {row["entry"] for row in rows} | set(get("unranked") or ()) | set(get("shortlist") or ()),
            {row["judge"] for row in judges} | set(get("panel_suggestion") or ())
            | set(get("panel_candidates") or ()) | set(final.get("ballot_panel") or ()))
        ids = (read[0], read[1])
    entry_id, judge_id = ids
    ballot_scores = bool(rows) and "ballot_score" in rows[0]
    panel_candidates = get("panel_candidates")
    ballot_panel = final.get("ballot_panel")
    return Ranking(
        names, get("engine_version"), get("method"), get("inputs_hash"), get("prize_zone"),
        tuple(RankedEntry(entry_id(r["entry"]), r.get("rank"), r.get("score"), r.get("score_low"), r.get("score_high"),
                          r.get("rank_low"), r.get("rank_high"), r.get("p_top"), r.get("tie"), r.get("raw_mean"),
                          r.get("judges"), r.get("sheets"), r.get("finalist"), r.get("ballot_score"),
                          r.get("component")) for r in rows),
        ballot_scores, tuple(map(entry_id, get("unranked") or ())), tuple(map(entry_id, get("shortlist") or ())),
        get("panel_size"), tuple(map(judge_id, get("panel_suggestion") or ())),
        None if panel_candidates is None else tuple(map(judge_id, panel_candidates)),
        get("review_budget"), get("extra_reviews"), get("shortlist_expected_recall"),
        FinalRound(final.get("finalists"), final.get("round1_reviews"), final.get("round2_reviews"),
                   final.get("extra_load"), final.get("ballots"),
                   None if ballot_panel is None else tuple(map(judge_id, ballot_panel))),
        tuple(JudgeReport(judge_id(j["judge"]), j.get("leniency"), j.get("scale"), j.get("noise"), j.get("weight"),
                          j.get("n"), j.get("agreement"), j.get("outlier"), tuple(j.get("outlier_reasons") or ()),
                          _messages(j.get("outlier_codes"))) for j in judges),
        get("calibration_centre"), get("reliability"), get("reliability_metric"), get("components"),
        tuple(get("problems") or ()), tuple(get("warnings") or ()), _messages(get("problem_codes")),
        _messages(get("warning_codes")))


def _messages(codes: list[dict] | None) -> tuple[Message, ...] | None:
    return None if codes is None else tuple(Message.from_json(code) for code in codes)


# --- writing ------------------------------------------------------------------------------------

def _written(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _settings_json(data: ScoringInput) -> dict:
    """The JSON form of everything but the marks."""
    names = data.names
    out: dict[str, Any] = {"criteria": [{"id": names.criterion(c.id), "weight": c.weight, "min": _written(c.low),
                                         "max": _written(c.high)} for c in data.criteria]}
    for key, value in (("method", data.method), ("prize_zone", data.prize_zone)):
        if value is not None:
            out[key] = value
    if data.judges is not None:
        out["judges"] = [names.judge(j) for j in data.judges]
    if data.entries is not None:
        out["entries"] = [names.entry(e) for e in data.entries]
    if data.ballots is not None:
        out["ballots"] = [{"judge": names.judge(p.judge), "entry": names.entry(p.entry), "position": p.position}
                          for p in data.ballots]
    final: dict[str, Any] = {}
    if data.extra_load is not None:
        final["extra_load"] = data.extra_load
    if data.finalists is not None:
        final["finalists"] = [names.entry(e) for e in data.finalists]
    if data.given is not None:
        final["given"] = {names.judge(j): [names.entry(e) for e in chosen] for j, chosen in data.given.items()}
    if final:
        out["final_round"] = final
    return out


def write_instance(data: ScoringInput) -> dict:
    """The JSON form of a typed input: every mark with its round, a value written whole when it was."""
    names, marks = data.names, data.marks
    out = _settings_json(data)
    values = [int(v) if whole else v for v, whole in zip(marks.value.tolist(), marks.whole.tolist())]
    out["scores"] = [{"entry": names.entry(e), "judge": names.judge(j), "criterion": names.criterion(c), "value": v,
                      "round": r} for e, j, c, v, r in zip(marks.entry.tolist(), marks.judge.tolist(),
                                                          marks.criterion.tolist(), values, marks.round.tolist())]
    return out


def named_column(ids: np.ndarray, spell) -> tuple[list[str], np.ndarray]:
    """The distinct ids of a column written as names, sorted, and each row's index into them."""
    if len(ids) and ids.min() >= 0 and ids.max() < _DENSE_IDS:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)      # ids of a contest: one pass, no sort
        present[ids] = True
        distinct = np.flatnonzero(present)
        inverse = (np.cumsum(present, dtype=np.int32) - 1)[ids]
    else:
        distinct, inverse = np.unique(ids, return_inverse=True)
        inverse = inverse.reshape(-1)
    spelled = [spell(i) for i in distinct.tolist()]
    if all(map(str.__lt__, spelled, spelled[1:])):      # already in name order (the codec's ids are)
        return spelled, inverse.astype(np.int64)
    order = sorted(range(len(spelled)), key=spelled.__getitem__)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return [spelled[k] for k in order], position[inverse]


def input_hash(data: ScoringInput, version: int = VERSION) -> str:
    """:func:`inputs_hash` of :func:`write_instance` (version 3 from the typed columns directly)."""
    marks = data.marks
    if version >= 3 and len(marks) and not (np.abs(marks.value[marks.whole]) >= 2.0**53).any():
        (entries, entry), (judges, judge), (criteria, criterion) = (
            named_column(column, spell) for column, spell in ((marks.entry, data.names.entry),
                                                              (marks.judge, data.names.judge),
                                                              (marks.criterion, data.names.criterion)))
        columns = MarkColumns(entries, judges, criteria, entry, judge, criterion, marks.value, marks.round, marks.whole)
        found = digest.column_digest(_settings_json(data), columns)
        if found is not None:
            return found
    return inputs_hash(write_instance(data), version)


__all__ = ["canonical_json", "input_hash", "inputs_hash", "raw_marks", "read_instance", "read_result", "round_one",
           "write_instance", "write_result"]
