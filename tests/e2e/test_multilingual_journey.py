"""An organizer words a field and a criterion in three languages, reads them back in Russian, and
downloads the season workbook in Uzbek from the select beside the button, from the page of the job
that prepared it."""
from __future__ import annotations

import io

import openpyxl
import pytest

from contest.models import Role
from tests.e2e.conftest import person, sign_in


@pytest.fixture
def live_server_setup():
    def setup(season):
        person("org@example.uz", Role.ORGANIZER, "Organizer Karimova")

    return setup


def test_an_organizer_words_the_rubric_in_three_languages_and_downloads_an_uzbek_workbook(live_server, page):
    sign_in(page, live_server, "org@example.uz")
    page.goto(live_server + "/organizer/")
    page.get_by_role("link", name="Window, fields, rubric").first.click()

    fields = page.get_by_label("Engineering fields, one per line")
    assert fields.input_value().splitlines() == ["Energy", "IT and software"]
    fields.fill("Energy | Энергетика\nIT and software")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "saved" in page.locator(".flash").first.inner_text()

    page.get_by_label("Criterion (in Uzbek)").fill("Taqdimot")
    page.get_by_label("Criterion in Russian").fill("Презентация")
    page.get_by_label("Criterion in English").fill("Presentation")
    page.get_by_label("What judges should look for, in Russian").fill("Ясность изложения")
    page.get_by_label("Weight").fill("0.1")
    page.get_by_role("button", name="Save criterion").click()
    assert page.get_by_role("cell", name="Presentation").count() == 1

    page.get_by_role("button", name="Русский").click()
    rubric = page.locator("table").first.inner_text()
    assert "Презентация" in rubric and "Ясность изложения" in rubric and "Новизна" in rubric

    page.goto(live_server + "/prizes/")  # the current season's budget page
    assert page.get_by_label("Язык файла Excel").input_value() == "ru"
    page.get_by_label("Язык файла Excel").select_option("uz")
    page.get_by_role("button", name="Подготовить").click()   # a background job builds it
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.sheetnames == ["Gʻoliblar", "Stajirovkalar", "Byudjet", "Reytinglar", "Baholar"]
