"""Conflicts of interest: found from who wrote what, declared by judges, added by organizers.

Automatic conflicts are recomputed from scratch by :func:`detect`, so a changed organization
or a new co-author is picked up; declared and manual ones are never touched by it.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from contest.catalogue import Refusal
from contest.extensions import db
from contest.models import (
    Conflict, ConflictDeclaration, ConflictSource, Contest, ContestJudge, DeclarationKind, Entry, EntryStatus, User,
)

AUTOMATIC = (ConflictSource.AUTHOR, ConflictSource.ORGANIZATION, ConflictSource.DECLARED)


class ConflictError(Refusal):
    """A conflict that cannot be recorded as asked; the message says why."""


def organization_key(name: str | None) -> str:
    """'  Tashkent State Technical University ' and 'tashkent state technical university' match."""
    return re.sub(r"\W+", " ", (name or "").casefold()).strip()


def person_key(name: str | None) -> str:
    return re.sub(r"\s+", " ", (name or "").casefold()).strip()


def reasons_for(judge: User, entry: Entry, declarations: list[ConflictDeclaration]) -> list[tuple[ConflictSource, str]]:
    """Every automatic reason this judge may not review this entry, as (source, sentence)."""
    found = []
    judge_org = organization_key(judge.organization)
    for author in entry.authors:
        if author.user_id == judge.id or (author.email and author.email == judge.email):
            found.append((ConflictSource.AUTHOR, _("The judge is an author of this entry.")))
        elif judge_org and organization_key(author.organization) == judge_org:
            found.append((ConflictSource.ORGANIZATION,
                          _("The judge and the author %(name)s are both at %(organization)s.",
                            name=author.full_name, organization=author.organization)))
        for declaration in declarations:
            if declaration.kind is DeclarationKind.PERSON and (
                    person_key(declaration.value) in (person_key(author.full_name), person_key(author.email))):
                found.append((ConflictSource.DECLARED, _("The judge declared a conflict with %(name)s.",
                                                         name=author.full_name)))
            elif (declaration.kind is DeclarationKind.ORGANIZATION
                  and organization_key(declaration.value) == organization_key(author.organization)):
                found.append((ConflictSource.DECLARED, _("The judge declared a conflict with %(organization)s.",
                                                         organization=author.organization)))
    unique: dict[ConflictSource, str] = {}
    for source, reason in found:
        unique.setdefault(source, reason)  # one row per source: the first reason found
    return list(unique.items())


def automatic(contest: Contest) -> dict[tuple[int, int, ConflictSource], str]:
    """What :func:`detect` would record, written nowhere: {(judge id, entry id, source): reason}."""
    judges = [cj.judge for cj in db.session.scalars(
        db.select(ContestJudge).where(ContestJudge.contest_id == contest.id))]
    entries = db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id,
                                                        Entry.status != EntryStatus.WITHDRAWN)).all()
    declarations: dict[int, list[ConflictDeclaration]] = {}
    for declaration in db.session.scalars(db.select(ConflictDeclaration).where(
            ConflictDeclaration.judge_id.in_([j.id for j in judges]))):
        declarations.setdefault(declaration.judge_id, []).append(declaration)
    wanted = {}
    for judge in judges:
        for entry in entries:
            for source, reason in reasons_for(judge, entry, declarations.get(judge.id, [])):
                wanted[(judge.id, entry.id, source)] = reason
    return wanted


def detect(contest: Contest) -> int:
    """Recompute the automatic conflicts between the contest's judges and its live entries."""
    wanted = automatic(contest)
    existing = {(c.judge_id, c.entry_id, c.source): c for c in db.session.scalars(
        db.select(Conflict).join(Entry, Conflict.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Conflict.source.in_(AUTOMATIC)))}
    for key, conflict in existing.items():
        if key not in wanted:
            db.session.delete(conflict)
        else:
            conflict.reason = wanted[key]
    for (judge_id, entry_id, source), reason in wanted.items():
        if (judge_id, entry_id, source) not in existing:
            db.session.add(Conflict(judge_id=judge_id, entry_id=entry_id, source=source, reason=reason))
    db.session.flush()
    return len(wanted)


def add_manual(judge: User, entry: Entry, reason: str, organizer: User) -> Conflict:
    if not reason.strip():
        raise ConflictError("conflict_reason_not_given")
    existing = db.session.scalar(db.select(Conflict).where(
        Conflict.judge_id == judge.id, Conflict.entry_id == entry.id, Conflict.source == ConflictSource.MANUAL))
    if existing:
        raise ConflictError("conflict_recorded_already")
    conflict = Conflict(judge=judge, entry=entry, source=ConflictSource.MANUAL, reason=reason.strip(),
                        created_by=organizer)
    db.session.add(conflict)
    db.session.flush()
    return conflict


def pairs(contest: Contest) -> dict[tuple[int, int], list[str]]:
    """Conflicted (judge id, entry id) pairs of a contest, with every reason recorded."""
    rows = db.session.execute(
        db.select(Conflict.judge_id, Conflict.entry_id, Conflict.reason)
        .join(Entry, Conflict.entry_id == Entry.id).where(Entry.contest_id == contest.id)
        .order_by(Conflict.id)).all()
    found: dict[tuple[int, int], list[str]] = {}
    for judge_id, entry_id, reason in rows:
        found.setdefault((judge_id, entry_id), []).append(reason)
    return found


def for_contest(contest: Contest) -> list[Conflict]:
    """The contest's conflicts with what the page and ``reasons_shown`` read of them, loaded at once."""
    return db.session.scalars(
        db.select(Conflict).join(Entry, Conflict.entry_id == Entry.id).where(Entry.contest_id == contest.id)
        .options(selectinload(Conflict.judge), selectinload(Conflict.entry).selectinload(Entry.authors))
        .order_by(Conflict.entry_id, Conflict.judge_id, Conflict.id)).all()


def declare(judge: User, kind: DeclarationKind, value: str) -> ConflictDeclaration:
    """Record a judge's declaration and apply it at once to every contest the judge serves."""
    if not value.strip():
        raise ConflictError("declaration_value_missing")
    declaration = ConflictDeclaration(judge=judge, kind=kind, value=value.strip())
    db.session.add(declaration)
    db.session.flush()
    for contest in db.session.scalars(db.select(Contest).join(ContestJudge, ContestJudge.contest_id == Contest.id)
                                      .where(ContestJudge.judge_id == judge.id)):
        detect(contest)
    return declaration


def declarations_of(judge: User) -> list[ConflictDeclaration]:
    return db.session.scalars(db.select(ConflictDeclaration).where(ConflictDeclaration.judge_id == judge.id)
                              .order_by(ConflictDeclaration.id)).all()


def reasons_shown(found: list[Conflict]) -> dict[int, str]:
    """{conflict id: its reason in the reader's language}. An automatic reason is stored in the language
    of the detection, so it is worded again from the same facts; a reason someone typed stays as typed,
    and so does an automatic one whose facts have changed since."""
    declarations: dict[int, list[ConflictDeclaration]] = {}
    for declaration in db.session.scalars(db.select(ConflictDeclaration).where(
            ConflictDeclaration.judge_id.in_({c.judge_id for c in found if c.source in AUTOMATIC}))):
        declarations.setdefault(declaration.judge_id, []).append(declaration)
    shown = {}
    for conflict in found:
        if conflict.source not in AUTOMATIC:
            shown[conflict.id] = conflict.reason
            continue
        now = dict(reasons_for(conflict.judge, conflict.entry, declarations.get(conflict.judge_id, [])))
        shown[conflict.id] = now.get(conflict.source, conflict.reason)
    return shown
