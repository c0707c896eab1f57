"""The season workbook: sheets, values, live formulas, formats, safety."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from contest.excel import ExportError, SeasonExport, build_season_workbook
from contest.excel.sheet import MONEY_FORMAT


def make_season(**overrides):
    data = {
        "title": "Season 2025",
        "budget": 15_000_000_000,
        "winners": [
            {"rank": 1, "person": "Dilnoza Karimova", "category": "student",
             "organization": "TUIT", "region": "Toshkent", "contest": "The Best Idea",
             "entry": "=HYPERLINK(\"http://x\")", "score": 91.25, "prize": "electric car",
             "country": None, "cost": 450_000_000},
            {"rank": 2, "person": "+998901234567", "category": "young specialist",
             "organization": "-5", "region": "@SUM(A1)", "contest": "The Best Project",
             "entry": "Solar dryer", "score": 88.5, "prize": "internship",
             "country": "Japan", "cost": 120_000_000},
        ],
        "internships": [
            {"country": "Japan", "places": 2, "persons": 1, "cost_per_person": 120_000_000},
            {"country": "Germany", "places": 3, "persons": 3, "cost_per_person": 95_000_000},
        ],
        "budget_lines": [
            {"label": "Electric cars (3)", "amount": 1_350_000_000},
            {"label": "Internships abroad", "amount": 405_000_000},
        ],
        "rankings": ({"contest": "The Best Idea", "rank": r, "entry": f"Entry {r}",
                   "score": 90 - r / 3, "score_low": 88 - r / 3, "score_high": 92 - r / 3,
                   "p_top": 1 / r, "judges": 5} for r in range(1, 51)),
        "scores": ({"entry": f"Entry {r}", "judge": f"J-{j:03d}", "criterion": "novelty",
                 "value": 7.5, "round": 1} for r in range(1, 11) for j in range(1, 4)),
    }
    data.update(overrides)
    return data


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_sheets_in_order_with_headers():
    wb = load(build_season_workbook(make_season()))
    assert wb.sheetnames == ["Winners", "Internships", "Budget", "Rankings", "Scores"]
    assert [c.value for c in wb["Winners"][1]] == [
        "Rank", "Person", "Category", "Organization", "Region", "Contest", "Entry", "Score",
        "Prize", "Country", "Cost"]
    assert [c.value for c in wb["Scores"][1]] == ["Entry", "Judge", "Criterion", "Value", "Round"]
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape"
        assert ws.oddHeader.center.text.startswith("Season 2025: ")


def test_winners_values_formats_and_safe_text():
    ws = load(build_season_workbook(make_season()))["Winners"]
    assert ws.auto_filter.ref == "A1:K3"
    assert ws["A2"].value == 1 and ws["A2"].number_format == "0"
    assert ws["H2"].value == 91.25 and ws["H2"].number_format == "0.00"
    assert ws["K2"].value == 450_000_000 and ws["K2"].number_format == MONEY_FORMAT
    typed = {"G2": "=HYPERLINK(\"http://x\")", "B3": "+998901234567", "D3": "-5",
             "E3": "@SUM(A1)"}
    for ref, value in typed.items():
        assert ws[ref].value == value and ws[ref].data_type == "s", ref
    assert ws["J2"].value is None


def test_internships_totals_are_live_sums():
    ws = load(build_season_workbook(make_season()))["Internships"]
    assert ws["E2"].value == 120_000_000 and ws["E3"].value == 285_000_000
    assert ws.auto_filter.ref == "A1:E3"
    assert ws["A4"].value == "Total" and ws["A4"].font.b
    assert ws["B4"].value == "=SUM(B2:B3)" and ws["B4"].data_type == "f"
    assert ws["C4"].value == "=SUM(C2:C3)"
    assert ws["E4"].value == "=SUM(E2:E3)" and ws["E4"].number_format == MONEY_FORMAT


def test_budget_sheet_formulas():
    ws = load(build_season_workbook(make_season()))["Budget"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows == [
        ["Line", "Amount"],
        ["Electric cars (3)", 1_350_000_000],
        ["Internships abroad", 405_000_000],
        ["Total spent", "=SUM(B2:B3)"],
        ["Budget", 15_000_000_000],
        ["Remaining", "=B5-B4"],
    ]
    assert ws.auto_filter.ref == "A1:B3"        # sorting lines never moves the totals
    for ref in ("B2", "B4", "B5", "B6"):
        assert ws[ref].number_format == MONEY_FORMAT
    assert ws["B4"].data_type == "f" and ws["B6"].data_type == "f"
    assert ws["B5"].data_type == "n"


def test_budget_with_no_lines():
    ws = load(build_season_workbook(make_season(budget_lines=[])))["Budget"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Line", "Amount"], ["Total spent", 0], ["Budget", 15_000_000_000],
        ["Remaining", "=B3-B2"]]


def test_rankings_and_scores_stream_from_generators():
    wb = load(build_season_workbook(make_season()))
    rankings, scores = wb["Rankings"], wb["Scores"]
    assert rankings.max_row == 51 and rankings.auto_filter.ref == "A1:H51"
    assert rankings["G2"].value == 1 and rankings["G2"].number_format == "0.0%"
    assert rankings["E3"].number_format == "0.00"
    assert scores.max_row == 31
    assert scores["B2"].value == "J-001" and scores["E2"].value == 1


def test_writes_to_a_file_object_and_accepts_the_dataclass():
    out = io.BytesIO()
    assert build_season_workbook(SeasonExport(**make_season()), out) is None
    assert zipfile.is_zipfile(io.BytesIO(out.getvalue()))


def test_no_formula_except_the_totals():
    data = build_season_workbook(make_season())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        formulas = {name: z.read(name).decode().count("<f>")
                    for name in z.namelist() if name.startswith("xl/worksheets/sheet")}
    assert sorted(formulas.values()) == [0, 0, 0, 2, 3]     # Budget: 2, Internships: 3


@pytest.mark.parametrize("change", [
    {"budget": 1.5e10},
    {"budget_lines": [{"label": "Cars", "amount": 1_350_000_000.0}]},
    {"internships": [{"country": "Japan", "places": 2, "persons": 1,
                      "cost_per_person": 1.2e8}]},
])
def test_money_must_be_whole_soums(change):
    with pytest.raises(ExportError, match="whole soums"):
        build_season_workbook(make_season(**change))
