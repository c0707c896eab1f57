"""What the organizers have made public: each contest's winners in its latest published ranking,
and the internship winners of the latest committed allocation.

Read by the public results page and by certificates alike, so both name the same winners. A
contest's winners are the entries ranked inside its prize zone (the ``prize_zone`` the ranking was
published with) that are still submitted: a withdrawn entry leaves the list at once, before any
new version is published.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import (
    AllocationSnapshot, Contest, Entry, EntryAuthor, EntryStatus, ResultSnapshot, Season,
)
from contest.services.prizes import country_name, person_key
from contest.services.results import PRIZE_ZONE, entry_key, key_id, read_ranking


def prize_zone(snapshot: ResultSnapshot) -> int:
    return int(snapshot.result.get("prize_zone") or PRIZE_ZONE)


@dataclass
class WinningEntry:
    rank: int
    entry: Entry


@dataclass
class ContestWinners:
    contest: Contest
    snapshot: ResultSnapshot | None   # None: nothing published for this contest
    winners: list[WinningEntry]


def _latest_versions(season: Season):
    """(contest id, latest published version) of each contest of the season that has one."""
    return (db.select(ResultSnapshot.contest_id, func.max(ResultSnapshot.version).label("version"))
            .join(Contest, Contest.id == ResultSnapshot.contest_id).where(Contest.season_id == season.id)
            .group_by(ResultSnapshot.contest_id).subquery())


def latest_snapshots(season: Season) -> dict[int, ResultSnapshot]:
    """The latest published version of each contest of the season that has one, in one query."""
    latest = _latest_versions(season)
    rows = db.session.scalars(db.select(ResultSnapshot).join(
        latest, (ResultSnapshot.contest_id == latest.c.contest_id) & (ResultSnapshot.version == latest.c.version)))
    return {snapshot.contest_id: snapshot for snapshot in rows}


def winners_of(contest: Contest, snapshot: ResultSnapshot | None) -> ContestWinners:
    if snapshot is None:
        return ContestWinners(contest, None, [])
    ranking = read_ranking(snapshot.result)
    zone = ranking.prize_zone or PRIZE_ZONE
    ranks = {row.entry: row.rank for row in ranking.rows if row.rank <= zone}
    entries = db.session.scalars(db.select(Entry).where(Entry.id.in_(ranks), Entry.status == EntryStatus.SUBMITTED)
                                 .options(selectinload(Entry.authors))).all() if ranks else []
    winners = sorted((WinningEntry(ranks[entry.id], entry) for entry in entries),
                     key=lambda w: (w.rank, w.entry.id))
    return ContestWinners(contest, snapshot, winners)


def season_winners(season: Season) -> list[ContestWinners]:
    snapshots = latest_snapshots(season)
    return [winners_of(contest, snapshots.get(contest.id)) for contest in season.contests]


@dataclass
class InternshipWinner:
    author: EntryAuthor
    contest: Contest
    country: str | None      # in the reader's language; None: selected, but not funded


def internship_winners(season: Season, snapshot: AllocationSnapshot | None) -> list[InternshipWinner]:
    """The funded winners of the committed allocation, in the allocation's order, with their countries.

    Names, organizations and regions are read from the entries' authors (so regions are shown in the
    reader's language); a winner whose entry was withdrawn since is left out."""
    if snapshot is None:
        return []
    kept, result = snapshot.selection, snapshot.result
    names = {row["id"]: country_name(row["id"], row.get("name")) for row in kept.get("countries", [])}
    awarded = {award["winner"]: award["country"] for award in result.get("awards", [])}
    selected = [w for w in kept["result"].get("winners", []) if w["person"] in awarded]
    entry_ids = {key_id(w["entry"]) for w in selected}
    entries = {entry_key(e.id): e for e in db.session.scalars(
        db.select(Entry).where(Entry.id.in_(entry_ids), Entry.status == EntryStatus.SUBMITTED)
        .options(selectinload(Entry.authors), selectinload(Entry.contest)))} if entry_ids else {}
    found = []
    for winner in sorted(selected, key=lambda w: w["order"]):
        entry = entries.get(winner["entry"])
        author = next((a for a in entry.authors if person_key(a) == winner["person"]), None) if entry else None
        if author is not None:
            code = awarded[winner["person"]]
            found.append(InternshipWinner(author, entry.contest, names.get(code, code)))
    return found


@dataclass
class Published:
    """Everything the public results page of a season shows."""

    season: Season
    contests: list[ContestWinners]
    allocation: AllocationSnapshot | None
    internships: list[InternshipWinner]

    @property
    def anything(self) -> bool:
        return any(c.snapshot for c in self.contests) or self.allocation is not None


def published(season: Season) -> Published:
    allocation = AllocationSnapshot.latest(season.id)
    return Published(season, season_winners(season), allocation, internship_winners(season, allocation))


@dataclass(frozen=True)
class Validators:
    """What a cache compares to know the public page has not changed: an ETag and a Last-Modified."""

    etag: str
    last_modified: datetime | None


def validators(season: Season, language: str) -> Validators:
    """Derived from the published versions (the latest ranking of each contest, the latest allocation)
    and from the season's entries' last change (a withdrawal takes a winner off the page), without
    reading the rankings themselves: a conditional request that matches costs three small queries."""
    latest = _latest_versions(season)
    snapshots = db.session.execute(
        db.select(ResultSnapshot.contest_id, ResultSnapshot.id, ResultSnapshot.published_at)
        .join(latest, (ResultSnapshot.contest_id == latest.c.contest_id) & (ResultSnapshot.version == latest.c.version))
        .order_by(ResultSnapshot.contest_id)).all()
    allocation = db.session.execute(
        db.select(AllocationSnapshot.id, AllocationSnapshot.committed_at)
        .where(AllocationSnapshot.season_id == season.id).order_by(AllocationSnapshot.version.desc()).limit(1)).first()
    entries_changed = db.session.scalar(db.select(func.max(Entry.updated_at)).join(Contest).where(
        Contest.season_id == season.id, Entry.status != EntryStatus.DRAFT))
    times = [t for t in (*(s.published_at for s in snapshots), allocation and allocation.committed_at,
                         entries_changed) if t]
    basis = repr((season.id, language, [(s.contest_id, s.id, s.published_at.isoformat()) for s in snapshots],
                  allocation and allocation.id, entries_changed and entries_changed.isoformat()))
    return Validators(hashlib.sha256(basis.encode()).hexdigest()[:32], max(times) if times else None)
