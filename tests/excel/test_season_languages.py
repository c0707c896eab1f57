"""The season workbook's own words (sheet names, headers, print titles, totals) in uz, ru and en.

The builder is pure: it is handed a translate function, here a catalog loaded without Flask.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.support import Translations
from openpyxl import load_workbook

from contest.excel import build_season_workbook
from contest.excel.sheet import sheet_title
from tests.excel.test_libreoffice import pdf_pages
from tests.excel.test_season import make_season

CATALOGS = Path(__file__).resolve().parents[2] / "contest" / "translations"

EXPECTED = {
    "en": (["Winners", "Internships", "Budget", "Rankings", "Scores"],
           ["Entry", "Judge", "Criterion", "Value", "Round"], "Season 2025: winners",
           ["Total spent", "Budget", "Remaining"]),
    "ru": (["Победители", "Стажировки", "Бюджет", "Рейтинги", "Оценки"],
           ["Работа", "Эксперт", "Критерий", "Значение", "Тур"], "Season 2025: победители",
           ["Всего израсходовано", "Бюджет", "Остаток"]),
    "uz": (["Gʻoliblar", "Stajirovkalar", "Byudjet", "Reytinglar", "Baholar"],
           ["Ish", "Ekspert", "Mezon", "Qiymat", "Bosqich"], "Season 2025: gʻoliblar",
           ["Jami sarflangan", "Byudjet", "Qoldiq"]),
}


def translate(language: str):
    return Translations.load(str(CATALOGS), [language]).gettext


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_workbook_speaks_the_language_it_is_given(language):
    sheets, score_headers, winners_title, budget_labels = EXPECTED[language]
    wb = load_workbook(io.BytesIO(build_season_workbook(make_season(), translate=translate(language))))
    assert wb.sheetnames == sheets
    assert [c.value for c in wb[sheets[4]][1]] == score_headers
    assert wb[sheets[0]].oddHeader.center.text == winners_title
    assert [r[0].value for r in wb[sheets[2]].iter_rows(min_row=2)][-3:] == budget_labels
    assert wb[sheets[2]]["B4"].value == "=SUM(B2:B3)"  # the formulas do not depend on the language
    for ws in wb:
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"


def test_without_a_translation_the_words_are_english():
    assert load_workbook(io.BytesIO(build_season_workbook(make_season()))).sheetnames == EXPECTED["en"][0]


def test_any_translation_makes_a_sheet_name_excel_accepts():
    def wordy(text: str) -> str:
        return f"'[Итоги]: {text} / очень длинное название листа?*\\'"

    wb = load_workbook(io.BytesIO(build_season_workbook(make_season(), translate=wordy)))
    for name in wb.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\") and name[0] != "'" and name[-1] != "'"
    assert sheet_title("Gʻoliblar: 2026/27") == "Gʻoliblar  2026 27"


def test_a_russian_workbook_prints_in_libreoffice_with_its_titles_and_totals(tmp_path):
    pages = pdf_pages(tmp_path, build_season_workbook(make_season(), translate=translate("ru")))
    rankings = [page for page in pages if page.startswith("Season 2025: рейтинги")]
    assert rankings and all("Конкурс Место Работа Балл" in page for page in rankings)
    text = "\n".join(pages)
    assert "Всего израсходовано" in text and "1 755 000 000 UZS" in text and "13 245 000 000 UZS" in text
