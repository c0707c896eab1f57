"""The season workbook: winners, internships, budget, full rankings and judges' scores.

Pure: rows in, bytes out. The service layer fills a :class:`SeasonExport` from the database;
each row is a mapping (a dict) with the keys below, and every collection may be a generator,
so a season of any size is written in constant memory. A missing key leaves its cell empty.
Money is whole soums (``int``); a float there is an :class:`ExportError`.

``winners`` (sheet *Winners*), one row per prize winner:
    rank: int, person: str, category: str, organization: str, region: str, contest: str,
    entry: str, score: number, prize: str, country: str, cost: int (soums)
``internships`` (sheet *Internships*), one row per country:
    country: str, places: int, persons: int, cost_per_person: int (soums),
    total: int (soums; ``persons * cost_per_person`` when absent).
    A bold totals row sums places, persons and total with live formulas.
``budget_lines`` (sheet *Budget*), what is spent: label: str, amount: int (soums).
    Below them: ``Total spent = SUM(amounts)``, ``Budget`` (the season budget) and
    ``Remaining = Budget - Total spent``, all live.
``rankings`` (sheet *Rankings*), every entry of every contest:
    contest: str, rank: int, entry: str, score: number, score_low: number,
    score_high: number (the score's uncertainty interval), p_top: fraction 0..1 (shown
    as %), judges: int (number of judges who scored it)
``scores`` (sheet *Scores*), one row per mark, judges by anonymous code only:
    entry: str, judge: str (e.g. "J-017"), criterion: str, value: number, round: int
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from contest.excel.sheet import (
    Column,
    ExportError,
    Formula,
    streaming_workbook,
    write_sheet,
)

WINNERS = [
    Column("Rank", "rank", "int"),
    Column("Person", "person"),
    Column("Category", "category"),
    Column("Organization", "organization"),
    Column("Region", "region"),
    Column("Contest", "contest"),
    Column("Entry", "entry"),
    Column("Score", "score", "score"),
    Column("Prize", "prize"),
    Column("Country", "country"),
    Column("Cost", "cost", "money"),
]
INTERNSHIPS = [
    Column("Country", "country"),
    Column("Places", "places", "int"),
    Column("Persons", "persons", "int"),
    Column("Cost per person", "cost_per_person", "money"),
    Column("Total", "total", "money"),
]
BUDGET = [
    Column("Line", "label", width=40),
    Column("Amount", "amount", "money", width=24),
]
RANKINGS = [
    Column("Contest", "contest"),
    Column("Rank", "rank", "int"),
    Column("Entry", "entry"),
    Column("Score", "score", "score"),
    Column("Score low", "score_low", "score"),
    Column("Score high", "score_high", "score"),
    Column("P(top)", "p_top", "percent"),
    Column("Judges", "judges", "int"),
]
SCORES = [
    Column("Entry", "entry"),
    Column("Judge", "judge"),
    Column("Criterion", "criterion"),
    Column("Value", "value", "score"),
    Column("Round", "round", "int"),
]


@dataclass
class SeasonExport:
    """Everything the season workbook shows (row shapes: see the module docstring)."""

    title: str
    budget: int
    winners: Iterable[Mapping] = ()
    internships: Iterable[Mapping] = ()
    budget_lines: Iterable[Mapping] = ()
    rankings: Iterable[Mapping] = ()
    scores: Iterable[Mapping] = ()


def _internship_rows(rows: Iterable[Mapping]) -> Iterable[dict]:
    for row in rows:
        row = dict(row)
        if row.get("total") is None:
            persons, cost = row.get("persons"), row.get("cost_per_person")
            if type(persons) is int and type(cost) is int:
                row["total"] = persons * cost
        yield row


def build_season_workbook(data: SeasonExport | Mapping, out: BinaryIO | None = None
                          ) -> bytes | None:
    """Write the season workbook to ``out`` (a binary file), or return it as bytes."""
    if isinstance(data, Mapping):
        data = SeasonExport(**data)
    if type(data.budget) is not int:
        raise ExportError(f"the budget must be whole soums, got {data.budget!r}")
    title = data.title
    with streaming_workbook() as wb:
        _write_sheets(wb, data, title)
        if out is not None:
            wb.save(out)
            return None
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def _write_sheets(wb, data: SeasonExport, title: str) -> None:
    """The five sheets, in the order an organizer reads them."""
    write_sheet(wb, "Winners", WINNERS, data.winners, page_title=f"{title}: winners")

    def internship_totals(first: int, last: int):
        if last < first:
            return [["Total", 0, 0, None, 0]]
        return [["Total", Formula(f"=SUM(B{first}:B{last})"), Formula(f"=SUM(C{first}:C{last})"),
                 None, Formula(f"=SUM(E{first}:E{last})")]]

    write_sheet(wb, "Internships", INTERNSHIPS, _internship_rows(data.internships),
                page_title=f"{title}: internships abroad", footer=internship_totals)

    def budget_totals(first: int, last: int):
        spent = last + 1
        total = Formula(f"=SUM(B{first}:B{last})") if last >= first else 0
        return [["Total spent", total],
                ["Budget", data.budget],
                ["Remaining", Formula(f"=B{spent + 1}-B{spent}")]]

    write_sheet(wb, "Budget", BUDGET, data.budget_lines,
                page_title=f"{title}: budget", footer=budget_totals)
    write_sheet(wb, "Rankings", RANKINGS, data.rankings, page_title=f"{title}: rankings")
    write_sheet(wb, "Scores", SCORES, data.scores, page_title=f"{title}: judges' scores")
