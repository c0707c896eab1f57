"""The season workbook is downloaded in the organizer's language, or in one chosen beside the button."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from contest.extensions import db
from contest.models import Assignment, Entry, Mark, Role, SheetStatus
from tests.test_prizes import organizer, season_with_winners  # noqa: F401  (fixtures)


def _one_sheet_of_marks(season, judge) -> None:
    contest = season.contests[0]
    entry = db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id).order_by(Entry.id)).first()
    sheet = Assignment(judge=judge, entry=entry, status=SheetStatus.SUBMITTED)
    sheet.marks.extend(Mark(criterion=c, value=Decimal(7)) for c in contest.criteria)
    db.session.add(sheet)
    db.session.commit()


@pytest.mark.parametrize("reader, chosen, sheets, headers, criterion", [
    ("en", None, ["Winners", "Internships", "Budget", "Rankings", "Scores"], "Criterion", "Novelty"),
    ("ru", None, ["Победители", "Стажировки", "Бюджет", "Рейтинги", "Оценки"], "Критерий", "Новизна"),
    ("en", "uz", ["Gʻoliblar", "Stajirovkalar", "Byudjet", "Reytinglar", "Baholar"], "Mezon", "Yangilik"),
    ("uz", "ru", ["Победители", "Стажировки", "Бюджет", "Рейтинги", "Оценки"], "Критерий", "Новизна"),
    ("ru", "xx", ["Победители", "Стажировки", "Бюджет", "Рейтинги", "Оценки"], "Критерий", "Новизна"),
])
def test_the_workbook_is_in_the_readers_or_the_chosen_language(client, login, organizer, season_with_winners,  # noqa: F811
                                                              make_user, reader, chosen, sheets, headers, criterion):
    season, _people, _entries = season_with_winners
    _one_sheet_of_marks(season, make_user(Role.JUDGE))
    login(organizer)
    client.post(f"/auth/language/{reader}")
    query = f"?lang={chosen}" if chosen else ""
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/prizes/seasons/{season.id}/workbook{query}").data))
    assert wb.sheetnames == sheets
    scores = wb[sheets[4]]
    assert scores["C1"].value == headers and scores["C2"].value == criterion


def test_the_budget_page_offers_the_three_languages_with_the_readers_selected(client, login, organizer,  # noqa: F811
                                                                             season_with_winners):  # noqa: F811
    season, _people, _entries = season_with_winners
    login(organizer)
    client.post("/auth/language/ru")
    html = client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    assert f'action="/prizes/seasons/{season.id}/workbook"' in html and 'name="lang"' in html
    assert '<option value="ru" selected>Русский</option>' in html
    assert '<option value="uz">' in html and '<option value="en">' in html


def test_prize_names_follow_the_workbook_language_not_the_readers(client, login, organizer,  # noqa: F811
                                                                   season_with_winners):  # noqa: F811
    season, _people, _entries = season_with_winners
    login(organizer)
    client.post("/auth/language/en")
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/prizes/seasons/{season.id}/workbook?lang=ru").data))
    words = " ".join(str(cell.value) for sheet in wb for row in sheet.iter_rows() for cell in row if cell.value)
    assert "Электромобиль: первое место" in words and "Electric car" not in words
