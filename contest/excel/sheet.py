"""The streaming sheet writer behind every workbook the platform exports.

Workbooks are written with XlsxWriter in constant-memory mode, through its public API only: rows
may be a generator of any length, and each row goes to a temporary file as soon as the next one
starts. One call writes one sheet: a bold header row that stays frozen and repeats on every
printed page, an autofilter over the header and data rows, column widths, number formats by column
kind, landscape A4 fitted to the page width with the sheet's title in the page header.

Column widths: a streaming sheet must declare its widths before its first row. A column's
``width`` is used when given; otherwise the width is fitted to the header and to the first
``sample_rows`` rows (200 by default), which are held in memory and then written. Values
further down that are wider than the sample do not widen the column.

Text is always text. A string a participant typed, such as ``=1+1``, ``+998901234567``,
``-5``, ``@SUM(A1)`` or ``#N/A``, is written as a string cell (an inline string): the value
reads back exactly as typed and no spreadsheet program evaluates it. No apostrophe or other mark
is added. Only the builders' own :class:`Formula` values become formulas, which Excel and
LibreOffice compute when the file is opened.
Two things no XLSX file can carry are changed: characters XML forbids (control characters
other than tab, line feed and carriage return) become U+FFFD, and text beyond Excel's cell
limit of 32 767 characters is cut. A carriage return is kept: the file stores it as ``_x000D_``,
which Excel and LibreOffice read back as typed.
"""
from __future__ import annotations

import io
import math
import numbers
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import islice
from typing import BinaryIO

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from contest.catalogue import Refusal

try:
    from zoneinfo import ZoneInfo

    TASHKENT = ZoneInfo("Asia/Tashkent")
except (ImportError, KeyError, OSError):  # pragma: no cover - no tz database: Tashkent has kept UTC+5 since 1992
    TASHKENT = timezone(timedelta(hours=5), "Asia/Tashkent")

#: Soums. ``[$-0443]`` is the Uzbek (Latin) locale: LibreOffice then groups digits with a
#: (no-break) space whatever the reader's own locale: ``41 000 000 UZS``. Excel groups with
#: the reader's system separator (a space on Uzbek and Russian systems, a comma on English
#: ones). A format with literal spaces would pad small amounts and break negative ones.
MONEY_FORMAT = '[$-0443]#,##0 "UZS"'
INTEGER_FORMAT = "0"
SCORE_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

KIND_FORMATS = {
    "text": None,
    "int": INTEGER_FORMAT,
    "money": MONEY_FORMAT,
    "score": SCORE_FORMAT,
    "percent": PERCENT_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}

#: XlsxWriter's own options: constant memory, and no guessing what a string means (a typed
#: ``=1+1`` stays text, ``0123`` keeps its zero, a typed address is not made a link).
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                    "strings_to_urls": False}
NUMERIC_KINDS = ("int", "money", "score", "percent")
EXCEL_TEXT_LIMIT = 32_767
A4 = 9  # XlsxWriter's paper code
MIN_WIDTH, MAX_WIDTH = 6, 60
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class ExportError(Refusal):
    """A value does not fit its column (e.g. a float where whole soums are expected): a bug in the
    builder's caller, worded in ``contest.catalogue.exports`` for the job's error."""


class Formula(str):
    """A formula the builder itself wrote, with the value it computes to, e.g.
    ``Formula("=SUM(B2:B9)", 41)``. Excel computes formulas again on opening; LibreOffice shows the
    stored value, so it must be the right one.

    Plain strings are never formulas, whatever they start with.
    """

    value: int | float

    def __new__(cls, text: str, value: int | float = 0) -> Formula:
        formula = super().__new__(cls, text)
        formula.value = value
        return formula


@dataclass(frozen=True)
class Column:
    """One column: its header, the key it reads from mapping rows, its kind and width.

    ``kind`` is one of text, int, money (whole soums), score (2 decimals), percent (a
    fraction shown as %), date, datetime (shown in Asia/Tashkent).
    """

    header: str
    key: str | None = None
    kind: str = "text"
    width: float | None = None
    number_format: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KIND_FORMATS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def format(self) -> str | None:
        return self.number_format or KIND_FORMATS[self.kind]


@dataclass(frozen=True)
class SheetInfo:
    """Where things landed, so a builder can point formulas at them."""

    title: str
    first_row: int          # first data row (2)
    last_row: int           # last data row (first_row - 1 when there is none)
    footer_rows: int        # rows written after the data (totals)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1


Write = Callable[[int, object], None]


def clean_text(value: str) -> str:
    """Make ``value`` storable in XLSX (see the module docstring): nothing else changes."""
    if _ILLEGAL_CHARACTERS.search(value):
        value = _ILLEGAL_CHARACTERS.sub("\ufffd", value)
    if len(value) > EXCEL_TEXT_LIMIT:
        value = value[:EXCEL_TEXT_LIMIT]
    return value


def to_local(value: datetime) -> datetime:
    """Aware datetimes are shown in Asia/Tashkent; naive ones are taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TASHKENT).replace(tzinfo=None)


def _writer(ws: Worksheet, n: int, column: Column, sheet: str, style: Format | None) -> Write:
    """The per-value function for column ``n`` (0-based): it writes one value into a row. None (an
    empty cell) and a :class:`Formula` never reach it: :func:`write_sheet` writes those itself."""
    header = column.header

    def refuse(value, want: str):
        raise ExportError("export_value_unfit", sheet=sheet, column=header, want=want, value=repr(value))

    if column.kind == "text":
        def write(row, value):
            value = clean_text(value if type(value) is str else str(value))
            if value:
                ws.write_string(row, n, value, style)
        return write

    if column.kind in ("int", "money"):
        want = "whole soums" if column.kind == "money" else "a whole number"

        def write(row, value):
            if type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool)):
                ws.write_number(row, n, int(value), style)
            else:
                refuse(value, want)
        return write

    if column.kind in ("score", "percent"):
        def write(row, value):
            if not isinstance(value, (numbers.Real, Decimal)) or isinstance(value, bool):
                refuse(value, "a number")
            value = float(value)
            if math.isfinite(value):    # NaN / infinity: no score to show
                ws.write_number(row, n, value, style)
        return write

    # date and datetime
    def write(row, value):
        if isinstance(value, datetime):
            value = to_local(value)
        elif not isinstance(value, (date, time)):
            refuse(value, "a date")
        ws.write_datetime(row, n, value, style)
    return write


def _display_width(column: Column, value) -> int:
    """Roughly how many characters ``value`` shows as in this column."""
    if value is None:
        return 0
    kind = column.kind
    if kind == "money" and isinstance(value, int):
        return len(f"{value:,}") + 4
    if kind == "score" and isinstance(value, (int, float, Decimal)):
        return len(f"{value:.2f}")
    if kind == "percent":
        return 6
    if kind == "date":
        return 10
    if kind == "datetime":
        return 16
    text = str(value)
    return max(len(line) for line in text.split("\n")) if text else 0


def fitted_widths(columns: Sequence[Column], sample: Sequence[Sequence]) -> list[float]:
    """Widths from the header (bold, plus the filter button) and a sample of rows."""
    widths = []
    for n, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = len(column.header) * 1.1 + 3
        for row in sample:
            longest = max(longest, _display_width(column, row[n]))
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(longest) + 2))))
    return widths


def _values(keys: list[str | None]) -> Callable:
    """Mapping rows are read by the columns' keys; sequences are taken as they are."""
    def values(row) -> Sequence:
        if isinstance(row, Mapping):
            get = row.get
            return [get(k) if k is not None else None for k in keys]
        return row
    return values


@contextmanager
def streaming_workbook(out: BinaryIO) -> Iterator[Workbook]:
    """A constant-memory workbook, written to ``out`` when the block ends without an error.

    Its temporary files live in a folder of its own, removed whether the export finished or
    stopped half-way (a bad value, a client gone).
    """
    with tempfile.TemporaryDirectory(prefix="contest-xlsx-") as folder:
        workbook = Workbook(out, {**WORKBOOK_OPTIONS, "tmpdir": folder})
        yield workbook
        workbook.close()


def workbook_bytes(write: Callable[[Workbook], object]) -> bytes:
    """The workbook that ``write`` fills, as bytes."""
    buffer = io.BytesIO()
    with streaming_workbook(buffer) as workbook:
        write(workbook)
    return buffer.getvalue()


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts, whatever language it is in: none of ``[]:*?/\\``, no
    apostrophe at either end, at most 31 characters."""
    return _SHEET_NAME_FORBIDDEN.sub(" ", text).strip().strip("'")[:31].strip()


def write_sheet(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable,
                *, page_title: str | None = None,
                footer: Callable[[int, int, Sequence[int | float]], Iterable[Sequence]] | None = None,
                sample_rows: int = 200) -> SheetInfo:
    """Stream ``rows`` into a new sheet of ``workbook`` (from :func:`streaming_workbook`).

    :param rows: mappings (read by each column's ``key``) or sequences in column order.
    :param footer: called with the first and last data row numbers and each column's sum of
        numbers once the data is written; returns rows written below the data in bold (totals;
        use :class:`Formula`).
        The autofilter covers only the header and data rows.
    """
    title = sheet_title(title)
    ws = workbook.add_worksheet(title)
    to_values = _values([c.key for c in columns])
    iterator = iter(rows)
    sample = [to_values(row) for row in islice(iterator, sample_rows)]
    for n, width in enumerate(fitted_widths(columns, sample)):
        ws.set_column(n, n, width)

    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(0)            # shown on screen and printed
    ws.set_header("&C" + clean_text(page_title or title).replace("&", "&&"))
    ws.set_footer("&R&P / &N")

    bold = workbook.add_format({"bold": True})
    for n, column in enumerate(columns):
        ws.write_string(0, n, clean_text(column.header), bold)

    def styles(bolded: bool) -> list[Format | None]:
        """One format per column, made once (XlsxWriter keeps each distinct format once in the file)."""
        wanted = [{"num_format": c.format} if c.format else {} for c in columns]
        return [workbook.add_format({**w, "bold": True} if bolded else w) if (w or bolded) else None for w in wanted]

    formats = styles(False)
    writers = [_writer(ws, n, c, title, style) for n, (c, style) in enumerate(zip(columns, formats))]

    numeric = [n for n, c in enumerate(columns) if c.kind in NUMERIC_KINDS] if footer is not None else []
    sums: list[int | float] = [0] * len(columns)

    def emit(row: int, values: Sequence) -> None:
        for n, (write, value) in enumerate(zip(writers, values)):
            if value is None:
                continue
            if isinstance(value, Formula):
                ws.write_formula(row, n, str(value), formats[n], value.value)
            else:
                write(row, value)
        for n in numeric:   # the totals a footer's formulas compute
            value = values[n]
            if type(value) in (int, float) and math.isfinite(value):
                sums[n] += value

    count = 0
    for values in sample:
        count += 1
        emit(count, values)
    del sample
    for row in iterator:
        count += 1
        emit(count, to_values(row))

    first, last = 2, 1 + count
    ws.autofilter(0, 0, count, len(columns) - 1)
    written = 0
    if footer is not None:
        formats = styles(True)
        writers = [_writer(ws, n, c, title, style) for n, (c, style) in enumerate(zip(columns, formats))]
        for values in footer(first, last, sums):
            emit(count + 1 + written, list(values))
            written += 1
    return SheetInfo(title=title, first_row=first, last_row=last, footer_rows=written)
