"""What a participant reads on their entry's page once a ranking is published: the prize of their
place, their internship and where it stands, and the judges' comments grouped by judge."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Assignment, ResultSnapshot, utcnow
from contest.services import prizes
from contest.services.entry_feedback import judge_letter


@pytest.fixture
def published(client, organizer, scored):
    """The scored contest's ranking published, the default prize catalogue in place; entries by rank."""
    contest, judges, entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    prizes.catalogue(contest.season)
    db.session.commit()
    by_key = {f"e{entry.id}": entry for entry in entries}
    ranked = [by_key[row["entry"]] for row in sorted(ResultSnapshot.latest(contest.id).result["ranking"],
                                                     key=lambda row: row["rank"])]
    return contest, judges, ranked


def entry_page(client, login, entry) -> str:
    login(entry.lead_author)
    return client.get(f"/entries/{entry.id}").get_data(as_text=True)


def test_the_first_place_page_names_the_electric_car(client, login, published):
    contest, _judges, ranked = published
    first = entry_page(client, login, ranked[0])
    assert f"Your prize: Electric car: first place, {contest.title}" in first
    assert "Your prize" not in entry_page(client, login, ranked[1])


def test_a_winner_follows_their_internship_from_choice_to_award(client, login, organizer, published):
    contest, _judges, ranked = published
    season = contest.season
    winner, outside = ranked[0], ranked[10]  # ten places, all to the only contest with a ranking
    html = entry_page(client, login, winner)
    assert "Your internship abroad" in html and "No country chosen yet" in html and "See my internship" in html
    assert "No country chosen yet" in client.get("/prizes/mine").get_data(as_text=True)
    assert "Your internship abroad" not in entry_page(client, login, outside)

    settings = prizes.catalogue(season)
    settings.preferences_close_at = utcnow() + timedelta(days=3)
    prizes.set_preferences(season, settings, f"u{winner.lead_author.id}", ["JP", "DE"], organizer)
    db.session.commit()
    html = entry_page(client, login, winner)
    assert "Your choice: Japan (then Germany)" in html and "Waiting for the allocation" in html
    assert "You can change your choices until" in html and "Rank the countries you accept" in html
    assert "Waiting for the allocation" in client.get("/prizes/mine").get_data(as_text=True)

    prizes.commit(season, organizer)
    db.session.commit()
    html = entry_page(client, login, winner)
    assert "Country: Japan" in html and ">awarded<" in html and "Japan, your first choice" in html
    assert "Waiting for the allocation" not in html


def test_the_judges_comments_are_grouped_by_judge_and_criterion_with_marks_and_never_repeated(
        client, login, scored, organizer):
    contest, judges, entries = scored
    entry = entries[1]  # its first sheet says "Clear novelty." on every criterion, and "Strong prototype."
    first, second, third = db.session.scalars(db.select(Assignment).where(Assignment.entry_id == entry.id)
                                              .order_by(Assignment.id)).all()
    last = max(second.marks, key=lambda mark: mark.criterion.position)
    last.comment = "Compare with existing pumps."
    second.overall_comment = "Compare with existing pumps."  # the same words as the overall comment: shown once
    db.session.commit()
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})

    html = entry_page(client, login, entry)
    sections = re.findall(r'<section class="judge-comment">(.*?)</section>', html, flags=re.S)
    assert [re.search(r"<h4>(.*?)</h4>", s).group(1) for s in sections] == ["Judge A", "Judge B"]  # C said nothing
    a, b = sections
    assert a.count("Clear novelty.") == 1 and html.count("Clear novelty.") == 1
    for mark in first.marks:
        assert f"{mark.criterion.name_en} <span class=\"nowrap\">{mark.value.normalize():f} of 10</span>" in a
    assert "Overall</dt>" in a and "Strong prototype." in a
    assert f"{last.criterion.name_en} <span class=\"nowrap\">{last.value.normalize():f} of 10</span>" in b
    assert b.count("Compare with existing pumps.") == 1 and "Overall" not in b
    assert not any(judge.full_name in html for judge in judges)


def test_judges_are_lettered_like_spreadsheet_columns():
    assert [judge_letter(n) for n in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
