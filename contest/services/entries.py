"""Entries: drafting, eligibility, submission and withdrawal.

Every rule is checked here, on the server, whatever the client sent; a broken rule raises
:class:`EntryError` with one message per problem so the page can show them all at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func

from contest.catalogue import Message, Refusal
from contest.extensions import db
from contest.models import (
    MAX_AUTHORS, Category, Contest, ContestField, Entry, EntryAuthor, EntryStatus, Role, User, normalize_email,
    utcnow,
)
from contest.services import audit, notices


class EntryError(Refusal):
    """An entry change refused: one message per problem, so the page can show them all at once."""


@dataclass
class CoAuthor:
    """A co-author as typed: an email of a registered participant, or a named person."""

    email: str = ""
    full_name: str = ""
    category: str = ""
    organization: str = ""

    @property
    def blank(self) -> bool:
        return not any(v.strip() for v in (self.email, self.full_name, self.organization))


@dataclass
class EntryDraft:
    title: str
    summary: str = ""
    description: str = ""
    field_id: int | None = None
    co_authors: tuple[CoAuthor, ...] = ()


def create(contest: Contest, lead: User, draft: EntryDraft) -> Entry:
    ensure_changes_allowed(contest)
    _lock_author(lead)
    if lead.role is not Role.PARTICIPANT:
        raise EntryError("entry_by_non_participant")
    active = db.session.scalar(
        db.select(func.count(Entry.id)).where(
            Entry.contest_id == contest.id, Entry.lead_author_id == lead.id,
            Entry.status != EntryStatus.WITHDRAWN))
    if active >= contest.max_entries_per_author:
        raise EntryError("entries_per_author_reached", n=active, contest=contest.title)
    entry = Entry(contest=contest, lead_author=lead, status=EntryStatus.DRAFT)
    entry.authors.append(EntryAuthor.from_user(lead, 0))
    _apply(entry, draft)
    return entry


def update(entry: Entry, draft: EntryDraft) -> Entry:
    ensure_changes_allowed(entry.contest)
    if entry.status is EntryStatus.WITHDRAWN:
        raise EntryError("entry_withdrawn_unchangeable")
    _apply(entry, draft)
    if entry.status is EntryStatus.SUBMITTED:
        problems = completeness_problems(entry)
        if problems:
            raise EntryError(problems)
    return entry


def submit(entry: Entry) -> Entry:
    contest = entry.contest
    ensure_changes_allowed(contest)
    if not contest.is_open():
        raise EntryError("submissions_not_open", contest=contest.title, date=contest.opens_at.strftime("%Y-%m-%d"))
    if entry.status is EntryStatus.WITHDRAWN:
        raise EntryError("entry_withdrawn_unsubmittable")
    problems = completeness_problems(entry) + eligibility_problems(entry)
    if problems:
        raise EntryError(problems)
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = utcnow()
    notices.entry_received(entry)
    return entry


def withdrawal_problems(entry: Entry) -> list[Message]:
    """Why the entry cannot be withdrawn now; none when it can (the confirmation page asks first)."""
    if entry.status is EntryStatus.WITHDRAWN:
        return [Message("entry_withdrawn_already")]
    if not entry.contest.accepts_changes():
        return [Message("submissions_closed", {"contest": entry.contest.title})]
    return []


def withdraw(entry: Entry) -> Entry:
    problems = withdrawal_problems(entry)
    if problems:
        raise EntryError(problems)
    audit.record("entry.withdrawn", entry, before={"status": entry.status}, after={"status": EntryStatus.WITHDRAWN},
                 entry=entry)
    entry.status = EntryStatus.WITHDRAWN
    return entry


def set_judges_needed(entry: Entry, judges: int | None) -> None:
    """The organizers' number of judges for this entry (None: the contest's number)."""
    audit.record("entry.judges_needed", entry, before={"judges_needed": entry.judges_needed},
                 after={"judges_needed": judges}, entry=entry)
    entry.judges_needed = judges
    db.session.flush()


def completeness_problems(entry: Entry) -> list[Message]:
    problems = []
    if not entry.summary.strip():
        problems.append(Message("entry_summary_missing"))
    if not entry.description.strip():
        problems.append(Message("entry_description_missing"))
    if entry.field_id is None:
        problems.append(Message("entry_field_missing"))
    if not entry.attachments:
        problems.append(Message("entry_document_missing"))
    return problems


def eligibility_problems(entry: Entry) -> list[Message]:
    problems = [Message("author_category_ineligible", {"name": a.full_name})
                for a in entry.authors if a.category not in tuple(Category)]
    problems += _duplicate_title_problems(entry)
    return problems


def ensure_changes_allowed(contest: Contest) -> None:
    if not contest.accepts_changes():
        raise EntryError("submissions_closed", contest=contest.title)


def _lock_author(user: User) -> None:
    """Serialise one author's concurrent requests so entry limits cannot be raced past."""
    db.session.execute(db.select(User.id).where(User.id == user.id).with_for_update())


def _apply(entry: Entry, draft: EntryDraft) -> None:
    problems = []
    if not draft.title.strip():
        problems.append(Message("entry_title_missing"))
    if draft.field_id is not None:
        field = db.session.get(ContestField, draft.field_id)
        if field is None or field.contest_id != entry.contest.id:
            problems.append(Message("entry_field_foreign"))
    co_authors, author_problems = _resolve_co_authors(entry, draft.co_authors)
    problems += author_problems
    if problems:
        raise EntryError(problems)
    entry.set_title(draft.title)
    entry.summary = draft.summary.strip()
    entry.description = draft.description.strip()
    entry.field_id = draft.field_id
    stale = entry.authors[1:]
    del entry.authors[1:]
    if stale and entry.id is not None:
        db.session.flush()  # drop the old co-authors before new ones reuse their positions
    entry.authors.extend(co_authors)
    db.session.add(entry)
    db.session.flush()
    duplicates = _duplicate_title_problems(entry)
    if duplicates:
        raise EntryError(duplicates)


def _resolve_co_authors(entry: Entry, typed: tuple[CoAuthor, ...]) -> tuple[list[EntryAuthor], list[Message]]:
    rows = [row for row in typed if not row.blank]
    problems: list[Message] = []
    if len(rows) + 1 > MAX_AUTHORS:
        problems.append(Message("entry_authors_too_many", {"n": MAX_AUTHORS}))
    authors: list[EntryAuthor] = []
    seen = {entry.lead_author.email}
    for number, row in enumerate(rows, start=2):
        email = normalize_email(row.email) if row.email.strip() else None
        if email and email in seen:
            problems.append(Message("author_repeated", {"n": number, "email": email}))
            continue
        if email:
            seen.add(email)
        user = User.by_email(email) if email else None
        if user is not None:
            if user.role is not Role.PARTICIPANT or user.category is None:
                problems.append(Message("author_not_a_participant", {"n": number, "email": email}))
                continue
            authors.append(EntryAuthor.from_user(user, number - 1))
            continue
        missing = []
        if not row.full_name.strip():
            missing.append(_("full name"))
        if row.category not in {c.value for c in Category}:
            missing.append(_("category (student, teacher or practicing engineer)"))
        if not row.organization.strip():
            missing.append(_("organization"))
        if missing:
            problems.append(Message("author_details_missing",
                                    {"n": number, "missing": ", ".join(str(m) for m in missing)}))
            continue
        authors.append(EntryAuthor(full_name=row.full_name.strip(), email=email, category=Category(row.category),
                                   organization=row.organization.strip(), position=number - 1))
    return authors, problems


def _duplicate_title_problems(entry: Entry) -> list[Message]:
    """The same author may not enter the same title twice in a season, in any contest."""
    user_ids = [a.user_id for a in entry.authors if a.user_id]
    emails = [a.email for a in entry.authors if a.email]
    others = db.session.scalars(
        db.select(EntryAuthor)
        .join(Entry, EntryAuthor.entry_id == Entry.id)
        .join(Contest, Entry.contest_id == Contest.id)
        .where(Contest.season_id == entry.contest.season_id, Entry.id != entry.id,
               Entry.title_key == entry.title_key, Entry.status != EntryStatus.WITHDRAWN,
               db.or_(EntryAuthor.user_id.in_(user_ids), EntryAuthor.email.in_(emails)))
    ).all()
    names = sorted({a.full_name for a in others})
    return [Message("entry_title_taken", {"name": name, "title": entry.title})
            for name in names]
