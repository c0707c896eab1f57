"""The streaming sheet writer behind every workbook the platform exports.

One call writes one sheet of an openpyxl write-only workbook (constant memory: rows may be a
generator of any length): a bold header row that stays frozen and repeats on every printed
page, an autofilter over the header and data rows, column widths, number formats by column
kind, landscape A4 fitted to the page width with the sheet's title in the page header.

Column widths: a streaming sheet must declare its widths before its first row. A column's
``width`` is used when given; otherwise the width is fitted to the header and to the first
``sample_rows`` rows (200 by default), which are held in memory and then written. Values
further down that are wider than the sample do not widen the column.

Text is always text. A string a participant typed, such as ``=1+1``, ``+998901234567``,
``-5``, ``@SUM(A1)`` or ``#N/A``, is written as an explicit string cell (``t="inlineStr"``):
the value reads back exactly as typed and no spreadsheet program evaluates it. No apostrophe
or other mark is added. Only the builders' own :class:`Formula` values become formulas.
Two things no XLSX file can carry are changed: characters XML forbids (control characters
other than tab, line feed and carriage return) become U+FFFD, and text beyond Excel's cell
limit of 32 767 characters is cut. A bare carriage return is kept, but XML readers (openpyxl,
Excel, LibreOffice) read it back as a line feed.
"""
from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import islice

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

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

EXCEL_TEXT_LIMIT = 32_767
#: Fill rows through the write-only sheet's ``_values_to_row`` (see :func:`write_sheet`).
USE_ROW_HOOK = True
MIN_WIDTH, MAX_WIDTH = 6, 60
# First characters that make a spreadsheet read text as a formula or a number, and values it
# reads as an error: all are written as explicit strings.
_RISKY_START = frozenset("=+-@\t\r\n")
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                          "#N/A", "#GETTING_DATA"))
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(name="Calibri", size=11, bold=True)   # the default font, in bold


class ExportError(ValueError):
    """A value does not fit its column (e.g. a float where whole soums are expected)."""


class Formula(str):
    """A formula the builder itself wrote, e.g. ``Formula("=SUM(B2:B9)")``.

    Plain strings are never formulas, whatever they start with.
    """


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


class _ColumnCell(Cell):
    """The one cell a column reuses for every row, its style looked up once.

    openpyxl's streaming writer asks each cell for ``has_style`` and ``style_id`` (hashing
    the style every time); a column's style never changes, so the id is kept.
    """

    __slots__ = ("_sid",)

    def __init__(self, ws, column: int, number_format: str | None, bold: bool):
        super().__init__(ws, row=1, column=column)
        if number_format:
            self.number_format = number_format
        if bold:
            self.font = _BOLD
        self._sid = super().style_id if (number_format or bold) else 0

    @property
    def has_style(self) -> bool:
        return self._sid != 0

    @property
    def style_id(self) -> int:
        return self._sid


def text_cell(ws, value: str, bold: bool = False) -> WriteOnlyCell:
    """An explicit string cell: never a formula, never an error, whatever ``value`` is."""
    cell = WriteOnlyCell(ws)
    cell.value = value
    cell.data_type = "s"
    if bold:
        cell.font = _BOLD
    return cell


def clean_text(value: str) -> str:
    """Make ``value`` storable in XLSX (see the module docstring): nothing else changes."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > EXCEL_TEXT_LIMIT:
        value = value[:EXCEL_TEXT_LIMIT]
    return value


def to_local(value: datetime) -> datetime:
    """Aware datetimes are shown in Asia/Tashkent; naive ones are taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TASHKENT).replace(tzinfo=None)


def _binder(ws, n: int, column: Column, sheet: str, bold: bool = False
            ) -> Callable[[object], Cell | None]:
    """Build the per-value function for column ``n`` (1-based): value in, its cell out.

    The column's single cell is filled and returned, or None for an empty cell. Rows are
    written one at a time, each before the next is filled, so reusing the cell is safe.
    """
    fmt = column.format
    cell = _ColumnCell(ws, n, fmt, bold)
    header = column.header

    def refuse(value, want: str):
        raise ExportError(f"sheet {sheet!r}, column {header!r}: {want}, got {value!r}")

    if column.kind == "text":
        def bind(value):
            if value is None:
                return None
            if type(value) is not str:
                if isinstance(value, Formula):
                    cell.value = str(value)
                    return cell
                value = str(value)
            if not value:
                return None
            if (value[0] in _RISKY_START or value in _ERROR_CODES
                    or len(value) > EXCEL_TEXT_LIMIT or ILLEGAL_CHARACTERS_RE.search(value)):
                cell.value = clean_text(value)
                cell.data_type = "s"        # never a formula or an error value
                return cell
            cell.value = value
            return cell
        return bind

    if column.kind in ("int", "money"):
        want = "whole soums" if column.kind == "money" else "a whole number"

        def bind(value):
            if value is None:
                return None
            if type(value) is not int:
                if isinstance(value, Formula):
                    value = str(value)
                elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
                    value = int(value)
                else:
                    refuse(value, want)
            cell.value = value
            return cell
        return bind

    if column.kind in ("score", "percent"):
        def bind(value):
            if value is None:
                return None
            kind = type(value)
            if kind is float:
                if not math.isfinite(value):
                    return None          # NaN / infinity: no score to show
            elif kind is not int and kind is not Decimal:
                if isinstance(value, Formula):
                    value = str(value)
                elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                    value = float(value)
                    if not math.isfinite(value):
                        return None
                else:
                    refuse(value, "a number")
            cell.value = value
            return cell
        return bind

    # date and datetime
    def bind(value):
        if value is None:
            return None
        if isinstance(value, Formula):
            value = str(value)
        elif isinstance(value, datetime):
            value = to_local(value)
        elif not isinstance(value, (date, time)):
            refuse(value, "a date")
        cell.value = value
        return cell
    return bind


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
def streaming_workbook() -> Iterator[Workbook]:
    """A write-only workbook whose temporary files are deleted if building it fails.

    openpyxl streams each sheet to a temporary file until the workbook is saved; an export
    that stops half-way (bad value, client gone) would otherwise leave them until exit.
    """
    workbook = Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        discard(workbook)
        raise


def discard(workbook: Workbook) -> None:
    """Close and delete the temporary files of an unfinished write-only workbook."""
    for ws in workbook.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        rows = getattr(ws, "_rows", None)
        try:
            if rows is not None:
                rows.close()
        except Exception:  # noqa: BLE001,S110 - the sheet is being thrown away
            pass
        writer.close()
        if os.path.exists(writer.out):
            writer.cleanup()


def _copy(cell: Cell | None) -> Cell | None:
    if cell is None:
        return None
    fresh = WriteOnlyCell(cell.parent, value=cell.value)
    fresh.data_type = cell.data_type
    if cell.has_style:
        fresh.number_format, fresh.font = cell.number_format, copy(cell.font)
    return fresh


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts, whatever language it is in: none of ``[]:*?/\\``, no
    apostrophe at either end, at most 31 characters."""
    return _SHEET_NAME_FORBIDDEN.sub(" ", text).strip().strip("'")[:31].strip()


def write_sheet(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable,
                *, page_title: str | None = None,
                footer: Callable[[int, int], Iterable[Sequence]] | None = None,
                sample_rows: int = 200) -> SheetInfo:
    """Stream ``rows`` into a new sheet of a write-only ``workbook``.

    :param rows: mappings (read by each column's ``key``) or sequences in column order.
    :param footer: called with the first and last data row numbers once the data is written;
        returns rows written below the data in bold (totals; use :class:`Formula`).
        The autofilter covers only the header and data rows.
    """
    if not getattr(workbook, "write_only", False):
        raise ValueError("write_sheet needs a Workbook(write_only=True)")
    title = sheet_title(title)
    ws = workbook.create_sheet(title)
    ncols = len(columns)
    last_letter = get_column_letter(ncols)
    to_values = _values([c.key for c in columns])

    iterator = iter(rows)
    sample = [to_values(row) for row in islice(iterator, sample_rows)]
    for n, width in enumerate(fitted_widths(columns, sample), start=1):
        ws.column_dimensions[get_column_letter(n)].width = width

    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = clean_text(page_title or title).replace("&", "&&")
    ws.oddFooter.right.text = "&P / &N"

    ws.append([text_cell(ws, clean_text(c.header), bold=True) for c in columns])

    # Each appended row goes through ``_values_to_row``; this sheet's own version fills the
    # columns' reusable cells instead of letting openpyxl build and inspect a cell per value
    # (a third of the time on large sheets). Without that hook, the public path is used.
    binders = [_binder(ws, n, c, title) for n, c in enumerate(columns, start=1)]
    hooked = USE_ROW_HOOK and hasattr(ws, "_values_to_row")

    def cells(values, row_idx):
        for bind, value in zip(binders, values):
            cell = bind(value)
            if cell is not None:
                cell.row = row_idx
                yield cell

    if hooked:
        ws._values_to_row = cells

    def emit(values) -> None:
        if hooked:
            ws.append(values if isinstance(values, (list, tuple)) else list(values))
        else:  # a future openpyxl without the hook: one fresh cell per value
            ws.append([_copy(bind(v)) for bind, v in zip(binders, values)])

    count = 0
    for values in sample:
        emit(values)
    count += len(sample)
    del sample
    for row in iterator:
        emit(to_values(row))
        count += 1

    first, last = 2, 1 + count
    ws.auto_filter.ref = f"A1:{last_letter}{max(last, 1)}"
    written = 0
    if footer is not None:
        binders = [_binder(ws, n, c, title, bold=True) for n, c in enumerate(columns, start=1)]
        for values in footer(first, last):
            emit(list(values) + [None] * (ncols - len(values)))
            written += 1
    return SheetInfo(title=title, first_row=first, last_row=last, footer_rows=written)
