"""Finding and counting entries for organizers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.i18n import by_name
from contest.models import REGIONS, Contest, Entry, EntryAuthor, EntryStatus, Season, User


@dataclass
class EntryFilter:
    contest_id: int | None = None
    field_id: int | None = None
    region: str | None = None
    category: str | None = None
    status: str | None = None
    query: str | None = None


def search(season: Season, flt: EntryFilter) -> Select:
    """Entries of a season matching every filter given; region and category are the lead author's.
    The query matches a title, an author's name or email, or an entry's code."""
    lead = db.aliased(User)
    stmt = (db.select(Entry).join(Contest, Entry.contest_id == Contest.id).join(lead, Entry.lead_author_id == lead.id)
            .where(Contest.season_id == season.id))
    if flt.contest_id:
        stmt = stmt.where(Entry.contest_id == flt.contest_id)
    if flt.field_id:
        stmt = stmt.where(Entry.field_id == flt.field_id)
    if flt.region:
        stmt = stmt.where(lead.region == flt.region)
    if flt.category:
        stmt = stmt.where(lead.category == flt.category)
    if flt.status:
        stmt = stmt.where(Entry.status == flt.status)
    if flt.query and flt.query.strip():
        pattern = f"%{flt.query.strip().lower()}%"
        matches = [func.lower(Entry.title).like(pattern),
                   Entry.authors.any(db.or_(func.lower(EntryAuthor.full_name).like(pattern),
                                            func.lower(EntryAuthor.email).like(pattern)))]
        if (entry_id := Entry.id_from_code(flt.query)) is not None:
            matches.append(Entry.id == entry_id)
        stmt = stmt.where(db.or_(*matches))
    # The list shows each entry's field and lead author: loaded with the page, not one query a row.
    return stmt.options(selectinload(Entry.field), selectinload(Entry.lead_author)).order_by(Entry.id)


def counts(season: Season) -> dict[str, list[tuple[str, int]]]:
    """Submitted entries per contest, per lead author's region and per category; regions and categories
    in the reader's alphabetical order."""
    base = (db.select(func.count(Entry.id)).join(Contest, Entry.contest_id == Contest.id)
            .join(User, Entry.lead_author_id == User.id)
            .where(Contest.season_id == season.id, Entry.status == EntryStatus.SUBMITTED))

    def grouped(column):
        rows = db.session.execute(base.add_columns(column).group_by(column).order_by(column)).all()
        return [(key, n) for n, key in rows]

    return {"contest": grouped(Contest.kind),
            "region": by_name(grouped(User.region), lambda row: REGIONS.get(row[0], row[0] or "")),
            "category": by_name(grouped(User.category), lambda row: row[0].label if row[0] else "")}


def status_counts(season: Season) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        db.select(Entry.contest_id, Entry.status, func.count(Entry.id)).join(Contest)
        .where(Contest.season_id == season.id).group_by(Entry.contest_id, Entry.status)).all()
    return {(contest_id, status.value if hasattr(status, "value") else status): n for contest_id, status, n in rows}
