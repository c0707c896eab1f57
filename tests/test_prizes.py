"""Prizes: the winners rule (pure), the catalogue, preferences, the budget page, what-if, commits."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event
from babel.support import Translations
from hypothesis import given
from hypothesis import strategies as st

from contest import PROJECT_ROOT
from contest.catalogue.allocation import english as explain_allocation
from contest.catalogue.winners import english as explain_selection
from contest.engines import winners
from contest.engines.cli import InputError
from contest.extensions import db
from contest.money import NO_BREAK
from contest.models import (
    AllocationSnapshot, Entry, EntryAuthor, EntryStatus, FixedPrize, InternshipCountry, InternshipPreference,
    PrizeSettings, ResultSnapshot, Role, utcnow,
)
from contest.models.people import Category
from contest.services import prizes as prize_service

RU, UZ = (Translations.load(str(PROJECT_ROOT / "contest" / "translations"), [lang]) for lang in ("ru", "uz"))


def uzs(text: str) -> str:
    """A sum as the pages show it: grouped by no-break spaces (contest.money.soums)."""
    return text.replace(" ", NO_BREAK)


def choice_phrase(catalog: Translations, country: str, choice: str) -> str:
    """'Japan, your first choice' as the catalog words it (the wording belongs to the translators)."""
    return catalog.gettext("%(country)s, %(choice)s") % {"country": catalog.gettext(country),
                                                         "choice": catalog.gettext(choice)}

# --------------------------------------------------------------------------- the rule (pure)

def _contest(cid, entries, teams, name=""):
    return {"id": cid, "name": name, "entries": entries,
            "ranking": [{"entry": f"{cid}-{n}", "rank": n, "authors": list(team)}
                        for n, team in enumerate(teams, start=1)]}


def test_largest_remainder_gives_the_leftover_places_to_the_largest_fractions():
    # 10 places, 52/31/17 entries: exact shares 5.2, 3.1, 1.7 -> 5, 3, 1 whole, 1 left -> 1.7 wins it.
    assert winners.quotas(10, [52, 31, 17]) == [5, 3, 2]
    # 10 places, 3 equal contests: 3.33 each, the one place left goes to the first listed (tie).
    assert winners.quotas(10, [1, 1, 1]) == [4, 3, 3]
    # remainder tie broken by the larger weight before the order: 7 places, weights 1 and 3 of 4.
    assert winners.quotas(2, [1, 3]) == [0, 2]
    assert winners.quotas(10, [0, 0, 0]) == [0, 0, 0] and winners.quotas(0, [5, 5]) == [0, 0]
    assert winners.quotas(4, [6, 6, 2]) == [2, 2, 0]


@given(st.integers(0, 40), st.lists(st.integers(0, 500), min_size=1, max_size=5))
def test_quotas_sum_to_the_places_and_stay_within_one_of_the_exact_share(places, weights):
    got = winners.quotas(places, weights)
    total = sum(weights)
    if total == 0 or places == 0:
        assert got == [0] * len(weights)
        return
    assert sum(got) == places
    for q, w in zip(got, weights):
        exact = Fraction(places * w, total)
        assert exact - 1 < q < exact + 1


def test_team_authors_each_take_a_place_and_a_team_that_does_not_fit_is_skipped_not_split():
    data = {"places": 4, "share": "equal", "contests": [
        _contest("idea", 10, [["u1", "u2"], ["u3", "a1", "a2"], ["u4"]], name="The Best Idea"),
        _contest("project", 10, [["u5"], ["u6"]]),
    ]}
    out = winners.solve(data)
    assert out["quotas"] == {"idea": 2, "project": 2}
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u5", "u6"]  # rank order, then contest
    assert out["skipped"] == []  # idea's 2 places are full after the rank 1 team
    data["places"] = 6  # idea gets 3: team of 2, then a team of 3 does not fit 1 place, the single author does
    out = winners.solve(data)
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u5", "u6", "u4"]
    assert out["skipped"] == [{"contest": "idea", "entry": "idea-2", "entry_rank": 2, "team": 3, "left": 1,
                               "authors": ["u3", "a1", "a2"]}]
    assert "team of 3 did not fit the 1 place left and was skipped" in out["explanations"]["u4"]
    assert out["explanations"]["a1"].startswith("not selected: the rank 2 entry's team of 3")
    assert out["quotas"] == {"idea": 3, "project": 3}
    assert out["unfilled"] == {"project": 1}  # two ranked entries for three places
    assert [w["order"] for w in out["winners"]] == [1, 2, 3, 4, 5]


def test_every_selection_explanation_is_rendered_from_its_reason():
    data = {"places": 6, "share": "equal", "contests": [
        _contest("idea", 10, [["u1", "u2"], ["u3", "a1", "a2"], ["u4"]], name="The Best Idea"),
        _contest("project", 10, [["u5"], ["u6"]]),
    ]}
    out = winners.solve(data)
    labels = {"idea": "The Best Idea", "project": "project"}
    assert set(out["reasons"]) == set(out["explanations"]) == {"u1", "u2", "u3", "u4", "u5", "u6", "a1", "a2"}
    for person, reason in out["reasons"].items():
        assert reason["code"] in winners.REASONS
        assert out["explanations"][person] == explain_selection(reason, labels)
    assert out["reasons"]["u4"] == {"code": "selected", "contest": "idea", "entry_rank": 3, "place": 3, "quota": 3,
                                    "team": 1, "passed": [{"entry_rank": 2, "team": 3, "left": 1}]}
    assert out["reasons"]["a1"] == {"code": "team_did_not_fit", "contest": "idea", "entry_rank": 2, "team": 3,
                                    "left": 1}
    assert out["explanations"]["u1"] == ("rank 1 entry of The Best Idea: place 1 of its 3 "
                                         "(a team of 2, each author takes a place)")
    assert out["explanations"]["a1"].endswith("did not fit the 1 place left for The Best Idea; a team is never split")
    assert json.loads(json.dumps(out)) == out


def test_proportional_share_by_submitted_entries_and_unfilled_places_are_reported():
    data = {"places": 10, "share": "proportional", "contests": [
        _contest("idea", 52, [[f"i{n}"] for n in range(8)]),
        _contest("project", 31, [[f"p{n}"] for n in range(8)]),
        _contest("invention", 17, [["v0"]]),  # 2 places, one ranked entry
    ]}
    out = winners.solve(data)
    assert out["quotas"] == {"idea": 5, "project": 3, "invention": 2}
    assert out["shares"] == {"idea": "26/5", "project": "31/10", "invention": "17/10"}
    assert out["unfilled"] == {"invention": 1}
    assert len(out["winners"]) == 9


def test_a_person_with_two_winning_entries_takes_one_place():
    data = {"places": 3, "share": "equal", "contests": [_contest("idea", 5, [["u1"], ["u1", "u2"], ["u3"]])]}
    out = winners.solve(data)
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u3"]


def test_bad_input_names_every_problem():
    with pytest.raises(InputError) as error:
        winners.solve({"places": -1, "share": "lottery", "contests": [
            {"id": "idea", "entries": 3, "ranking": [{"entry": "e1", "rank": 1, "authors": []},
                                                     {"entry": "e2", "rank": 1.5, "authors": ["u1"]}]}]})
    text = " | ".join(error.value.problems)
    assert "'places'" in text and "'share'" in text and "'authors'" in text and "'rank'" in text


def test_cli_reads_a_file_and_prints_the_answer(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"places": 1, "contests": [_contest("idea", 1, [["u1"]])]}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.winners", str(path)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["winners"][0]["person"] == "u1"
    path.write_text(json.dumps({"places": "ten", "contests": []}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.winners", str(path)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2 and "'places'" in json.loads(done.stdout)["error"]


# --------------------------------------------------------------------------- the web


def publish_ranking(contest, entries, scores=None):
    """A published ranking as the results service stores it (without running the scoring engine)."""
    ranking = [{"entry": f"e{e.id}", "rank": n, "score": (scores or {}).get(e.id, 90.0 - n), "score_low": 80.0 - n,
                "score_high": 95.0 - n, "p_top": max(0.0, 1 - n / 10), "judges": 3}
               for n, e in enumerate(entries, start=1)]
    db.session.add(ResultSnapshot(contest=contest, version=1, method="calibrated", inputs_hash="0" * 64,
                                  instance_json="{}", result_json=json.dumps({"ranking": ranking})))
    db.session.commit()


@pytest.fixture
def organizer(make_user):
    return make_user(Role.ORGANIZER, full_name="Org")


@pytest.fixture
def season_with_winners(make_season, make_user):
    """Idea: 6 entries (rank 1 a team of a user and 2 named co-authors), Project 3 entries, Invention 1."""
    season = make_season()
    idea, project, invention = season.contests
    people = {}

    def entry(contest, title, lead, named=()):
        e = Entry(contest=contest, lead_author=lead, status=EntryStatus.SUBMITTED)
        e.set_title(title)
        e.authors.append(EntryAuthor.from_user(lead, 0))
        for i, name in enumerate(named, start=1):
            e.authors.append(EntryAuthor(full_name=name, category=Category.ENGINEER, organization="TATU",
                                         region="tashkent_city", position=i))
        db.session.add(e)
        return e

    for key in ("idea1", "idea2", "idea3", "idea4", "idea5", "idea6", "proj1", "proj2", "proj3", "inv1"):
        people[key] = make_user(full_name=f"Winner {key}")
    idea_entries = [entry(idea, "Team", people["idea1"], named=("Named One", "Named Two"))] + \
        [entry(idea, f"Idea {n}", people[f"idea{n}"]) for n in range(2, 7)]
    project_entries = [entry(project, f"Project {n}", people[f"proj{n}"]) for n in range(1, 4)]
    invention_entries = [entry(invention, "Invention 1", people["inv1"])]
    db.session.commit()
    publish_ranking(idea, idea_entries)
    publish_ranking(project, project_entries)
    publish_ranking(invention, invention_entries)
    return season, people, idea_entries


def test_first_visit_creates_the_default_catalogue(client, login, organizer, make_season):
    season = make_season()
    login(organizer)
    html = client.get(f"/prizes/seasons/{season.id}/catalogue").get_data(as_text=True)
    assert "Electric car" in html and "450 000 000" in html and "South Korea" in html
    assert db.session.scalar(db.select(db.func.count(FixedPrize.id))) == 3
    codes = db.session.scalars(db.select(InternshipCountry.code).order_by(InternshipCountry.position)).all()
    assert codes == ["DE", "JP", "CN", "RU", "IT", "TR", "KR", "SG"]
    settings = db.session.scalars(db.select(PrizeSettings)).one()
    assert settings.internship_places == 10 and settings.share_rule == "proportional"


def _catalogue_form(season, **changes):
    prizes = prize_service.fixed_prizes(season)
    countries = prize_service.countries(season)
    data = {"internship_places": "10", "share_rule": "proportional", "preferences_close_at": "2030-01-01T18:00"}
    for i, p in enumerate(prizes):
        data.update({f"prizes-{i}-id": str(p.id), f"prizes-{i}-name": p.name, f"prizes-{i}-cost": str(p.cost)})
    for i, c in enumerate(countries):
        data.update({f"countries-{i}-id": str(c.id), f"countries-{i}-name": c.name,
                     f"countries-{i}-cost": str(c.cost), f"countries-{i}-capacity": str(c.capacity)})
    data.update(changes)
    return data


def test_a_country_is_added_and_a_refused_one_comes_back_with_what_was_typed(client, login, organizer, make_season):
    season = make_season()
    login(organizer)
    url = f"/prizes/seasons/{season.id}/countries"
    added = client.post(url, data={"code": "fr", "name": "France", "cost": "190 000 000", "capacity": "2"},
                        follow_redirects=True)
    assert "The country is added." in added.get_data(as_text=True)
    assert prize_service.countries(season)[-1].code == "FR"
    again = client.post(url, data={"code": "FR", "name": "France again", "cost": "1", "capacity": "1"})
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and "A country with the code FR is already in the catalogue." in html
    assert 'value="France again"' in html
    missing = client.post(url, data={"code": "ES", "cost": "1", "capacity": "1"})
    assert missing.status_code == 422 and 'value="ES"' in missing.get_data(as_text=True)
    assert [c.code for c in prize_service.countries(season)].count("FR") == 1
    assert "ES" not in [c.code for c in prize_service.countries(season)]


def test_organizers_edit_the_catalogue_and_bad_input_saves_nothing(client, login, organizer, make_season):
    season = make_season()
    login(organizer)
    client.get(f"/prizes/seasons/{season.id}/catalogue")
    ok = client.post(f"/prizes/seasons/{season.id}/catalogue",
                     data=_catalogue_form(season, **{"prizes-0-cost": "500 000 000", "countries-1-capacity": "4",
                                                     "internship_places": "12", "share_rule": "equal"}),
                     follow_redirects=True)
    assert "The prize catalogue is saved." in ok.get_data(as_text=True)
    assert prize_service.fixed_prizes(season)[0].cost == 500_000_000
    assert prize_service.countries(season)[1].capacity == 4
    settings = db.session.scalars(db.select(PrizeSettings)).one()
    assert (settings.internship_places, settings.share_rule) == (12, "equal")
    assert settings.preferences_close_at.hour == 13  # 18:00 in Tashkent is 13:00 UTC

    # a negative cost in one row and a good change in another: a message, and neither is saved
    bad = client.post(f"/prizes/seasons/{season.id}/catalogue",
                      data=_catalogue_form(season, **{"countries-0-cost": "-5", "countries-2-capacity": "9"}))
    assert bad.status_code == 422 and "a cost cannot be negative" in bad.get_data(as_text=True)
    assert prize_service.countries(season)[0].cost == 180_000_000 and prize_service.countries(season)[2].capacity == 2

    # fixed prizes above the season's budget
    big = client.post(f"/prizes/seasons/{season.id}/catalogue",
                      data=_catalogue_form(season, **{"prizes-0-cost": "15 000 000 000"}))
    assert big.status_code == 422
    assert "more than the season&#39;s budget of " + uzs("15 000 000 000 UZS") in big.get_data(as_text=True)
    assert prize_service.fixed_prizes(season)[0].cost == 500_000_000


def test_participants_get_403_on_organizer_pages(client, login, make_user, make_season):
    season = make_season()
    login(make_user())
    for url in (f"/prizes/seasons/{season.id}/catalogue", f"/prizes/seasons/{season.id}/budget",
                f"/prizes/seasons/{season.id}/workbook", "/prizes/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/prizes/seasons/{season.id}/commit").status_code in (400, 403)
    assert db.session.scalar(db.select(db.func.count(AllocationSnapshot.id))) == 0


def test_selection_on_published_rankings_counts_each_team_author(app, season_with_winners):
    season, people, _idea_entries = season_with_winners
    settings = prize_service.catalogue(season)
    selection = prize_service.select_winners(season, settings)
    # 10 entries submitted: 6, 3, 1 -> exactly 6, 3, 1 places
    assert selection.result["quotas"] == {f"c{c.id}": q for c, q in zip(season.contests, (6, 3, 1))}
    names = [selection.people[p].name for p in selection.order]
    # rank 1 of each contest first (the team's three authors), then rank 2, ...
    assert names[:5] == ["Winner idea1", "Named One", "Named Two", "Winner proj1", "Winner inv1"]
    assert "Winner idea4" in names and "Winner idea5" not in names and len(names) == 10
    assert selection.person_of(people["idea2"]) == f"u{people['idea2'].id}"
    assert selection.person_of(people["idea6"]) is None


def test_preferences_before_and_after_the_deadline_and_only_for_winners(client, login, organizer,
                                                                        season_with_winners):
    season, people, _entries = season_with_winners
    settings = prize_service.catalogue(season)
    settings.preferences_close_at = utcnow() + timedelta(days=1)
    db.session.commit()
    winner = people["proj1"]
    login(winner)
    page = client.get("/prizes/mine")
    assert page.status_code == 200 and "Japan" in page.get_data(as_text=True)
    saved = client.post("/prizes/mine", data={"countries-0": "JP", "countries-1": "DE"}, follow_redirects=True)
    assert "The choices are saved." in saved.get_data(as_text=True)
    assert prize_service.preferences(season)[f"u{winner.id}"] == ["JP", "DE"]

    unknown = client.post("/prizes/mine", data={"countries-0": "FR", "countries-1": "IT"})
    assert unknown.status_code == 422 and "FR is not a country of this season" in unknown.get_data(as_text=True)
    assert prize_service.preferences(season)[f"u{winner.id}"] == ["JP", "DE"]  # nothing half-saved

    # the entry page links to the preferences once the ranking is published
    entry = db.session.scalars(db.select(Entry).where(Entry.lead_author_id == winner.id)).one()
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert 'href="/prizes/mine">Rank the countries you accept<' in html

    settings = db.session.scalars(db.select(PrizeSettings)).one()
    settings.preferences_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = client.post("/prizes/mine", data={"countries-0": "SG"})
    assert late.status_code == 422 and "Preferences are closed" in late.get_data(as_text=True)
    assert prize_service.preferences(season)[f"u{winner.id}"] == ["JP", "DE"]

    login(people["idea6"])  # ranked, but not selected
    assert client.get("/prizes/mine").status_code == 403
    assert client.post("/prizes/mine", data={"countries-0": "JP"}).status_code == 403
    assert f"u{people['idea6'].id}" not in prize_service.preferences(season)


def test_organizers_enter_choices_for_named_co_authors_only(client, login, organizer, season_with_winners):
    season, people, idea_entries = season_with_winners
    settings = prize_service.catalogue(season)
    settings.preferences_close_at = utcnow() + timedelta(days=1)
    db.session.commit()
    named = next(a for a in idea_entries[0].authors if a.full_name == "Named One")
    login(organizer)
    url = f"/prizes/seasons/{season.id}/preferences/a{named.id}"
    assert "Named One" in client.get(url).get_data(as_text=True)
    client.post(url, data={"countries-0": "TR"})
    assert prize_service.preferences(season)[f"a{named.id}"] == ["TR"]
    assert client.get(f"/prizes/seasons/{season.id}/preferences/u{people['idea2'].id}").status_code == 404
    rows = db.session.scalars(db.select(InternshipPreference)).all()
    assert [r.entered_by_id for r in rows] == [organizer.id]


def _set_choices(season, choices):
    for person, codes in choices.items():
        for position, code in enumerate(codes):
            country = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == code))
            db.session.add(InternshipPreference(season_id=season.id, person=person, country=country,
                                                position=position))
    db.session.commit()


def test_budget_page_shows_costs_allocation_explanations_and_shortfall(client, login, organizer,
                                                                       season_with_winners):
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    jp = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "JP"))
    jp.capacity = 1
    season.budget = 3 * 450_000_000 + 210_000_000 + 100_000_000  # one Japan place and 100 000 000 more
    db.session.commit()
    first, second = f"u{people['idea1'].id}", f"u{people['proj1'].id}"
    _set_choices(season, {first: ["JP"], second: ["JP", "TR"], f"u{people['inv1'].id}": ["SG"]})
    login(organizer)
    response = client.get(f"/prizes/seasons/{season.id}/budget")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    lines = html[html.index("<th>Line</th>"):]
    lines = lines[:lines.index("</table>")]
    assert "Electric car" in lines and uzs("1 350 000 000 UZS") not in lines  # three lines of 450 000 000
    assert html.count(uzs("450 000 000 UZS")) >= 3 and "Japan, your first choice" in html
    assert "Japan was full after rank" in html and "Turkey, your second choice" in html
    # Singapore 200 000 000, 25 000 000 left
    assert "not funded" in html and "short by " + uzs("175 000 000 UZS") in html
    assert "Remaining" in html and "accepts no country" in html


def test_what_if_computes_without_saving_then_applies(client, login, organizer, season_with_winners):
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    _set_choices(season, {f"u{people['idea1'].id}": ["DE"]})
    login(organizer)
    url = f"/prizes/seasons/{season.id}/budget"
    html = client.get(url, query_string={"target": "country:DE", "cost": "1 000", "capacity": ""}).get_data(
        as_text=True)
    assert "Allocation with the change (not saved)" in html and uzs("1 000 UZS") in html
    germany = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "DE"))
    assert germany.cost == 180_000_000
    negative = client.get(url, query_string={"target": "country:DE", "cost": "-7"})
    assert negative.status_code == 422 and "A cost cannot be negative." in negative.get_data(as_text=True)
    prize = prize_service.fixed_prizes(season)[0]
    over = client.get(url, query_string={"target": f"prize:{prize.id}", "cost": "20 000 000 000"})
    assert over.status_code == 422 and "more than the season" in over.get_data(as_text=True)
    client.post(f"/prizes/seasons/{season.id}/what-if", data={"target": "country:DE", "cost": "1000"})
    db.session.expire_all()
    assert db.session.get(InternshipCountry, germany.id).cost == 1000
    assert db.session.scalar(db.select(db.func.count(AllocationSnapshot.id))) == 0


def test_a_budget_below_the_fixed_prizes_is_explained_and_commit_refused(client, login, organizer,
                                                                          season_with_winners):
    season, _people, _entries = season_with_winners
    prize_service.catalogue(season)
    season.budget = 1_000
    db.session.commit()
    login(organizer)
    html = client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    assert "budget is smaller than the fixed prizes" in html
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    assert db.session.scalar(db.select(db.func.count(AllocationSnapshot.id))) == 0


def test_commit_keeps_a_reproducible_version(client, login, organizer, season_with_winners):
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    _set_choices(season, {f"u{people['idea1'].id}": ["IT"]})
    login(organizer)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    snapshot = AllocationSnapshot.latest(season.id)
    assert snapshot.version == 1 and snapshot.committed_by_id == organizer.id
    from contest.engines import allocation
    assert allocation.solve(snapshot.instance) == snapshot.result
    assert winners.solve(snapshot.selection["instance"]) == snapshot.selection["result"]
    assert snapshot.result["awards"][0] == {"winner": f"u{people['idea1'].id}", "country": "IT",
                                            "cost": 160_000_000}


# --------------------------------------------------------------------------- explanations in the reader's language

def _japan_season(season, people):
    """Japan has one place (rank 1 takes it), rank 4 gets Turkey, Singapore is 175 000 000 short."""
    prize_service.catalogue(season)
    jp = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "JP"))
    jp.capacity = 1
    season.budget = 3 * 450_000_000 + 210_000_000 + 100_000_000
    db.session.commit()
    _set_choices(season, {f"u{people['idea1'].id}": ["JP"], f"u{people['proj1'].id}": ["JP", "TR"],
                          f"u{people['inv1'].id}": ["SG"]})


def test_budget_page_explains_in_the_chosen_language(client, login, organizer, season_with_winners):
    season, people, _entries = season_with_winners
    _japan_season(season, people)
    login(organizer)
    url = f"/prizes/seasons/{season.id}/budget"
    client.post("/auth/language/ru")
    html = client.get(url).get_data(as_text=True)
    assert choice_phrase(RU, "Japan", "your first choice") in html
    # The wording belongs to the translators: the catalog's own sentence must appear, whatever it says.
    assert RU.gettext("%(country)s was full after rank %(ranks)s") % {"country": "Япония", "ranks": "1"} in html
    assert choice_phrase(RU, "Turkey", "your second choice") in html
    assert uzs("175 000 000 UZS") in html  # the shortfall, inside the translated sentence
    assert RU.gettext("not funded: accepts no country") in html
    assert "работа на 1-м месте в конкурсе" in html  # why the person was selected
    assert "your first choice" not in html and "not funded" not in html
    client.post("/auth/language/uz")
    html = client.get(url).get_data(as_text=True)
    assert choice_phrase(UZ, "Japan", "your first choice") in html
    assert choice_phrase(UZ, "Turkey", "your second choice") in html
    client.post("/auth/language/en")
    html = client.get(url).get_data(as_text=True)
    assert "Japan, your first choice" in html
    assert "Japan was full after rank 1: Turkey, your second choice" in html
    assert f"not funded: {uzs('175 000 000 UZS')} short" in html and "not funded: accepts no country" in html


def test_the_winner_sees_their_committed_prize_in_their_language(client, login, organizer, season_with_winners):
    season, people, _entries = season_with_winners
    _japan_season(season, people)
    login(organizer)
    assert "Your internship" not in client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    login(people["idea1"])
    assert "Your internship" in client.get("/prizes/mine").get_data(as_text=True)
    client.post("/auth/language/ru")
    html = client.get("/prizes/mine").get_data(as_text=True)
    assert RU.gettext("Your internship") in html and f"<strong>{RU.gettext('Japan')}</strong>" in html
    assert RU.gettext("Why: %(reason)s") % {"reason": choice_phrase(RU, "Japan", "your first choice")} in html
    client.post("/auth/language/en")
    html = client.get("/prizes/mine").get_data(as_text=True)
    assert "<strong>Japan</strong>" in html and "Why: Japan, your first choice" in html
    login(people["inv1"])  # Singapore, unfunded
    client.post("/auth/language/ru")
    html = client.get("/prizes/mine").get_data(as_text=True)
    assert RU.gettext("Not funded") in html and uzs("175 000 000 UZS") in html and "not funded" not in html


def test_a_country_renamed_by_organizers_is_shown_as_typed(client, login, organizer, season_with_winners):
    season, people, _entries = season_with_winners
    _japan_season(season, people)
    jp = db.session.scalar(db.select(InternshipCountry).where(InternshipCountry.code == "JP"))
    jp.name = "Nippon"
    db.session.commit()
    login(organizer)
    client.post("/auth/language/ru")
    html = client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    renamed = RU.gettext("%(country)s, %(choice)s") % {"country": "Nippon", "choice": RU.gettext("your first choice")}
    assert renamed in html and choice_phrase(RU, "Turkey", "your second choice") in html


def test_an_allocation_committed_before_reasons_is_shown_with_its_english(client, login, organizer,
                                                                          season_with_winners):
    season, people, _entries = season_with_winners
    _japan_season(season, people)
    login(organizer)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    snapshot = AllocationSnapshot.latest(season.id)
    old = snapshot.result
    del old["reasons"]
    snapshot.result_json = json.dumps(old)
    db.session.commit()
    login(people["idea1"])
    client.post("/auth/language/ru")
    html = client.get("/prizes/mine").get_data(as_text=True)
    assert "<strong>Япония</strong>" in html and "Japan, your first choice" in html


REASONS = [
    {"code": "first_choice", "country": "JP"},
    {"code": "later_choice", "country": "DE", "choice": 3, "skipped": [
        {"code": "no_places", "country": "SG"}, {"code": "full", "country": "JP", "ranks": [1, 2, 3, 7]}]},
    {"code": "later_choice", "country": "DE", "choice": 11, "skipped": [
        {"code": "would_strand", "country": "JP", "ranks": [5]},
        {"code": "would_strand", "country": "JP", "ranks": [5, 9]},
        {"code": "would_strand", "country": "JP", "ranks": list(range(2, 40, 2))},
        {"code": "over_budget", "country": "TR", "amount": 10_000_000},
        {"code": "full", "country": "IT", "ranks": [4]}]},
    {"code": "no_preferences"},
    {"code": "no_place", "countries": ["JP", "KR"]},
    {"code": "short", "short": 41_000_000, "extra": 161_000_000, "funded": 12, "left": 120_000_000},
    {"code": "short", "short": 1, "extra": 2, "funded": 1, "left": 1},
]


def test_every_reason_reads_in_the_readers_language_and_as_the_command_line_in_english(app):
    """One wording per reason: the page's English is the command line's (sums kept from breaking);
    Uzbek and Russian readers get no English."""
    from flask_babel import force_locale

    rows = [{"id": code, "name": name} for code, name, _cost, _places in prize_service.DEFAULT_COUNTRIES]
    english_names = {r["id"]: r["name"] for r in rows}
    with app.test_request_context():
        for reason in REASONS:
            english = explain_allocation(reason, english_names)
            with force_locale("en"):
                shown = prize_service.allocation_text(reason, prize_service.country_names(rows))
                assert shown.replace(NO_BREAK, " ") == english  # sums keep their spaces from breaking
            for locale in ("ru", "uz"):
                with force_locale(locale):
                    text = prize_service.allocation_text(reason, prize_service.country_names(rows))
                    assert text != english and "your" not in text and "funded" not in text, (locale, text)
        with force_locale("ru"):
            assert prize_service.allocation_text({"code": "lottery"}, {}, "as it was") == "as it was"
        selection = winners.solve({"places": 6, "share": "equal", "contests": [
            _contest("idea", 10, [["u1", "u2"], ["u3", "a1", "a2"], ["u4"]], name="Idea"),
            _contest("project", 10, [["u5"], ["u6"]], name="Project")]})
        labels = {"idea": "Idea", "project": "Project"}
        for person, reason in selection["reasons"].items():
            with force_locale("en"):
                assert prize_service.selection_text(reason, labels) == selection["explanations"][person]
            with force_locale("ru"):
                text = prize_service.selection_text(reason, labels)
                assert text != selection["explanations"][person] and "entry" not in text, text


def test_a_season_is_made_with_its_catalogue_and_the_prize_pages_write_nothing_on_get(client, login, make_season,
                                                                                      make_user):
    """No first-visit writes: two organizers opening a new season's pages at once cannot collide."""
    season = make_season()
    assert prize_service.catalogue(season).internship_places == 10
    assert len(prize_service.fixed_prizes(season)) == 3 and len(prize_service.countries(season)) == 8
    login(make_user(Role.ORGANIZER))
    writes = []

    def count(conn, cursor, statement, *_):
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for path in (f"/prizes/seasons/{season.id}/catalogue", f"/prizes/seasons/{season.id}/budget",
                     f"/prizes/seasons/{season.id}/workbook"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert writes == []
def test_a_committed_allocation_holds_a_mail_for_each_winner_with_their_car_and_country(
        smtp, client, login, organizer, season_with_winners):
    from contest.models import MailStatus, OutboxMessage
    from tests.mail_server import text_of

    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    people["idea1"].locale = "ru"
    _set_choices(season, {f"u{people['idea1'].id}": ["IT"]})
    login(organizer)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    held = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "prize")).all()
    assert held and all(m.status is MailStatus.HELD for m in held) and smtp.inbox.received == []
    client.post(f"/organizer/mail/batches/{held[0].batch}/send", data={"confirm": "yes"})
    assert len(smtp.inbox.received) == len(held)
    text = text_of(smtp.inbox.one_to(people["idea1"].email))
    assert "Италия" in text and "Стажировка за рубежом" in text


def test_prize_refusals_carry_catalogue_codes_and_read_in_the_readers_language(app, make_season, make_user):
    from flask_babel import force_locale

    from contest.catalogue import Refusal

    season = make_season()
    settings = prize_service.catalogue(season)
    organizer = make_user(Role.ORGANIZER)
    with app.test_request_context():
        with pytest.raises(prize_service.PrizeError) as closed:  # no deadline set: not open yet
            prize_service.set_preferences(season, settings, "u1", ["JP"], organizer)
        assert isinstance(closed.value, Refusal) and closed.value.codes == ["preferences_closed"]
        settings.preferences_close_at = utcnow() + timedelta(days=1)
        with pytest.raises(prize_service.PrizeError) as error:
            prize_service.set_preferences(season, settings, "u1", ["FR", "JP", "JP"], organizer)
        assert error.value.codes == ["preference_unknown_country", "preference_country_twice"]
        assert str(error.value) == "FR is not a country of this season's internships.; Name each country once."
        with force_locale("ru"):
            assert error.value.problems == [RU.gettext("%(code)s is not a country of this season's internships.")
                                            % {"code": "FR"}, RU.gettext("Name each country once.")]
    db.session.rollback()
