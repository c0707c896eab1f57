"""``flask results verify``: every published version recomputed from its own stored input, and the
latest compared with the marks as they are now, each difference said by name.

The verification is the CLI's report for the people who run the platform; it is not shown on a
page, so it speaks English.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from contest.engines import scoring
from contest.engines.cli import InputError
from contest.extensions import db
from contest.models import Assignment, Contest, Entry, ResultSnapshot, Season, SheetRevision
from contest.services.results import build_instance, entry_key, judge_key, key_id


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
            stored = snapshot.result
            # A version is recomputed, and its input hashed, by the engine version it was published
            # with (1 before the key).
            engine_version = stored.get("engine_version", 1)
            recomputation = scoring.rank(snapshot.instance, version=engine_version)
            if _as_stored(recomputation, stored) != stored:
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
                    recomputed = scoring.rank(current, version=engine_version)
                except InputError as error:
                    found.append(Discrepancy(label, snapshot.version, "the current marks cannot be ranked: "
                                                                      + "; ".join(error.problems)))
                    continue
                found += [Discrepancy(label, snapshot.version, line)
                          for line in _describe_rank_changes(stored, recomputed)]
    return checked, found


# Keys the scoring engine added to its answer after rankings had been published, by the key
# that marks a version as published with them. They only restate or extend what such a version
# holds (problems in codes; the judges the panel suggestion was the head of; the engine version,
# which verify() reads to recompute with the same method), so an older version is compared
# without them and everything it does hold is compared as ever.
_ADDED_LATER = (
    ("problem_codes", ("problem_codes", "warning_codes"), ("outlier_codes",)),
    ("panel_candidates", ("panel_candidates",), ()),
    ("engine_version", ("engine_version",), ()),
)


def _as_stored(result: dict, stored: dict) -> dict:
    """The recomputed answer as it would have been stored when ``stored`` was published."""
    recomputed = json.loads(json.dumps(result, sort_keys=True))
    for marker, keys, judge_keys in _ADDED_LATER:
        if marker in stored:
            continue
        for key in keys:
            recomputed.pop(key, None)
        for row in recomputed.get("judges", []):
            for key in judge_keys:
                row.pop(key, None)
    return recomputed


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


def _describe_rank_changes(stored: dict, recomputed: dict) -> list[str]:
    ranks = {row["entry"]: row["rank"] for row in recomputed["ranking"]}
    return [f"{_entry_code(row['entry'])} was published at rank {row['rank']}, recomputes to "
            f"{ranks.get(row['entry'], 'unranked')}" for row in stored["ranking"]
            if ranks.get(row["entry"]) != row["rank"]]


def _entry_code(key: str) -> str:
    return f"E-{key_id(key):05d}"
