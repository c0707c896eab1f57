"""Participants and judges from a workbook: the template out, the filled-in rows back in.

Pure: bytes in, validated rows and per-row problems out; help rows in, template bytes out.
No Flask, no database. What needs the database (an email that belongs to an account of
another role) and every user-facing sentence live in ``contest/services/imports.py``:
problems here carry a ``code`` and ``params``, which the service turns into messages.

Reading is defensive. A file is refused as a whole (:class:`WorkbookRefused`) when it is not
an XLSX workbook (no ZIP signature, or openpyxl cannot open it read-only), when it is larger
than ``max_bytes`` or unpacks to more than ``MAX_UNPACKED_BYTES``, when its header lacks a
required column or has one the template does not know, or when it has more than ``max_rows``
rows. Cells are read with ``data_only=True``: a formula is never evaluated (its last value
saved by Excel, if any, is what counts), and text that merely looks like a formula, such as
``=1+1``, is kept as the text it is.
"""
from __future__ import annotations

import enum
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import email_validator
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from contest.catalogue import Refusal
from contest.excel.sheet import Column, workbook_bytes, write_sheet

MAX_ROWS = 5_000
MAX_FILE_BYTES = 5 * 1024 * 1024
#: A workbook is a ZIP archive: this caps what its members may unpack to (a "zip bomb").
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Blank rows in a sheet are skipped, but no more than this many rows are looked at.
MAX_SCANNED_ROWS = 20 * MAX_ROWS
MAX_HEADER_COLUMNS = 64
DEFAULT_LEVEL = 2
LEVELS = (1, 2, 3)
HELP_SHEET = "Help"

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Excel 97-2003 (.xls) and other OLE files
#: The registration form's rule for phone numbers (contest/auth/forms.py, PHONE).
PHONE_PATTERN = r"^\+?[0-9 ()-]{7,20}$"
_PHONE = re.compile(PHONE_PATTERN)


class PeopleKind(str, enum.Enum):
    PARTICIPANTS = "participants"
    JUDGES = "judges"


@dataclass(frozen=True)
class ImportColumn:
    """A column of the template: its header (the key), whether it must be filled, its length cap."""

    key: str
    required: bool
    max_length: int
    width: float = 24


_NAME, _EMAIL = ImportColumn("full_name", True, 200, 32), ImportColumn("email", True, 254, 32)
_ORGANIZATION = ImportColumn("organization", True, 200, 36)
COLUMNS: dict[PeopleKind, tuple[ImportColumn, ...]] = {
    PeopleKind.PARTICIPANTS: (_NAME, _EMAIL, ImportColumn("category", True, 40, 14), _ORGANIZATION,
                              ImportColumn("region", True, 60, 20), ImportColumn("phone", False, 40, 20)),
    PeopleKind.JUDGES: (_NAME, _EMAIL, _ORGANIZATION, ImportColumn("region", False, 60, 20),
                        ImportColumn("expertise", False, 2000, 44)),
}
SHEET_TITLES = {PeopleKind.PARTICIPANTS: "Participants", PeopleKind.JUDGES: "Judges"}
FIELD_MAX_LENGTH = 120   # JudgeExpertise.field


@dataclass(frozen=True)
class Vocabulary:
    """The allowed values: category codes and region codes, each with its English name.

    A cell may hold the code or the English name, in any letter case.
    """

    categories: Mapping[str, str]
    regions: Mapping[str, str]

    def category(self, text: str) -> str | None:
        return _lookup(self.categories, text)

    def region(self, text: str) -> str | None:
        return _lookup(self.regions, text)


def _lookup(names: Mapping[str, str], text: str) -> str | None:
    wanted = text.strip().casefold()
    for code, name in names.items():
        if wanted in (code.casefold(), str(name).strip().casefold()):
            return code
    return None


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one cell: ``row`` is the row number Excel shows (data starts at 2).

    ``column`` is the column's key (``email``) and ``letter`` its letter in the file (``B``).
    """

    row: int
    column: str
    letter: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


class WorkbookRefused(Refusal):
    """The file as a whole cannot be imported; ``code`` and ``params`` say why (worded in
    ``contest.catalogue.imports``)."""

    @property
    def code(self) -> str:
        return self.messages[0].code

    @property
    def params(self) -> dict[str, object]:
        return dict(self.messages[0].params)


@dataclass(frozen=True)
class PersonRow:
    """A valid row: text stripped, email lower-cased, category and region as codes."""

    row: int
    full_name: str
    email: str
    organization: str
    category: str | None = None
    region: str | None = None
    phone: str | None = None
    expertise: tuple[tuple[str, int], ...] | None = None   # None: the cell was empty


@dataclass
class PeopleSheet:
    """What was read: every row that passed, and every problem found, in row order."""

    kind: PeopleKind
    rows: list[PersonRow]
    problems: list[RowProblem]
    letters: dict[str, str]     # column key -> its letter in the file

    @property
    def ok(self) -> bool:
        return not self.problems


# -- reading ---------------------------------------------------------------------------------


def open_workbook(data: bytes, *, max_bytes: int = MAX_FILE_BYTES):
    """The workbook, opened read-only with cached values instead of formulas, or refused."""
    if not data:
        raise WorkbookRefused("empty_file")
    if len(data) > max_bytes:
        raise WorkbookRefused("file_too_large", max_mb=max_bytes // (1024 * 1024))
    if data.startswith(OLE_SIGNATURE):
        raise WorkbookRefused("old_excel")
    if not data.startswith(ZIP_SIGNATURE):
        raise WorkbookRefused("not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookRefused("not_xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookRefused("file_too_large", max_mb=max_bytes // (1024 * 1024))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged or foreign file
        raise WorkbookRefused("not_xlsx") from None


def read_people(data: bytes, kind: PeopleKind | str, vocabulary: Vocabulary, *,
                max_rows: int = MAX_ROWS, max_bytes: int = MAX_FILE_BYTES) -> PeopleSheet:
    """Read and check every row of the first data sheet of a filled-in template.

    :raises WorkbookRefused: the file as a whole cannot be imported.
    """
    kind = PeopleKind(kind)
    workbook = open_workbook(data, max_bytes=max_bytes)
    try:
        ws = _data_sheet(workbook, kind)
        if ws is None:
            raise WorkbookRefused("no_sheet")
        ws.reset_dimensions()   # the size a file declares may be wrong; read what is there
        header = next(ws.iter_rows(min_row=1, max_row=1, max_col=MAX_HEADER_COLUMNS, values_only=True), ())
        positions = _header_positions(header, kind)
        width = max(positions.values()) + 1
        raw_rows = []
        scanned = 0
        for number, values in enumerate(ws.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            scanned += 1
            if scanned > MAX_SCANNED_ROWS:
                raise WorkbookRefused("too_many_rows", max_rows=max_rows)
            cells = {key: _text(values[pos]) if pos < len(values) else "" for key, pos in positions.items()}
            if not any(cells.values()):
                continue
            if len(raw_rows) == max_rows:
                raise WorkbookRefused("too_many_rows", max_rows=max_rows)
            raw_rows.append((number, cells))
    finally:
        workbook.close()
    if not raw_rows:
        raise WorkbookRefused("no_rows")
    letters = {key: get_column_letter(pos + 1) for key, pos in positions.items()}
    return check_rows(raw_rows, kind, vocabulary, letters)


def _data_sheet(workbook, kind: PeopleKind):
    """The sheet named as in the template if there is one, else the first that is not Help."""
    by_name = {ws.title.strip().casefold(): ws for ws in workbook.worksheets}
    wanted = by_name.get(SHEET_TITLES[kind].casefold())
    if wanted is not None:
        return wanted
    return next((ws for ws in workbook.worksheets if ws.title.strip().casefold() != HELP_SHEET.casefold()
                 and hasattr(ws, "iter_rows")), None)


def _header_key(value) -> str:
    return re.sub(r"[\s-]+", "_", _text(value).casefold())


def _header_positions(header: Sequence, kind: PeopleKind) -> dict[str, int]:
    """Column key -> 0-based position; refuses unknown, repeated or missing required columns."""
    known = {c.key for c in COLUMNS[kind]}
    positions: dict[str, int] = {}
    unknown, repeated = [], []
    for pos, value in enumerate(header):
        key = _header_key(value)
        if not key:
            continue
        if key not in known:
            unknown.append(_text(value))
        elif key in positions:
            repeated.append(key)
        else:
            positions[key] = pos
    if not positions and not unknown:
        raise WorkbookRefused("no_header")
    other = PeopleKind.JUDGES if kind is PeopleKind.PARTICIPANTS else PeopleKind.PARTICIPANTS
    other_keys = {c.key for c in COLUMNS[other]}
    if unknown and {_header_key(v) for v in unknown} <= other_keys:
        raise WorkbookRefused("other_template", kind=other.value)
    if unknown:
        raise WorkbookRefused("unknown_columns", columns=", ".join(unknown))
    if repeated:
        raise WorkbookRefused("repeated_columns", columns=", ".join(repeated))
    missing = [c.key for c in COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        raise WorkbookRefused("missing_columns", columns=", ".join(missing))
    return positions


def _text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, everything stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value).strip()


# -- checking --------------------------------------------------------------------------------


def check_rows(raw_rows: Iterable[tuple[int, Mapping[str, str]]], kind: PeopleKind | str,
               vocabulary: Vocabulary, letters: Mapping[str, str] | None = None) -> PeopleSheet:
    """Check rows already read as text: ``(row number, {column key: text})`` pairs."""
    kind = PeopleKind(kind)
    columns = COLUMNS[kind]
    letters = dict(letters or {c.key: get_column_letter(n) for n, c in enumerate(columns, start=1)})
    order = {key: n for n, key in enumerate(sorted(letters, key=lambda k: (len(letters[k]), letters[k])))}
    rows: list[PersonRow] = []
    problems: list[RowProblem] = []
    first_row_of: dict[str, int] = {}
    for number, cells in raw_rows:
        found: list[RowProblem] = []

        def problem(key: str, code: str, **params) -> None:
            found.append(RowProblem(number, key, letters.get(key, ""), code, params))  # noqa: B023

        values = {c.key: (cells.get(c.key) or "").strip() for c in columns}
        for column in columns:
            value = values[column.key]
            if not value:
                if column.required:
                    problem(column.key, "required")
            elif len(value) > column.max_length:
                problem(column.key, "too_long", max=column.max_length)

        email = values["email"].lower()
        if email and len(email) <= 254:
            if not _valid_email(email):
                problem("email", "email_invalid", value=values["email"])
            elif email in first_row_of:
                problem("email", "email_repeated", first_row=first_row_of[email])
            else:
                first_row_of[email] = number

        category = region = None
        if kind is PeopleKind.PARTICIPANTS and values["category"]:
            category = vocabulary.category(values["category"])
            if category is None:
                problem("category", "category_unknown", value=values["category"])
        if values["region"]:
            region = vocabulary.region(values["region"])
            if region is None:
                problem("region", "region_unknown", value=values["region"])
        phone = values.get("phone") or None
        if phone and not _PHONE.match(phone):
            problem("phone", "phone_invalid", value=phone)
        expertise = None
        if kind is PeopleKind.JUDGES and values["expertise"]:
            expertise, expertise_problems = parse_expertise(values["expertise"])
            for code, params in expertise_problems:
                problem("expertise", code, **params)

        if found:
            problems.extend(sorted(found, key=lambda p: order.get(p.column, 0)))   # as the columns read
            continue
        rows.append(PersonRow(row=number, full_name=values["full_name"], email=email,
                              organization=values["organization"], category=category, region=region,
                              phone=phone, expertise=expertise))
    return PeopleSheet(kind=kind, rows=rows, problems=problems, letters=letters)


def _valid_email(email: str) -> bool:
    """The registration form's check (WTForms ``Email``): syntax only, no DNS look-up."""
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def parse_expertise(text: str) -> tuple[tuple[tuple[str, int], ...], list[tuple[str, dict]]]:
    """``"Energy:3; IT and software"`` -> ``(("Energy", 3), ("IT and software", 2))``, problems.

    Items are separated by ``;`` or line breaks; a level 1..3 follows the last ``:`` of an
    item and defaults to 2. A field named twice (in any letter case) is a problem.
    """
    items: list[tuple[str, int]] = []
    problems: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for item in re.split(r"[;\n\r]+", text):
        item = item.strip()
        if not item:
            continue
        name, colon, level_text = item.rpartition(":")
        if not colon:
            name, level_text = item, ""
        name, level_text = name.strip(), level_text.strip()
        if not name:
            problems.append(("expertise_no_field", {"item": item}))
            continue
        if len(name) > FIELD_MAX_LENGTH:
            problems.append(("expertise_field_too_long", {"field": name[:40] + "…", "max": FIELD_MAX_LENGTH}))
            continue
        level = DEFAULT_LEVEL
        if colon:
            if level_text not in {str(n) for n in LEVELS}:
                problems.append(("expertise_level", {"field": name, "value": level_text}))
                continue
            level = int(level_text)
        if name.casefold() in seen:
            problems.append(("expertise_repeated", {"field": name}))
            continue
        seen.add(name.casefold())
        items.append((name, level))
    return tuple(items), problems


# -- writing ---------------------------------------------------------------------------------


def build_template(kind: PeopleKind | str, help_headers: Sequence[str],
                   help_rows: Iterable[Sequence]) -> bytes:
    """The template: an empty data sheet with the columns' keys as its bold, frozen header,
    then the *Help* sheet with the rows given (the service writes them in the reader's language).
    """
    kind = PeopleKind(kind)
    columns = [Column(c.key, c.key, width=c.width) for c in COLUMNS[kind]]
    help_columns = [Column(h, width=w) for h, w in zip(help_headers, (16, 12, 30, 80))]

    def write(wb) -> None:
        write_sheet(wb, SHEET_TITLES[kind], columns, [], page_title=SHEET_TITLES[kind])
        write_sheet(wb, HELP_SHEET, help_columns, help_rows, page_title=HELP_SHEET)

    return workbook_bytes(write)


def build_list(title: str, columns: Sequence[Column], rows: Iterable) -> bytes:
    """A one-sheet workbook (the invitation links, the problems found): rows in, bytes out."""
    return workbook_bytes(lambda wb: write_sheet(wb, title, columns, rows, page_title=title))
