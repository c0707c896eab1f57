"""Two organizers in two browsers edit the same criterion: the second's save, made from the page
they opened before the first saved, is refused with what changed beside what they typed, and
their second click saves it."""
from __future__ import annotations

import pytest

from contest.models import Role
from tests.e2e.conftest import person


@pytest.fixture
def live_server_setup():
    def two_organizers(season):
        person("org1@example.uz", Role.ORGANIZER, "Karimova Dilnoza")
        person("org2@example.uz", Role.ORGANIZER, "Tursunov Bobur")
    return two_organizers


def test_the_second_organizer_sees_what_changed_and_saves_again(live_server, browse):
    first, second = browse("org1@example.uz"), browse("org2@example.uz")
    for page in (first, second):
        page.goto(live_server + "/organizer/criteria/1")  # Novelty, of The Best Idea
        page.get_by_label("Weight").wait_for()

    first.get_by_label("Weight").fill("0.5")
    first.get_by_role("button", name="Save criterion").click()
    first.get_by_text("Rubric saved.").wait_for()

    second.get_by_label("Weight").fill("0.4")
    second.get_by_label("Criterion in English").fill("Originality")
    second.get_by_role("button", name="Save criterion").click()
    box = second.locator(".stale-changes")
    box.wait_for()
    assert "Someone else saved this since you opened it" in box.inner_text()
    cells = [cell.inner_text() for cell in box.locator("tbody td").all()]
    assert cells == ["Weight", "0.500", "0.4"]
    assert second.get_by_label("Weight").input_value() == "0.4"                    # what they typed is kept
    assert second.get_by_label("Criterion in English").input_value() == "Originality"

    second.get_by_role("button", name="Save criterion").click()
    second.get_by_text("Rubric saved.").wait_for()
    assert second.locator(".stale-changes").count() == 0
    second.goto(live_server + "/organizer/criteria/1")
    assert (second.get_by_label("Weight").input_value(), second.get_by_label("Criterion in English").input_value()) \
        == ("0.400", "Originality")
