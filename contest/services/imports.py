"""Importing participants and judges from a workbook: all rows or none.

The workbook is read and checked by the pure ``contest.excel.people_import``; this module adds
what needs the database (an email that belongs to an account of another role), writes the
accounts, and words every problem in the organizer's language. It flushes and never commits:
the request commits once when every row passed (contest.edge), or rolls back.

Accounts are keyed by email, compared case-insensitively. A new account gets no password but a
one-time link to set one. An existing account of the same role gets the file's profile when it
differs (an empty optional cell keeps what the account has); its password is never touched.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import configure_mappers, selectinload

from contest.catalogue import Message, Refusal
from contest.excel import Column
from contest.excel.people_import import (
    COLUMNS,
    DEFAULT_LEVEL,
    MAX_FILE_BYTES,
    MAX_ROWS,
    PeopleKind,
    PersonRow,
    RowProblem,
    Vocabulary,
    WorkbookRefused,
    build_list,
    build_template,
    read_people,
)
from contest.extensions import db
from contest.i18n import say
from contest.models import (
    CATEGORY_LABELS,
    REGIONS,
    Category,
    JudgeExpertise,
    Role,
    User,
)
from contest.services import audit, notices

ROLE_OF = {PeopleKind.PARTICIPANTS: Role.PARTICIPANT, PeopleKind.JUDGES: Role.JUDGE}
LOOKUP_CHUNK = 500   # emails per query: well under every database's limit on bound values

KIND_NAMES = {PeopleKind.PARTICIPANTS: _l("participants"), PeopleKind.JUDGES: _l("judges")}


class ImportRefused(Refusal):
    """The file as a whole cannot be imported: the workbook's refusal, the template it looks like named
    in the reader's language (codes and wording in ``contest.catalogue.imports``)."""

    @classmethod
    def of(cls, refusal: WorkbookRefused) -> ImportRefused:
        params = dict(refusal.params)
        if "kind" in params:
            params["kind"] = str(KIND_NAMES[PeopleKind(params["kind"])])
        return cls(Message(refusal.code, params))


@dataclass(frozen=True)
class ReportLine:
    """One problem as the page shows it: the row and column as Excel shows them, and what is wrong."""

    row: int
    column: str
    letter: str
    message: str


class ImportRejected(ValueError):
    """At least one row is wrong, so nothing was imported; ``lines`` list every problem found."""

    def __init__(self, lines: list[ReportLine], rows: int):
        self.lines = lines
        self.rows = rows          # data rows in the file
        super().__init__(f"{len(lines)} problems in {rows} rows")


@dataclass(frozen=True)
class Person:
    """An imported account as the result page lists it (plain values: they outlive the session)."""

    row: int
    full_name: str
    email: str


@dataclass(frozen=True)
class Invitation(Person):
    """A new account and its one-time set-password token (shown once, never stored in clear)."""

    token: str
    expires_at: datetime


@dataclass
class ImportOutcome:
    kind: PeopleKind
    created: list[Invitation] = field(default_factory=list)
    updated: list[Person] = field(default_factory=list)
    unchanged: int = 0


def vocabulary() -> Vocabulary:
    """Category and region codes with their English names, the names a file may use."""
    with force_locale("en"):
        return Vocabulary(categories={c.value: str(label) for c, label in CATEGORY_LABELS.items()},
                          regions={code: str(name) for code, name in REGIONS.items()})


# -- the template ----------------------------------------------------------------------------


def template_workbook(kind: PeopleKind | str) -> bytes:
    kind = PeopleKind(kind)
    headers = [_("Column"), _("Required"), _("Value"), _("What to write")]
    return build_template(kind, headers, _help_rows(kind, vocabulary()))


def _help_rows(kind: PeopleKind, names: Vocabulary) -> Iterable[Sequence[str]]:
    yes, no = _("yes"), _("no")
    yield ["", "", "", _("Fill in the first sheet, one person per row, under the header row. Keep the column "
                         "names as they are. At most %(n)d rows per file.", n=MAX_ROWS)]
    yield ["", "", "", _("The email identifies the account: importing a row again updates that account's "
                         "profile and never its password. New accounts get a one-time link to set a password.")]
    yield ["", "", "", _("If any row has a problem, nothing is imported and every problem is listed with its "
                         "row number. Cells are read as values: formulas are not calculated.")]
    required = {c.key: c.required for c in COLUMNS[kind]}
    explain = {
        "full_name": _("The person's full name, up to 200 characters."),
        "email": _("A valid email address; each email only once in the file."),
        "category": _("One of the codes listed below."),
        "organization": _("University, school or enterprise, up to 200 characters."),
        "region": _("A region code listed below, or its English name, in any letter case."),
        "phone": _("Optional, such as +998 90 123 45 67. An empty cell keeps the phone the account has."),
        "expertise": _("Fields the judge knows, separated by “;”, each followed by “:” and a level: "
                       "1 familiar, 2 knowledgeable, 3 expert. Without a level, %(n)d. The file's list "
                       "replaces the judge's expertise; an empty cell keeps it.", n=DEFAULT_LEVEL),
    }
    if kind is PeopleKind.JUDGES:
        explain["region"] = _("Optional: a region code listed below, or its English name, in any letter case.")
    for key, is_required in required.items():
        yield [key, yes if is_required else no, "", explain[key]]
        if key == "category":
            for category, label in CATEGORY_LABELS.items():
                yield [key, "", category.value, _bilingual(names.categories[category.value], label)]
        elif key == "region":
            for code, label in REGIONS.items():
                yield [key, "", code, _bilingual(names.regions[code], label)]
        elif key == "expertise":
            yield [key, "", "Energy:3; IT and software:2", _("An example.")]


def _bilingual(english: str, label) -> str:
    local = str(label)
    return english if local == english else f"{english} ({local})"


# -- the import ------------------------------------------------------------------------------


def import_people(data: bytes, kind: PeopleKind | str, *, valid_for: timedelta,
                  max_bytes: int = MAX_FILE_BYTES) -> ImportOutcome:
    """Check every row, then create or update the accounts; any problem and nothing is written.

    :raises ImportRefused: the file as a whole cannot be read.
    :raises ImportRejected: some rows are wrong; nothing was written.
    """
    kind = PeopleKind(kind)
    try:
        sheet = read_people(data, kind, vocabulary(), max_bytes=max_bytes)
    except WorkbookRefused as refusal:
        raise ImportRefused.of(refusal) from None
    problems = list(sheet.problems)
    existing = _accounts_by_email([row.email for row in sheet.rows], with_expertise=kind is PeopleKind.JUDGES)
    role = ROLE_OF[kind]
    for row in sheet.rows:
        account = existing.get(row.email)
        if account is not None and account.role is not role:
            problems.append(RowProblem(row.row, "email", sheet.letters.get("email", ""), "email_other_role",
                                       {"role": account.role.label}))
    if problems:
        problems.sort(key=lambda p: p.row)   # stable: a row's problems stay in column order
        rows = len(sheet.rows) + len({p.row for p in sheet.problems})
        raise ImportRejected([_report_line(p) for p in problems], rows)

    outcome = ImportOutcome(kind=kind)
    for row in sheet.rows:
        account = existing.get(row.email)
        if account is None:
            outcome.created.append(_create(kind, row, valid_for))
        elif _update(account, row):
            outcome.updated.append(Person(row=row.row, full_name=account.full_name, email=account.email))
        else:
            outcome.unchanged += 1
    db.session.flush()
    audit.record(f"import.{kind.value}", ("import", None), after={
        "rows": len(sheet.rows), "created": len(outcome.created), "updated": len(outcome.updated),
        "unchanged": outcome.unchanged})
    return outcome


def _report_line(problem: RowProblem) -> ReportLine:
    """The problem in the organizer's language; its wording is the catalogue's ``row_<code>``."""
    text = say(Message(f"row_{problem.code}", dict(problem.params)))
    return ReportLine(row=problem.row, column=problem.column, letter=problem.letter, message=text)


def _accounts_by_email(emails: list[str], *, with_expertise: bool) -> dict[str, User]:
    configure_mappers()   # User.expertise is a backref: it exists once the mappers are configured
    found: dict[str, User] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        query = db.select(User).where(func.lower(User.email).in_(emails[start:start + LOOKUP_CHUNK]))
        if with_expertise:
            query = query.options(selectinload(User.expertise))
        for user in db.session.scalars(query):
            found[user.email.lower()] = user
    return found


def _create(kind: PeopleKind, row: PersonRow, valid_for: timedelta) -> Invitation:
    """A new account without a password, and its one-time set-password token.

    Not ``accounts.invite_judge`` / ``accounts.register_participant``: those look the email up
    and flush once per account (and the latter hashes a password), which made a 5 000-row file
    take about a minute. Here every email was checked in bulk above and the rows are already
    normalized (``PersonRow``), so the accounts are added and flushed together.
    """
    user = User(email=row.email, full_name=row.full_name, role=ROLE_OF[kind], organization=row.organization,
                region=row.region)
    if kind is PeopleKind.PARTICIPANTS:
        user.category, user.phone = Category(row.category), row.phone
    else:
        user.expertise = [JudgeExpertise(field=name, level=level) for name, level in row.expertise or ()]
    db.session.add(user)
    token = user.issue_invite(valid_for)
    if kind is PeopleKind.PARTICIPANTS:
        notices.participant_imported(user, token)
    else:
        notices.judge_invited(user, token)
    return Invitation(row=row.row, full_name=user.full_name, email=user.email, token=token,
                      expires_at=user.invite_expires_at)


def _update(user: User, row: PersonRow) -> bool:
    """Give ``user`` the row's profile; True if anything changed. Empty optional cells keep values."""
    wanted = {"full_name": row.full_name, "organization": row.organization}
    if row.region is not None:
        wanted["region"] = row.region
    if user.role is Role.PARTICIPANT:
        wanted["category"] = Category(row.category)
        if row.phone is not None:
            wanted["phone"] = row.phone
    changed = False
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    if user.role is Role.JUDGE and row.expertise is not None:
        current = sorted((e.field, e.level) for e in user.expertise)
        if current != sorted(row.expertise):
            _replace_expertise(user, row.expertise)
            changed = True
    return changed


def _replace_expertise(judge: User, items: Sequence[tuple[str, int]]) -> None:
    """The judge's expertise becomes ``items``. A field kept keeps its row (matched exactly, else
    in any letter case), so the (judge, field) unique constraint never sees the same name
    inserted before the old row is deleted."""
    exact = {e.field: e for e in judge.expertise}
    folded: dict[str, JudgeExpertise] = {}
    for e in judge.expertise:
        if e.field not in {name for name, _level in items}:
            folded.setdefault(e.field.casefold(), e)
    fresh = []
    for name, level in items:
        row = exact.get(name) or folded.pop(name.casefold(), None)
        if row is None:
            row = JudgeExpertise(field=name, level=level)
        row.field, row.level = name, level
        fresh.append(row)
    judge.expertise = fresh


# -- the lists to download -------------------------------------------------------------------


def invitations_workbook(created: Iterable[Invitation], link_for) -> bytes:
    """The new accounts and their one-time links, for the organizer to pass on."""
    columns = [Column(_("Full name"), "full_name", width=32), Column(_("Email"), "email", width=32),
               Column(_("Set-password link"), "link", width=60),
               Column(_("Link valid until (Tashkent time)"), "expires_at", "datetime", width=22)]
    rows = ({"full_name": i.full_name, "email": i.email, "link": link_for(i.token),
             "expires_at": i.expires_at} for i in created)
    return build_list(_("Invitations"), columns, rows)


def problems_workbook(lines: Iterable[ReportLine]) -> bytes:
    columns = [Column(_("Row"), "row", "int", width=8), Column(_("Column"), "column", width=16),
               Column(_("Problem"), "message", width=80)]
    rows = ({"row": line.row, "column": f"{line.column} ({line.letter})" if line.letter else line.column,
             "message": line.message} for line in lines)
    return build_list(_("Problems"), columns, rows)

