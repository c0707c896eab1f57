"""The season workbook from the database: winners, internships, budget formulas, rankings, scores."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl

from contest.extensions import db
from contest.models import (
    Assignment,
    ContestJudge,
    InternshipCountry,
    InternshipPreference,
    Mark,
    Role,
    SheetStatus,
)
from contest.services import prizes as prize_service
from tests.test_prizes import organizer, season_with_winners  # noqa: F401  (fixtures)


def _choose(season, person, codes):
    for position, code in enumerate(codes):
        country = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == code))
        db.session.add(InternshipPreference(season_id=season.id, person=person, country=country, position=position))
    db.session.commit()


def _marks(season, entries, judges):
    contest = season.contests[0]
    for judge in judges:
        db.session.add(ContestJudge(contest=contest, judge=judge))
    for entry in entries[:2]:
        for judge in judges:
            sheet = Assignment(judge=judge, entry=entry, status=SheetStatus.SUBMITTED)
            for criterion in contest.criteria:
                sheet.marks.append(Mark(criterion=criterion, value=Decimal(7)))
            db.session.add(sheet)
    db.session.commit()


def test_the_workbook_download_has_every_sheet_filled_from_the_database(client, login, organizer,  # noqa: F811
                                                                        season_with_winners, make_user):  # noqa: F811
    season, people, idea_entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    _choose(season, f"u{people['idea1'].id}", ["JP"])
    _choose(season, f"u{people['proj1'].id}", ["DE", "TR"])
    judges = [make_user(Role.JUDGE, full_name=f"Secret Judge {n}") for n in range(2)]
    _marks(season, idea_entries, judges)
    login(organizer)
    response = client.get(f"/prizes/seasons/{season.id}/workbook")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"season-{season.year}-prizes.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Winners", "Internships", "Budget", "Rankings", "Scores"]

    winners = [[c.value for c in row] for row in wb["Winners"].iter_rows(min_row=2)]
    cars = [r for r in winners if r[8] and str(r[8]).startswith("Electric car")]
    assert [r[1] for r in cars] == ["Winner idea1", "Named One", "Named Two", "Winner proj1", "Winner inv1"]
    assert [r[10] for r in cars] == [450_000_000, None, None, 450_000_000, 450_000_000]  # one car per entry
    japan = next(r for r in winners if r[1] == "Winner idea1" and r[9] == "Japan")
    assert japan[10] == 210_000_000 and type(japan[10]) is int and japan[0] == 1 and japan[5] == "The Best Idea"
    germany = next(r for r in winners if r[1] == "Winner proj1" and r[9] == "Germany")
    assert germany[10] == 180_000_000
    assert any(r[8] == "Internship abroad: not funded" for r in winners)  # no preferences given

    internships = {r[0].value: [c.value for c in r] for r in wb["Internships"].iter_rows(min_row=2) if r[0].value}
    assert internships["Japan"][1:4] == [2, 1, 210_000_000] and internships["Germany"][2] == 1
    assert internships["Total"][2] == "=SUM(C2:C9)"

    budget = [[c.value for c in row] for row in wb["Budget"].iter_rows(min_row=2)]
    labels = [r[0] for r in budget]
    assert labels[-3:] == ["Total spent", "Budget", "Remaining"]
    n = len(budget) - 3
    assert budget[-3][1] == f"=SUM(B2:B{n + 1})" and budget[-2][1] == 15_000_000_000
    assert budget[-1][1] == f"=B{n + 3}-B{n + 2}"
    assert sum(r[1] for r in budget[:n]) == 3 * 450_000_000 + 210_000_000 + 180_000_000

    rankings = [[c.value for c in row] for row in wb["Rankings"].iter_rows(min_row=2)]
    assert len(rankings) == 10 and rankings[0][0] == "The Best Idea" and rankings[0][1] == 1
    assert rankings[0][2].endswith("Team")

    scores = [[c.value for c in row] for row in wb["Scores"].iter_rows(min_row=2)]
    assert len(scores) == 2 * 2 * 4 and {r[1] for r in scores} == {"J-001", "J-002"}
    text = "".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert "Secret Judge" not in text


def test_the_workbook_follows_the_committed_allocation(client, login, organizer, season_with_winners):  # noqa: F811
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    _choose(season, f"u{people['idea1'].id}", ["IT"])
    login(organizer)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    italy = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "IT"))
    italy.cost = 1  # changed after the commit: the published list does not move
    db.session.commit()
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/prizes/seasons/{season.id}/workbook").data))
    row = next(r for r in wb["Winners"].iter_rows(min_row=2, values_only=True) if r[9] == "Italy")
    assert row[1] == "Winner idea1" and row[10] == 160_000_000


def test_the_workbook_names_default_countries_in_the_readers_language(client, login, organizer,  # noqa: F811
                                                                      season_with_winners):  # noqa: F811
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    _choose(season, f"u{people['idea1'].id}", ["JP"])
    login(organizer)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    client.post("/auth/language/ru")
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/prizes/seasons/{season.id}/workbook").data))
    row = next(r for r in wb["Победители"].iter_rows(min_row=2, values_only=True) if r[1] == "Winner idea1" and r[9])
    assert row[9] == "Япония" and row[10] == 210_000_000
    internships = [r[0] for r in wb["Стажировки"].iter_rows(min_row=2, values_only=True)]
    assert "Южная Корея" in internships and "Japan" not in internships
    labels = [r[0] for r in wb["Бюджет"].iter_rows(min_row=2, values_only=True)]
    assert any(label and "Япония" in label for label in labels)
