"""The public results page: without sign-in, only what the organizers published, no judge and no
score of anyone who did not win, the same for every visitor and answered 304 while it has not changed."""
from __future__ import annotations

import re

import pytest

from contest.extensions import db
from contest.models import (
    Assignment, Category, EntryAuthor, EntryStatus, InternshipCountry, InternshipPreference, Mark, ResultSnapshot,
)
from contest.services import prizes
from tests.conftest import submitted_entries
from tests.test_prizes import publish_ranking
from tests.test_query_counts import counted_statements


@pytest.fixture
def season_published(client, organizer, scored, make_user):
    """The scored contest (12 entries) published, its internships committed (two winners chose Japan);
    a second contest with submitted entries that nobody has published."""
    contest, judges, entries = scored
    assert client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"}).status_code == 302
    season = contest.season
    unpublished = submitted_entries(season.contests[1], make_user, 3)
    for entry in unpublished:
        entry.set_title(f"Secret project {entry.id}")
        entry.authors[0].full_name = f"Unpublished Author {entry.id}"
    snapshot = ResultSnapshot.latest(contest.id)
    by_key = {f"e{entry.id}": entry for entry in entries}
    ranked = [by_key[row["entry"]] for row in sorted(snapshot.result["ranking"], key=lambda row: row["rank"])]
    prizes.catalogue(season)
    japan = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "JP"))
    for entry in ranked[:2]:
        db.session.add(InternshipPreference(season_id=season.id, person=f"u{entry.lead_author_id}", country=japan,
                                            position=0))
    db.session.commit()
    prizes.commit(season, organizer)
    db.session.commit()
    client.post("/auth/logout")
    return season, judges, ranked, unpublished, snapshot


def page_of(client, season, lang="en", **headers):
    return client.get(f"/public/{lang}/results/{season.year}", headers=headers)


def rows_named(html: str) -> set[str]:
    return set(re.findall(r"<strong>([^<]+)</strong>", html))


def test_anyone_sees_the_published_winners_with_their_authors_and_the_internships(client, season_published):
    season, _judges, ranked, _unpublished, snapshot = season_published
    response = page_of(client, season)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for rank, entry in enumerate(ranked[:10], start=1):
        author = entry.authors[0]
        assert f"<td>{entry.title}</td>" in html
        assert f"<strong>{author.full_name}</strong>, {author.organization}, Samarkand region" in html
    table = html.split("<h2>Internships abroad</h2>")[1]
    assert table.count("Japan") == 2
    assert {ranked[0].authors[0].full_name, ranked[1].authors[0].full_name} <= rows_named(table)


def test_nothing_unpublished_leaks_no_judge_and_no_score_of_those_who_did_not_win(client, season_published):
    season, judges, ranked, unpublished, snapshot = season_published
    html = page_of(client, season).get_data(as_text=True)
    for entry in ranked[10:]:  # ranked 11th and 12th: outside the prize zone
        assert f"<td>{entry.title}</td>" not in html
        assert entry.authors[0].full_name not in rows_named(html)
    for entry in unpublished:
        assert entry.title not in html and entry.authors[0].full_name not in html
    assert "Not published yet." in html
    for judge in judges:
        assert judge.full_name not in html
    for row in snapshot.result["ranking"]:  # no score in any form the results pages use
        for shown in (f"{row['score']:.2f}", f"{row['score']:.1f}", str(row["score"])):
            assert shown not in html


def test_a_withdrawn_winner_leaves_the_page_and_changes_its_etag(client, season_published):
    season, _judges, ranked, _unpublished, _snapshot = season_published
    before = page_of(client, season)
    ranked[0].status = EntryStatus.WITHDRAWN
    db.session.commit()
    after = page_of(client, season)
    assert f"<td>{ranked[0].title}</td>" in before.get_data(as_text=True)
    assert f"<td>{ranked[0].title}</td>" not in after.get_data(as_text=True)
    assert before.headers["ETag"] != after.headers["ETag"]
    assert page_of(client, season, **{"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_the_page_is_cacheable_and_a_conditional_request_gets_304(client, organizer, login, season_published):
    season, _judges, ranked, _unpublished, snapshot = season_published
    first = page_of(client, season)
    assert first.cache_control.public and first.cache_control.max_age == 300
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "Set-Cookie" not in first.headers and "Cookie" not in first.headers.get("Vary", "")
    again = page_of(client, season, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    since = page_of(client, season, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    # Each language is a page of its own, with its own validator.
    assert page_of(client, season, "ru", **{"If-None-Match": first.headers["ETag"]}).status_code == 200
    # A new published version is a new page.
    login(organizer)
    contest = snapshot.contest
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == ranked[-1].id)).first()
    mark.value += 1  # a corrected mark: the next publication is a new version
    db.session.commit()
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    assert ResultSnapshot.latest(contest.id).version == 2
    client.post("/auth/logout")
    assert page_of(client, season, **{"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_the_same_page_for_a_signed_in_visitor_with_no_session_read(client, login, season_published):
    season, _judges, ranked, _unpublished, _snapshot = season_published
    anonymous = page_of(client, season)
    login(ranked[0].lead_author)
    signed_in = page_of(client, season)
    assert signed_in.get_data() == anonymous.get_data()
    assert "Set-Cookie" not in signed_in.headers and "Cookie" not in signed_in.headers.get("Vary", "")
    assert "csrf_token" not in signed_in.get_data(as_text=True)


def test_languages_are_addresses_and_unknown_ones_or_seasons_are_404(client, season_published):
    season = season_published[0]
    ru = page_of(client, season, "ru")
    html = ru.get_data(as_text=True)
    assert ru.headers["Content-Language"] == "ru" and '<html lang="ru">' in html
    assert "Япония" in html and "Самаркандская область" in html
    assert f'href="/public/uz/results/{season.year}" hreflang="uz"' in html
    uz = page_of(client, season, "uz").get_data(as_text=True)
    assert '<html lang="uz">' in uz and "Yaponiya" in uz
    assert page_of(client, season, "de").status_code == 404
    assert client.get("/public/en/results/1999").status_code == 404


def test_the_home_page_links_to_it_and_a_season_with_nothing_published_says_so(client, make_season):
    season = make_season()
    home = client.get("/").get_data(as_text=True)
    assert f'href="/public/en/results/{season.year}"' in home
    html = page_of(client, season).get_data(as_text=True)
    assert "The organizers have not published any results of this season yet." in html
    assert "The internships have not been announced yet." in html


def test_the_page_runs_as_many_statements_for_30_winners_as_for_3_and_a_304_only_its_validators(
        client, make_season, make_user):
    counts = {}
    for year, n in ((2026, 3), (2027, 30)):
        season = make_season(year)
        entries = submitted_entries(season.contests[0], make_user, n)
        for entry in entries[:2]:  # co-authors: more rows, not more statements
            entry.authors.append(EntryAuthor(position=1, full_name=f"Co {entry.id}", category=Category.STUDENT,
                                             organization="TATU", region="navoi"))
        db.session.commit()
        publish_ranking(season.contests[0], entries)
        with counted_statements() as statements:
            response = page_of(client, season)
        assert response.status_code == 200
        counts[n] = len(statements)
    assert counts[3] == counts[30]
    url = f"/public/en/results/{season.year}"
    with counted_statements() as statements:
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert len(statements) <= 4  # the season, the published versions, the allocation, the entries' change
