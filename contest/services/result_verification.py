"""``flask results verify``: every published version recomputed from its own stored input, and the
latest compared with the marks as they are now, each difference said by name.

The verification is the CLI's report for the people who run the platform; it is not shown on a
page, so it speaks English.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from contest.engines import scoring
from contest.engines.cli import InputError
from contest.extensions import db
from contest.models import Assignment, Contest, Entry, ResultSnapshot, Season, SheetRevision
from contest.services.results import build_instance, entry_key, judge_key, key_id, read_ranking


@dataclass
class Discrepancy:
    contest: str
    version: int
    message: str


def verify(season: Season) -> tuple[int, list[Discrepancy]]:
    """Recompute every published version from the stored marks; report each difference by name."""
    checked, found = 0, []
    for contest in season.contests:
        snapshots = db.session.scalars(db.select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
                                       .order_by(ResultSnapshot.version)).all()
        latest_version = snapshots[-1].version if snapshots else None
        current_instance = build_instance(contest) if snapshots else None
        for snapshot in snapshots:
            checked += 1
            label = str(contest.title)
            try:
                stored = read_ranking(snapshot.result)
            except (KeyError, TypeError, ValueError, AttributeError):
                found.append(Discrepancy(label, snapshot.version, "the stored answer cannot be read as a ranking"))
                continue
            # A version is recomputed, and its input hashed, by the engine version it was published
            # with (1 before the key).
            engine_version = stored.version
            recomputation = read_ranking(scoring.rank(snapshot.instance, version=engine_version))
            if _as_stored(recomputation, stored) != snapshot.result:
                found.append(Discrepancy(label, snapshot.version, "the stored answer differs from a recomputation "
                                                                  "of its own stored input"))
            if scoring.inputs_hash(snapshot.instance, engine_version) != snapshot.inputs_hash:
                found.append(Discrepancy(label, snapshot.version, "the stored input does not match its hash"))
            if snapshot.version != latest_version:
                continue
            current = dict(current_instance, **({"method": snapshot.instance["method"]}
                                                if "method" in snapshot.instance else {}))
            if scoring.inputs_hash(current, engine_version) != snapshot.inputs_hash:
                found += [Discrepancy(label, snapshot.version, line)
                          for line in _describe_changes(snapshot.instance, current)
                          + _revisions_since(contest, snapshot.published_at)]
                try:
                    recomputed = read_ranking(scoring.rank(current, version=engine_version))
                except InputError as error:
                    found.append(Discrepancy(label, snapshot.version, "the current marks cannot be ranked: "
                                                                      + "; ".join(error.problems)))
                    continue
                found += [Discrepancy(label, snapshot.version, line)
                          for line in _describe_rank_changes(stored, recomputed)]
    return checked, found


def _as_stored(result: scoring.Ranking, stored: scoring.Ranking) -> dict:
    """The recomputed answer as it would have been stored when ``stored`` was published.

    The engine added to its answer after rankings had been published: the problems in codes (with
    the judges' outlier codes), the judges the panel suggestion was the head of, and the engine
    version (which verify() reads to recompute the same way). They only restate or extend what
    such a version holds, so an older version is compared without them (they read as None) and
    everything it does hold is compared as ever.
    """
    later: dict = {}
    if stored.problems is None:
        later.update(problems=None, warnings=None,
                     judges=tuple(report._replace(outlier_codes=None) for report in result.judges))
    if stored.panel_candidates is None:
        later["panel_candidates"] = None
    if stored.engine_version is None:
        later["engine_version"] = None
    return json.loads(json.dumps(scoring.codec.write_result(replace(result, **later)), sort_keys=True))


def _describe_changes(published: dict, current: dict) -> list[str]:
    def sheet_marks(instance):
        return {(s["entry"], s["judge"], s.get("round", 1), s["criterion"]): s["value"] for s in instance["scores"]}

    before, after = sheet_marks(published), sheet_marks(current)
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            entry, judge, round_, criterion = key
            lines.append(f"mark of {_entry_code(entry)} by judge {judge} (round {round_}, criterion {criterion}) "
                         f"was {before.get(key)} when published, is {after.get(key)} now")
    def places(instance):
        return {(b["judge"], b["entry"]): b["position"] for b in instance.get("ballots", [])}

    placed_then, placed_now = places(published), places(current)
    for key in sorted(set(placed_then) | set(placed_now)):
        if placed_then.get(key) != placed_now.get(key):
            judge, entry = key
            lines.append(f"place of {_entry_code(entry)} on the final ballot of judge {judge} "
                         f"was {placed_then.get(key)} when published, is {placed_now.get(key)} now")
    if published["criteria"] != current["criteria"]:
        lines.append("the rubric changed after publication")
    return lines or ["the stored scores differ from the published input"]


def _revisions_since(contest: Contest, published_at: datetime) -> list[str]:
    """Which judge changed a submitted sheet or ballot place after publication, and when."""
    rows = db.session.execute(
        db.select(Assignment.entry_id, Assignment.judge_id, Assignment.round, SheetRevision.number,
                  SheetRevision.submitted_at)
        .join(SheetRevision, SheetRevision.assignment_id == Assignment.id).join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, SheetRevision.submitted_at > published_at)
        .order_by(SheetRevision.submitted_at, Assignment.id)).all()
    return [f"judge {judge_key(judge)} submitted revision {number} of their round {round_} sheet of "
            f"{_entry_code(entry_key(entry))} at {when:%Y-%m-%d %H:%M} UTC, after publication"
            for entry, judge, round_, number, when in rows]


def _describe_rank_changes(stored: scoring.Ranking, recomputed: scoring.Ranking) -> list[str]:
    ranks = {recomputed.entry_name(row.entry): row.rank for row in recomputed.rows}
    named = ((stored.entry_name(row.entry), row.rank) for row in stored.rows)
    return [f"{_entry_code(name)} was published at rank {rank}, recomputes to {ranks.get(name, 'unranked')}"
            for name, rank in named if ranks.get(name) != rank]


def _entry_code(key: str) -> str:
    return f"E-{key_id(key):05d}"
