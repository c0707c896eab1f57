"""Organizers: seasons, contest windows and fields, rubrics, and the entries received."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import (
    Assignment, Category, Contest, Criterion, Entry, EntryAuthor, EntryStatus, Mark, Role, Season,
)


def test_organizer_creates_a_season_with_three_contests(client, organizer):
    response = client.post("/organizer/seasons/new", data={
        "year": "2027", "budget": "15 000 000 000", "opens_at": "2027-02-01T09:00", "closes_at": "2027-04-30T18:00",
        "fields": "Energy\nIT\n\nEnergy"})
    assert response.status_code == 302
    season = db.session.scalars(db.select(Season)).one()
    assert season.budget == 15_000_000_000 and isinstance(season.budget, int)
    assert [c.kind.value for c in season.contests] == ["idea", "project", "invention"]
    contest = season.contests[0]
    # 09:00 in Tashkent (UTC+5) is 04:00 UTC.
    assert contest.opens_at == datetime(2027, 2, 1, 4, 0, tzinfo=timezone.utc)
    assert [f.name for f in contest.fields] == ["Energy", "IT"]
    assert len(contest.criteria) == 4 and sum(c.weight for c in contest.criteria) == Decimal("1.000")
    page = client.get("/organizer/").get_data(as_text=True)
    assert "15\u00a0000\u00a0000\u00a0000\u00a0UZS" in page and "2027-02-01 09:00" in page


@pytest.mark.parametrize("budget, message", [("-5", "whole number of soums"), ("1.5e9", "whole number of soums"),
                                             ("", "This field is required")])
def test_bad_budget_is_explained_and_the_form_kept(client, organizer, budget, message):
    response = client.post("/organizer/seasons/new", data={
        "year": "2027", "budget": budget, "opens_at": "2027-02-01T09:00", "closes_at": "2027-04-30T18:00",
        "fields": "Energy"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "Energy" in html
    assert db.session.scalar(db.select(Season.id)) is None


def test_a_second_season_for_the_same_year_is_refused(client, organizer, make_season):
    make_season(2027)
    response = client.post("/organizer/seasons/new", data={
        "year": "2027", "budget": "1000", "opens_at": "2027-02-01T09:00", "closes_at": "2027-04-30T18:00"})
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_contest_window_limit_and_fields_are_edited(client, organizer, make_season):
    contest = make_season().contests[0]
    response = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-01T00:00", "closes_at": "2026-03-31T23:59", "max_entries_per_author": "3",
        "fields": "Energy\nWater"})
    assert response.status_code == 302
    contest = db.session.get(Contest, contest.id)
    assert contest.max_entries_per_author == 3 and sorted(f.name for f in contest.fields) == ["Energy", "Water"]
    assert contest.closes_at == datetime(2026, 3, 31, 18, 59, tzinfo=timezone.utc)


def test_window_must_close_after_it_opens(client, organizer, make_season):
    contest = make_season().contests[0]
    response = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-31T00:00", "closes_at": "2026-03-01T00:00", "max_entries_per_author": "3",
        "fields": "Energy"})
    assert response.status_code == 422 and "must close after it opens" in response.get_data(as_text=True)


def test_a_field_in_use_cannot_be_removed(client, organizer, make_season, make_user):
    contest = make_season().contests[0]
    _entry(contest, make_user(), field=contest.fields[0])
    response = client.post(f"/organizer/contests/{contest.id}", data={
        "opens_at": "2026-03-01T00:00", "closes_at": "2026-03-31T00:00", "max_entries_per_author": "3",
        "fields": "IT"})
    assert response.status_code == 422 and "is used by 1 entries" in response.get_data(as_text=True)


def test_rubric_criteria_are_added_edited_and_removed(client, organizer, make_season):
    contest = make_season().contests[0]
    client.post(f"/organizer/contests/{contest.id}/criteria/new", data={
        "name": "Presentation", "description": "Clarity", "weight": "0.1", "scale_min": "0", "scale_max": "5"})
    criterion = db.session.scalars(db.select(Criterion).where(Criterion.name == "Presentation")).one()
    assert (criterion.scale_min, criterion.scale_max, criterion.weight) == (0, 5, Decimal("0.100"))
    client.post(f"/organizer/criteria/{criterion.id}", data={
        "name": "Presentation", "description": "Clarity", "weight": "0.2", "scale_min": "1", "scale_max": "10"})
    assert db.session.get(Criterion, criterion.id).weight == Decimal("0.200")
    bad = client.post(f"/organizer/criteria/{criterion.id}", data={
        "name": "Presentation", "weight": "0.2", "scale_min": "5", "scale_max": "5"})
    assert bad.status_code == 422 and "top of the scale" in bad.get_data(as_text=True)
    criterion_id = criterion.id
    client.post(f"/organizer/criteria/{criterion_id}/delete")
    assert db.session.get(Criterion, criterion_id) is None


def test_rubric_is_frozen_once_scoring_has_started(client, organizer, make_season, make_user):
    contest = make_season().contests[0]
    entry = _entry(contest, make_user())
    criterion = contest.criteria[0]
    assignment = Assignment(judge=make_user(Role.JUDGE), entry=entry)
    assignment.marks.append(Mark(criterion=criterion, value=Decimal("7")))
    db.session.add(assignment)
    db.session.commit()
    response = client.post(f"/organizer/criteria/{criterion.id}", data={
        "name": "Renamed", "weight": "0.5", "scale_min": "1", "scale_max": "10"})
    assert response.status_code == 422 and "Scoring has started" in response.get_data(as_text=True)
    added = client.post(f"/organizer/contests/{contest.id}/criteria/new", data={
        "name": "New", "weight": "0.5", "scale_min": "1", "scale_max": "10"})
    assert added.status_code == 422
    client.post(f"/organizer/criteria/{criterion.id}/delete")
    assert db.session.get(Criterion, criterion.id).name_en == "Novelty" and len(contest.criteria) == 4
    assert "the rubric is frozen" in client.get(f"/organizer/contests/{contest.id}").get_data(as_text=True)


def _entry(contest, lead, *, title="Entry", field=None, status=EntryStatus.SUBMITTED, co_author=None) -> Entry:
    entry = Entry(contest=contest, lead_author=lead, field=field, status=status)
    entry.set_title(title)
    entry.authors.append(EntryAuthor.from_user(lead, 0))
    if co_author:
        entry.authors.append(EntryAuthor(position=1, full_name=co_author, category=Category.ENGINEER,
                                         organization="Navoi MMC"))
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def population(make_season, make_user):
    season = make_season()
    idea, project, _ = season.contests
    alice = make_user(full_name="Alisher Navoiy", region="navoi", category=Category.TEACHER)
    bek = make_user(full_name="Bekzod Karimov", region="tashkent_city", category=Category.STUDENT)
    _entry(idea, alice, title="Wind turbine", field=idea.fields[0])
    _entry(project, bek, title="Water meter", field=project.fields[1], co_author="Saidov Bobur")
    _entry(project, alice, title="Solar dryer", field=project.fields[0], status=EntryStatus.DRAFT)
    return season


@pytest.mark.parametrize("query, titles", [
    ({}, ["Wind turbine", "Water meter", "Solar dryer"]),
    ({"status": "submitted"}, ["Wind turbine", "Water meter"]),
    ({"region": "navoi"}, ["Wind turbine", "Solar dryer"]),
    ({"category": "student"}, ["Water meter"]),
    ({"q": "turbine"}, ["Wind turbine"]),
    ({"q": "saidov"}, ["Water meter"]),       # a co-author without an account is found too
    ({"q": "karimov"}, ["Water meter"]),
])
def test_entries_list_filters_and_search(client, organizer, population, query, titles):
    html = client.get("/organizer/entries", query_string=query).get_data(as_text=True)
    for title in ["Wind turbine", "Water meter", "Solar dryer"]:
        assert (title in html) == (title in titles), (query, title)


def test_entries_filter_by_contest_and_field(client, organizer, population):
    idea, project, _ = population.contests
    html = client.get("/organizer/entries", query_string={"contest": project.id}).get_data(as_text=True)
    assert "Water meter" in html and "Wind turbine" not in html
    html = client.get("/organizer/entries", query_string={"field": project.fields[1].id}).get_data(as_text=True)
    assert "Water meter" in html and "Solar dryer" not in html


def test_overview_counts_submitted_entries_per_contest_region_and_category(client, organizer, population):
    html = client.get("/organizer/").get_data(as_text=True)
    assert "Navoi region" in html and "Tashkent city" in html and "Teacher" in html and "Student" in html
    from contest.services.entry_queries import counts
    result = counts(population)
    assert {k.value: n for k, n in result["contest"]} == {"idea": 1, "project": 1}
    assert dict(result["region"]) == {"navoi": 1, "tashkent_city": 1}


def test_entry_detail_shows_authors_to_organizers(client, organizer, population):
    entry = db.session.scalars(db.select(Entry).where(Entry.title == "Water meter")).one()
    html = client.get(f"/organizer/entries/{entry.id}").get_data(as_text=True)
    assert "Bekzod Karimov" in html and "Saidov Bobur" in html and "Navoi MMC" in html
