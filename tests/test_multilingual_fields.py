"""Fields and criteria are worded in Uzbek, Russian and English, and each reader sees their own."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import (
    Assignment, Contest, ContestJudge, Criterion, Entry, EntryAuthor, EntryStatus, JudgeExpertise, Mark, Role,
    ScoringRound, SheetStatus, utcnow,
)
from contest.services import judge_assignment
from contest.services.seasons import FieldNames

ENERGY = FieldNames("Energetika", "Энергетика", "Energy")
WATER = FieldNames("Suv xoʻjaligi")  # no Russian or English name: every reader sees the Uzbek one


def test_a_new_season_has_the_default_rubric_in_three_languages(make_season):
    criteria = make_season().contests[0].criteria
    first = criteria[0]
    assert (first.name, first.name_ru, first.name_en) == ("Yangilik", "Новизна", "Novelty")
    assert first.description_en == "How new the idea is compared with what exists."
    for criterion in criteria:
        names = {criterion.name, criterion.name_ru, criterion.name_en}
        descriptions = {criterion.description, criterion.description_ru, criterion.description_en}
        assert len(names) == 3 and len(descriptions) == 3 and "" not in names | descriptions


def test_a_name_falls_back_to_the_uzbek_one(app):
    criterion = Criterion(name="Yangilik", name_ru="Новизна", name_en="", description="Tavsif")
    assert criterion.in_language("name", "ru") == "Новизна"
    assert criterion.in_language("name", "en") == "Yangilik"
    assert criterion.in_language("name", "uz") == "Yangilik"
    assert criterion.in_language("description", "ru") == "Tavsif"
    assert criterion.all_names == ["Yangilik", "Новизна"]


def test_fields_are_typed_in_three_languages_and_kept_on_error(client, organizer, make_season):
    contest = make_season(fields=()).contests[0]
    typed = "Energetika | Энергетика | Energy\nSuv xoʻjaligi\n"
    response = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-01T00:00", "closes_at": "2026-03-31T23:59", "max_entries_per_author": "2",
        "fields": typed})
    assert response.status_code == 302
    fields = {f.name: f for f in db.session.get(Contest, contest.id).fields}
    assert (fields["Energetika"].name_ru, fields["Energetika"].name_en) == ("Энергетика", "Energy")
    assert (fields["Suv xoʻjaligi"].name_ru, fields["Suv xoʻjaligi"].name_en) == ("", "")
    page = client.get(f"/organizer/contests/{contest.id}").get_data(as_text=True)
    assert "Energetika | Энергетика | Energy\nSuv xoʻjaligi" in page

    refused = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-31T00:00", "closes_at": "2026-03-01T00:00", "max_entries_per_author": "2",
        "fields": "Energetika | Энергетика | Power\nIssiqlik | Тепло"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Energetika | Энергетика | Power\nIssiqlik | Тепло" in html

    energy_id = fields["Energetika"].id
    client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-01T00:00", "closes_at": "2026-03-31T23:59", "max_entries_per_author": "2",
        "fields": "Energetika | Энергетика\nSuv xoʻjaligi | | Water"})
    fields = {f.name: f for f in db.session.get(Contest, contest.id).fields}
    assert fields["Energetika"].id == energy_id  # the same field, its English name cleared
    assert (fields["Energetika"].name_ru, fields["Energetika"].name_en) == ("Энергетика", "")
    assert (fields["Suv xoʻjaligi"].name_ru, fields["Suv xoʻjaligi"].name_en) == ("", "Water")


@pytest.mark.parametrize("line, message", [
    ("Energetika | Энергетика | Energy | Energie", "has more than three names"),
    (" | Энергетика | Energy", "has no Uzbek name"),
    ("Energetika | " + "Э" * 121, "is longer than 120 characters"),
])
def test_a_field_line_that_cannot_be_stored_is_explained_and_kept(client, organizer, make_season, line, message):
    contest = make_season(fields=()).contests[0]
    typed = f"Suv xoʻjaligi\n{line}"
    response = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-01T00:00", "closes_at": "2026-03-31T23:59", "max_entries_per_author": "2",
        "fields": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and typed in html
    assert db.session.get(Contest, contest.id).fields == []


def test_a_new_season_explains_a_bad_field_line_beside_the_fields(client, organizer):
    response = client.post("/organizer/seasons/new", data={
        "year": "2027", "budget": "15 000 000 000", "opens_at": "2027-02-01T09:00", "closes_at": "2027-04-30T18:00",
        "fields": "Energetika | Энергетика | Energy | Energie"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Energetika | Энергетика | Energy | Energie</textarea>" in html
    fields_block = html[html.index('name="fields"'):]
    assert "has more than three names" in fields_block[:fields_block.index("</div>")]


def test_a_criterion_is_edited_in_three_languages_and_kept_on_error(client, organizer, make_season):
    contest = make_season().contests[0]
    wording = {"name": "Taqdimot", "name_ru": "Презентация", "name_en": "Presentation",
               "description": "Aniqlik", "description_ru": "Ясность", "description_en": "Clarity"}
    client.post(f"/organizer/contests/{contest.id}/criteria/new",
                data={**wording, "weight": "0.1", "scale_min": "0", "scale_max": "5"})
    criterion = db.session.scalars(db.select(Criterion).where(Criterion.name == "Taqdimot")).one()
    assert {key: getattr(criterion, key) for key in wording} == wording

    refused = client.post(f"/organizer/criteria/{criterion.id}", data={
        **wording, "name_ru": "Подача", "weight": "0.1", "scale_min": "5", "scale_max": "5"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "top of the scale" in html and 'value="Подача"' in html
    assert db.session.get(Criterion, criterion.id).name_ru == "Презентация"

    missing = client.post(f"/organizer/criteria/{criterion.id}", data={
        **wording, "name": "", "name_en": "Pitch", "weight": "0.1", "scale_min": "0", "scale_max": "5"})
    assert missing.status_code == 422 and 'value="Pitch"' in missing.get_data(as_text=True)


@pytest.fixture
def judged(make_season, make_user):
    """An entry filed under Energy, a judge on it with an open round, and one submitted sheet."""
    contest = make_season(fields=(ENERGY, WATER)).contests[0]
    author = make_user(full_name="Aziz Karimov")
    entry = Entry(contest=contest, lead_author=author, status=EntryStatus.SUBMITTED,
                  field=next(f for f in contest.fields if f.name == "Energetika"), submitted_at=utcnow())
    entry.set_title("Quyosh panelli suv nasosi")
    entry.authors.append(EntryAuthor.from_user(author, 0))
    judge = make_user(Role.JUDGE, full_name="Hakam Saidov")
    sheet = Assignment(judge=judge, entry=entry, status=SheetStatus.SUBMITTED, submitted_at=utcnow())
    sheet.marks.extend(Mark(criterion=c, value=Decimal("7"), comment="Yaxshi") for c in contest.criteria)
    now = utcnow()
    db.session.add_all([entry, sheet, ContestJudge(contest=contest, judge=judge),
                        ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=1),
                                     closes_at=now + timedelta(days=5))])
    db.session.commit()
    return contest, entry, judge, sheet


READERS = [("uz", "Energetika", "Yangilik", "Energy"), ("ru", "Энергетика", "Новизна", "Energetika"),
           ("en", "Energy", "Novelty", "Энергетика")]


@pytest.mark.parametrize("lang, field, criterion, foreign", READERS)
def test_the_judge_sees_the_field_and_rubric_in_their_language(client, login, judged, lang, field, criterion,
                                                              foreign):
    _contest, _entry, judge, sheet = judged
    login(judge)
    client.post(f"/auth/language/{lang}")
    for html in (client.get("/judging/").get_data(as_text=True),
                 client.get(f"/judging/assignments/{sheet.id}").get_data(as_text=True)):
        assert field in html and foreign not in html
    html = client.get(f"/judging/assignments/{sheet.id}").get_data(as_text=True)
    assert f"<legend>{criterion}</legend>" in html


@pytest.mark.parametrize("lang, field, criterion, foreign", READERS)
def test_the_organizer_sees_fields_and_criteria_in_their_language(client, organizer, judged, lang, field, criterion,
                                                                 foreign):
    contest, entry, _judge, _sheet = judged
    client.post(f"/auth/language/{lang}")
    entries = client.get("/organizer/entries").get_data(as_text=True)
    assert f"<td>{field}</td>" in entries and foreign not in entries
    assert "Suv xoʻjaligi (" in entries  # the filter offers the field without translations by its Uzbek name
    breakdown = client.get(f"/results/contests/{contest.id}/entries/{entry.id}").get_data(as_text=True)
    assert f"<th>{criterion}</th>" in breakdown
    rubric = client.get(f"/organizer/contests/{contest.id}").get_data(as_text=True)
    assert f"<strong>{criterion}</strong>" in rubric


@pytest.mark.parametrize("lang, field, _criterion, foreign", READERS)
def test_the_participant_chooses_a_field_in_their_language(client, login, judged, make_user, lang, field,
                                                           _criterion, foreign):
    contest, entry, _judge, _sheet = judged
    login(entry.lead_author)
    client.post(f"/auth/language/{lang}")
    form = client.get(f"/entries/new/{contest.id}").get_data(as_text=True)
    assert f">{field}</option>" in form and ">Suv xoʻjaligi</option>" in form and foreign not in form
    assert field in client.get(f"/entries/{entry.id}").get_data(as_text=True)


def test_expertise_matches_a_field_by_any_of_its_names(judged, make_user):
    contest, _entry, judge, _sheet = judged
    other = make_user(Role.JUDGE)
    judge.expertise.extend([JudgeExpertise(field="energy", level=3), JudgeExpertise(field="Энергетика", level=1)])
    other.expertise.append(JudgeExpertise(field="Suv xoʻjaligi", level=2))
    db.session.add(ContestJudge(contest=contest, judge=other))
    db.session.flush()
    judges = {row.id: row.fields for row in judge_assignment.build_problem(contest).judges}
    assert judges[judge.id] == {"Energetika": 3}
    assert judges[other.id] == {"Suv xoʻjaligi": 2}


@pytest.mark.parametrize("lang, order", [("uz", ["Axborot texnologiyalari", "Energetika"]),
                                         ("ru", ["Информационные технологии", "Энергетика"]),
                                         ("en", ["Energy", "IT"])])
def test_fields_are_offered_in_the_alphabetical_order_of_the_readers_language(client, login, make_season, make_user,
                                                                              lang, order):
    fields = (FieldNames("Energetika", "Энергетика", "Energy"),
              FieldNames("Axborot texnologiyalari", "Информационные технологии", "IT"))
    contest = make_season(fields=fields).contests[0]
    login(make_user())
    client.post(f"/auth/language/{lang}")
    form = client.get(f"/entries/new/{contest.id}").get_data(as_text=True)
    assert form.index(f">{order[0]}</option>") < form.index(f">{order[1]}</option>")
