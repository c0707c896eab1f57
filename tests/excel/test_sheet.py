"""The streaming sheet writer: text safety, number formats, widths, print setup."""
from __future__ import annotations

import io
import re
import tempfile
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from contest.excel.sheet import (
    MONEY_FORMAT,
    Column,
    ExportError,
    Formula,
    clean_text,
    streaming_workbook,
    workbook_bytes,
    write_sheet,
)

TYPED = ["=1+1", "+998901234567", "-5", "@SUM(A1)", "\t=1+1", "#N/A", "#DIV/0!", "=",
         '=HYPERLINK("http://evil.example","click")', "-2+3", "+", " =1+1", "=1+1 ",
         "'=1+1", "0123", "1e5", "TRUE", "Toshkent", "O‘zbekiston", "a\nb"]


def save(columns, rows, **kw):
    infos = []
    data = workbook_bytes(lambda wb: infos.append(write_sheet(wb, "S", columns, rows, **kw)))
    return data, infos[0]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def read(data: bytes):
    return load_workbook(io.BytesIO(data))["S"]


def as_excel_reads(value: str) -> str:
    """OOXML writes characters such as a carriage return as ``_x000D_`` (and a literal ``_x`` as
    ``_x005F_x``); Excel and LibreOffice decode them, openpyxl shows them as stored."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def test_typed_text_round_trips_and_is_never_a_formula():
    data, _ = save([Column("Name", "name")], [{"name": v} for v in TYPED])
    ws = read(data)
    cells = [ws.cell(row=n, column=1) for n in range(2, len(TYPED) + 2)]
    assert [c.value for c in cells] == TYPED
    assert all(c.data_type == "s" for c in cells)
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    assert 't="e"' not in xml
    assert xml.count('t="inlineStr"') == len(TYPED) + 1      # + the header


def test_carriage_return_prefix_is_text_and_reads_back_as_typed():
    data, _ = save([Column("Name", "name")], [{"name": "\r=1+1"}, {"name": "\r\n@x"}])
    ws = read(data)
    assert ws["A2"].data_type == "s" and as_excel_reads(ws["A2"].value) == "\r=1+1"
    assert as_excel_reads(ws["A3"].value) == "\r\n@x"
    assert "<f>" not in sheet_xml(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30),
                min_size=1, max_size=8))
def test_any_text_round_trips(values):
    data, _ = save([Column("Text", "t")], [{"t": v} for v in values])
    ws = read(data)
    for n, v in enumerate(values, start=2):
        cell = ws.cell(row=n, column=1)
        assert as_excel_reads(cell.value) == clean_text(v)
        assert cell.data_type == "s"
    assert "<f>" not in sheet_xml(data)


def test_only_builder_formulas_are_formulas():
    cols = [Column("Label", "label"), Column("Amount", "amount", "money")]
    rows = [{"label": "=SUM(B2:B3)", "amount": 5}, {"label": "x", "amount": 7}]
    data, _ = save(cols, rows,
                   footer=lambda first, last, sums: [["=total", Formula(f"=SUM(B{first}:B{last})", sums[1])]])
    ws = read(data)
    assert ws["A2"].value == "=SUM(B2:B3)" and ws["A2"].data_type == "s"
    assert ws["A4"].value == "=total" and ws["A4"].data_type == "s"
    assert ws["B4"].value == "=SUM(B2:B3)" and ws["B4"].data_type == "f"
    assert ws["B4"].number_format == MONEY_FORMAT and ws["B4"].font.b


def test_number_formats_and_kinds():
    cols = [Column("Rank", "rank", "int"), Column("Cost", "cost", "money"),
            Column("Score", "score", "score"), Column("P", "p", "percent"),
            Column("Day", "day", "date"), Column("At", "at", "datetime")]
    at = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)
    data, _ = save(cols, [{"rank": 1, "cost": 41_000_000, "score": 7.25, "p": 0.5,
                           "day": date(2025, 3, 1), "at": at}])
    ws = read(data)
    assert [c.number_format for c in ws[2]] == [
        "0", MONEY_FORMAT, "0.00", "0.0%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"]
    assert ws["A2"].value == 1 and ws["B2"].value == 41_000_000
    assert ws["F2"].value == datetime(2025, 3, 1, 12, 30)     # shown in Asia/Tashkent (UTC+5)
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b


def test_nan_score_is_left_empty():
    data, _ = save([Column("Score", "s", "score")], [{"s": float("nan")}, {"s": 2}])
    ws = read(data)
    assert ws["A2"].value is None and ws["A3"].value == 2


@pytest.mark.parametrize("bad", [1.5, 1e9, True, "100", Decimal(2)])
def test_money_must_be_whole_soums(bad):
    with pytest.raises(ExportError, match="whole soums"):
        save([Column("Cost", "c", "money")], [{"c": bad}])


def test_a_failed_export_leaves_no_temporary_files_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [{"c": n} for n in range(300)] + [{"c": 0.5}]
    out = io.BytesIO()
    with pytest.raises(ExportError), streaming_workbook(out) as wb:
        write_sheet(wb, "First", [Column("C", "c", "money")], [{"c": 1}])
        write_sheet(wb, "Second", [Column("C", "c", "money")], rows)
        assert list(tmp_path.iterdir())     # the rows went to temporary files while it ran
    assert list(tmp_path.iterdir()) == []
    assert out.getvalue() == b""


def test_frozen_header_autofilter_and_print_setup():
    cols = [Column("A", "a"), Column("B", "b", "int"), Column("C", "c")]
    data, info = save(cols, ({"a": "x", "b": n, "c": "y"} for n in range(10)),
                      page_title="Season 2025 & more")
    ws = read(data)
    assert (info.first_row, info.last_row, info.rows) == (2, 11, 10)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C11"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0   # absent means 1 in OOXML
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddHeader.center.text == "Season 2025 && more"


def test_empty_sheet_still_has_header_and_filter():
    data, info = save([Column("A", "a"), Column("B", "b")], [])
    ws = read(data)
    assert info.rows == 0 and ws.auto_filter.ref == "A1:B1"
    assert [c.value for c in ws[1]] == ["A", "B"]


def test_widths_declared_or_fitted_from_a_bounded_sample():
    cols = [Column("Name", "name"), Column("Fixed", "f", width=33),
            Column("Cost", "cost", "money")]
    rows = [{"name": "x" * 20, "f": "a", "cost": 15_000_000_000}] * 3 + [{"name": "y" * 50}]
    data, _ = save(cols, rows, sample_rows=3)
    ws = read(data)
    # Stored as Excel stores a width of N characters: N plus the cell padding (5 px of a 7 px digit)
    padded = {"A": 22, "B": 33, "C": len("15,000,000,000 UZS") + 2}   # A: 20 characters + 2, not 52
    assert {letter: round(ws.column_dimensions[letter].width - 5 / 7, 2) for letter in padded} == padded
    assert ws["A5"].value == "y" * 50                 # rows past the sample are written


def test_sequence_rows_and_illegal_characters():
    data, _ = save([Column("A"), Column("B", kind="int")], [("bad\x00\x07char", 3)])
    ws = read(data)
    assert ws["A2"].value == "bad\ufffd\ufffdchar" and ws["B2"].value == 3


def test_rows_stream_in_bounded_memory():
    cols = [Column("Contest", "contest"), Column("Rank", "rank", "int"),
            Column("Entry", "entry"), Column("Score", "score", "score")]

    def rows(n):
        for i in range(n):
            yield {"contest": "The Best Idea", "rank": i, "entry": f"E-{i:06d}", "score": i / 7}

    peaks = []
    for n in (200, 2_000):
        tracemalloc.start()
        save(cols, rows(n))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # ten times the rows; the only growth allowed is the finished file held as bytes
    assert peaks[1] < peaks[0] + 1_000_000, peaks


def test_header_text_is_safe_too():
    data, _ = save([Column("=cmd|' /C calc'!A0", "a")], [])
    ws = read(data)
    assert ws["A1"].data_type == "s" and ws["A1"].value == "=cmd|' /C calc'!A0"
    assert not re.search(r"<f>", sheet_xml(data))
