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

Sheet names, headers, print titles and total labels are written in English through the
``translate`` function given to :func:`build_season_workbook` (a gettext in the organizer's
language, say); the row values arrive already in the language wanted.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from contest.excel.sheet import (
    Column,
    ExportError,
    Formula,
    streaming_workbook,
    workbook_bytes,
    write_sheet,
)


def N_(text: str) -> str:
    """Marks a word for the catalogs; it is translated when a workbook is written."""
    return text


WINNERS = [
    Column(N_("Rank"), "rank", "int"),
    Column(N_("Person"), "person"),
    Column(N_("Category"), "category"),
    Column(N_("Organization"), "organization"),
    Column(N_("Region"), "region"),
    Column(N_("Contest"), "contest"),
    Column(N_("Entry"), "entry"),
    Column(N_("Score"), "score", "score"),
    Column(N_("Prize"), "prize"),
    Column(N_("Country"), "country"),
    Column(N_("Cost"), "cost", "money"),
]
INTERNSHIPS = [
    Column(N_("Country"), "country"),
    Column(N_("Places"), "places", "int"),
    Column(N_("Persons"), "persons", "int"),
    Column(N_("Cost per person"), "cost_per_person", "money"),
    Column(N_("Total"), "total", "money"),
]
BUDGET = [
    Column(N_("Line"), "label", width=40),
    Column(N_("Amount"), "amount", "money", width=24),
]
RANKINGS = [
    Column(N_("Contest"), "contest"),
    Column(N_("Rank"), "rank", "int"),
    Column(N_("Entry"), "entry"),
    Column(N_("Score"), "score", "score"),
    Column(N_("Score low"), "score_low", "score"),
    Column(N_("Score high"), "score_high", "score"),
    Column(N_("P(top)"), "p_top", "percent"),
    Column(N_("Judges"), "judges", "int"),
]
SCORES = [
    Column(N_("Entry"), "entry"),
    Column(N_("Judge"), "judge"),
    Column(N_("Criterion"), "criterion"),
    Column(N_("Value"), "value", "score"),
    Column(N_("Round"), "round", "int"),
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


def build_season_workbook(data: SeasonExport | Mapping, out: BinaryIO | None = None,
                          translate: Callable[[str], str] = N_) -> bytes | None:
    """Write the season workbook to ``out`` (a binary file), or return it as bytes; its own
    words pass through ``translate`` (English when none is given)."""
    if isinstance(data, Mapping):
        data = SeasonExport(**data)
    if type(data.budget) is not int:
        raise ExportError("export_budget_not_whole", value=repr(data.budget))
    if out is None:
        return workbook_bytes(lambda wb: _write_sheets(wb, data, translate))
    with streaming_workbook(out) as wb:
        _write_sheets(wb, data, translate)
    return None


def _write_sheets(wb, data: SeasonExport, translate: Callable[[str], str]) -> None:
    """The five sheets, in the order an organizer reads them."""

    def sheet(name: str, columns: Sequence[Column], rows: Iterable, page_title: str, **options) -> None:
        write_sheet(wb, translate(name), [replace(c, header=translate(c.header)) for c in columns], rows,
                    page_title=translate(page_title) % {"title": data.title}, **options)

    sheet(N_("Winners"), WINNERS, data.winners, N_("%(title)s: winners"))

    def internship_totals(first: int, last: int, sums):
        if last < first:
            return [[translate(N_("Total")), 0, 0, None, 0]]
        return [[translate(N_("Total")), Formula(f"=SUM(B{first}:B{last})", sums[1]),
                 Formula(f"=SUM(C{first}:C{last})", sums[2]), None, Formula(f"=SUM(E{first}:E{last})", sums[4])]]

    sheet(N_("Internships"), INTERNSHIPS, _internship_rows(data.internships),
          N_("%(title)s: internships abroad"), footer=internship_totals)

    def budget_totals(first: int, last: int, sums):
        spent = last + 1
        total = Formula(f"=SUM(B{first}:B{last})", sums[1]) if last >= first else 0
        return [[translate(N_("Total spent")), total],
                [translate(N_("Budget")), data.budget],
                [translate(N_("Remaining")), Formula(f"=B{spent + 1}-B{spent}", data.budget - sums[1])]]

    sheet(N_("Budget"), BUDGET, data.budget_lines, N_("%(title)s: budget"), footer=budget_totals)
    sheet(N_("Rankings"), RANKINGS, data.rankings, N_("%(title)s: rankings"))
    sheet(N_("Scores"), SCORES, data.scores, N_("%(title)s: judges' scores"))
