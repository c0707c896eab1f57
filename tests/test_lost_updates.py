"""No lost updates: two organizers open the same form, the first saves, and the second's save is
refused with what they typed kept and each changed value named; nothing of theirs is written,
and their next save (from the page that refused them, at the fresh version) goes through."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm.exc import StaleDataError

from contest.extensions import db
from contest.models import (
    Contest, ContestJudge, Criterion, FixedPrize, InternshipCountry, PrizeSettings, Role, ScoringRound, Season,
)
from contest.services import prizes as prize_service
from tests.conftest import PASSWORD
from tests.html_forms import form_on


@pytest.fixture
def second(app, make_user, organizer):
    """Another organizer, signed in on a browser of their own."""
    user = make_user(Role.ORGANIZER, full_name="Second Organizer")
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return browser


def stale_rows(response) -> list[tuple[str, str, str]]:
    """The "changed since you opened it" box: (what, saved now, you typed) per row."""
    text = response.get_data(as_text=True)
    text = text[text.index("stale-changes"):]
    text = text[:text.index("</table>")]
    rows = re.findall(r'<tr><td>(.*?)</td><td class="stale-stored">(.*?)</td><td class="stale-typed">(.*?)</td></tr>',
                      text, re.S)
    return [tuple(html_lib.unescape(cell) for cell in row) for row in rows]


def opened(browser, url: str, **which) -> dict[str, str]:
    return form_on(browser.get(url).get_data(as_text=True), **which)


def refused_then_saved(client, second, page: str, post: str, mine: dict, theirs: dict, **which):
    """Both open ``page``; the first posts ``mine``, the second ``theirs`` (refused: returned), and
    then the second posts again what the refusing page carries, which must be saved."""
    first_form, second_form = opened(client, page, **which), opened(second, page, **which)
    assert client.post(post, data={**first_form, **mine}).status_code == 302
    refused = second.post(post, data={**second_form, **theirs})
    assert refused.status_code == 409, refused.get_data(as_text=True)[:2000]
    assert "Someone else saved this since you opened it" in refused.get_data(as_text=True)
    return refused


def save_again(second, post: str, refused, **which):
    again = second.post(post, data=form_on(refused.get_data(as_text=True), **which))
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    db.session.expire_all()


def test_a_stale_season_save_is_refused_and_named(client, second, make_season):
    season = make_season()
    url = f"/organizer/seasons/{season.id}"
    refused = refused_then_saved(client, second, url, url, {"budget": "16 000 000 000"},
                                 {"budget": "17 000 000 000"}, has="budget")
    assert stale_rows(refused) == [("Prize budget (UZS)", "16 000 000 000", "17 000 000 000")]
    assert 'value="17 000 000 000"' in refused.get_data(as_text=True)      # what they typed is kept
    db.session.expire_all()
    assert db.session.get(Season, season.id).budget == 16_000_000_000     # nothing of theirs is written
    save_again(second, url, refused, has="budget")
    assert db.session.get(Season, season.id).budget == 17_000_000_000


def test_a_stale_contest_save_names_only_what_changed_since(client, second, make_season):
    contest = make_season().contests[0]
    url = f"/organizer/contests/{contest.id}"
    refused = refused_then_saved(client, second, url, url, {"max_entries_per_author": "3"},
                                 {"max_entries_per_author": "5", "closes_at": "2026-12-01T18:00"},
                                 has="max_entries_per_author")
    # The window was changed only by the second organizer: it is not something that changed since.
    assert stale_rows(refused) == [("Entries per lead author", "3", "5")]
    assert 'value="2026-12-01T18:00"' in refused.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Contest, contest.id)
    assert stored.max_entries_per_author == 3 and stored.closes_at.month != 12
    save_again(second, url, refused, has="max_entries_per_author")
    stored = db.session.get(Contest, contest.id)
    assert stored.max_entries_per_author == 5 and (stored.closes_at.month, stored.closes_at.day) == (12, 1)
    assert stored.version == 3


def test_two_field_lists_saved_from_the_same_page_are_not_merged_silently(client, second, make_season):
    contest = make_season().contests[0]
    url = f"/organizer/contests/{contest.id}"
    refused = refused_then_saved(client, second, url, url, {"fields": "Energy\nIT\nRobotics"},
                                 {"fields": "Energy\nIT\nBiotech"}, has="fields")
    assert [(what, stored.split(), typed.split()) for what, stored, typed in stale_rows(refused)] == [
        ("Engineering fields, one per line", ["Energy", "IT", "Robotics"], ["Energy", "IT", "Biotech"])]
    db.session.expire_all()
    assert [f.name for f in db.session.get(Contest, contest.id).fields] == ["Energy", "IT", "Robotics"]
    form = form_on(refused.get_data(as_text=True), has="fields")
    again = second.post(url, data={**form, "fields": "Energy\nIT\nRobotics\nBiotech"})
    assert again.status_code == 302
    db.session.expire_all()
    assert [f.name for f in db.session.get(Contest, contest.id).fields] == ["Biotech", "Energy", "IT", "Robotics"]


def test_a_change_the_form_does_not_show_refuses_nothing(client, second, make_season):
    """Judges per entry is set on the panel page: the contest's version moves, but the contest form
    shows nothing of it, so saving that form overwrites nothing and goes through."""
    contest = make_season().contests[0]
    url = f"/organizer/contests/{contest.id}"
    contest_form = opened(second, url, has="max_entries_per_author")
    k_form = opened(client, f"/organizer/contests/{contest.id}/panel", has="judges_per_entry")
    assert client.post(f"/organizer/contests/{contest.id}/judges-per-entry",
                       data={**k_form, "judges_per_entry": "4"}).status_code == 302
    assert second.post(url, data={**contest_form, "max_entries_per_author": "7"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Contest, contest.id)
    assert (stored.judges_per_entry, stored.max_entries_per_author) == (4, 7)


def test_a_stale_criterion_save_is_refused_and_named(client, second, make_season):
    criterion = make_season().contests[0].criteria[0]
    url = f"/organizer/criteria/{criterion.id}"
    refused = refused_then_saved(client, second, url, url, {"weight": "0.5"},
                                 {"weight": "0.4", "name_en": "Originality"}, has="weight")
    assert stale_rows(refused) == [("Weight", "0.500", "0.4")]
    assert 'value="Originality"' in refused.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Criterion, criterion.id)
    assert stored.weight == Decimal("0.5") and stored.name_en == "Novelty"
    save_again(second, url, refused, has="weight")
    stored = db.session.get(Criterion, criterion.id)
    assert stored.weight == Decimal("0.4") and stored.name_en == "Originality"


def test_stale_panel_loads_are_refused_row_by_row(client, second, make_season, make_user):
    contest = make_season().contests[0]
    ana, bek = (make_user(Role.JUDGE, full_name=name) for name in ("Ana Judge", "Bek Judge"))
    db.session.add_all([ContestJudge(contest=contest, judge=ana), ContestJudge(contest=contest, judge=bek)])
    db.session.commit()
    page, post = f"/organizer/contests/{contest.id}/panel", f"/organizer/contests/{contest.id}/panel/loads"
    action = {"action": post}
    refused = refused_then_saved(client, second, page, post, {"members-0-max_load": "30"},
                                 {"members-0-max_load": "25", "members-1-min_load": "1"}, **action)
    assert stale_rows(refused) == [("Ana Judge · Most entries", "30", "25")]
    db.session.expire_all()
    loads = {m.judge.full_name: (m.min_load, m.max_load) for m in db.session.scalars(db.select(ContestJudge))}
    assert loads == {"Ana Judge": (0, 30), "Bek Judge": (0, 40)}        # Bek's row is not half-saved either
    save_again(second, post, refused, **action)
    loads = {m.judge.full_name: (m.min_load, m.max_load) for m in db.session.scalars(db.select(ContestJudge))}
    assert loads == {"Ana Judge": (0, 25), "Bek Judge": (1, 40)}


def test_a_judge_already_on_the_panel_is_not_added_over(client, organizer, make_season, make_user):
    contest = make_season().contests[0]
    judge = make_user(Role.JUDGE, full_name="Ana Judge")
    db.session.add(ContestJudge(contest=contest, judge=judge, min_load=2, max_load=30))
    db.session.commit()
    again = client.post(f"/organizer/contests/{contest.id}/panel",
                        data={"judge": judge.id, "min_load": "0", "max_load": "5", "submit": "y"})
    assert again.status_code == 422
    assert "Ana Judge is already on the panel (fewest 2, most 30 entries)" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(db.select(ContestJudge.max_load)).one() == 30


def test_stale_judges_per_entry_is_refused_and_named(client, second, make_season):
    contest = make_season().contests[0]
    page, post = f"/organizer/contests/{contest.id}/panel", f"/organizer/contests/{contest.id}/judges-per-entry"
    refused = refused_then_saved(client, second, page, post, {"judges_per_entry": "4"}, {"judges_per_entry": "5"},
                                 action=post)
    assert stale_rows(refused) == [("Judges per entry", "4", "5")]
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).judges_per_entry == 4
    save_again(second, post, refused, action=post)
    assert db.session.get(Contest, contest.id).judges_per_entry == 5


def test_a_scoring_window_set_since_the_panel_page_was_read_is_not_moved_over(client, second, make_season):
    """Read before any window was set (version 0): whoever sets it first makes the other form stale."""
    contest = make_season().contests[0]
    page, post = f"/organizer/contests/{contest.id}/panel", f"/organizer/contests/{contest.id}/scoring-round"
    refused = refused_then_saved(client, second, page, post,
                                 {"opens_at": "2026-10-01T09:00", "closes_at": "2026-10-20T18:00"},
                                 {"opens_at": "2026-10-02T09:00", "closes_at": "2026-10-20T18:00"}, action=post)
    assert stale_rows(refused) == [("Scoring opens (Tashkent time)", "2026-10-01T09:00", "2026-10-02T09:00"),
                                   ("Scoring closes (Tashkent time)", "2026-10-20T18:00", "2026-10-20T18:00")]
    db.session.expire_all()
    assert ScoringRound.of(contest.id, 1).opens_at.day == 1
    save_again(second, post, refused, action=post)
    window = ScoringRound.of(contest.id, 1)
    assert (window.opens_at.day, window.version) == (2, 2)


def test_a_final_round_window_moved_since_the_page_was_read_is_not_moved_back(client, second, finalist_ready):
    contest, _judges, _entries = finalist_ready
    post = f"/results/contests/{contest.id}/final-round"
    opened_round = client.post(post, data={"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00",
                                           "confirm": "yes"})
    assert opened_round.status_code == 302
    refused = refused_then_saved(client, second, f"/results/contests/{contest.id}", post,
                                 {"closes_at": "2026-06-12T18:00"}, {"closes_at": "2026-06-14T18:00"}, action=post)
    assert stale_rows(refused) == [("Final round closes (Tashkent time)", "2026-06-12T18:00", "2026-06-14T18:00")]
    db.session.expire_all()
    assert ScoringRound.of(contest.id, 2).closes_at.day == 12
    save_again(second, post, refused, action=post)
    assert ScoringRound.of(contest.id, 2).closes_at.day == 14


@pytest.mark.parametrize("changed, first, typed, label, stored_now", [
    ("internship_places", "12", "14", "Internship places", "12"),
    ("prizes-0-cost", "500 000 000", "600 000 000", "Electric car: first place, The Best Idea · Cost (UZS)",
     "500 000 000"),
    ("countries-1-capacity", "3", "5", "Japan · Places", "3"),
])
def test_a_stale_catalogue_save_is_refused_and_names_the_changed_row(client, second, make_season, changed, first,
                                                                     typed, label, stored_now):
    season = make_season()
    url = f"/prizes/seasons/{season.id}/catalogue"
    refused = refused_then_saved(client, second, url, url, {changed: first},
                                 {changed: typed, "countries-0-cost": "170 000 000"}, has="internship_places")
    assert stale_rows(refused) == [(label, stored_now, typed)]
    db.session.expire_all()
    germany = prize_service.countries(season)[0]
    assert germany.cost == 180_000_000                                   # nothing of the second is written
    save_again(second, url, refused, has="internship_places")
    assert prize_service.countries(season)[0].cost == 170_000_000
    saved = {"internship_places": db.session.scalars(db.select(PrizeSettings.internship_places)).one(),
             "prizes-0-cost": prize_service.fixed_prizes(season)[0].cost,
             "countries-1-capacity": prize_service.countries(season)[1].capacity}[changed]
    assert saved == int(typed.replace(" ", ""))


def test_a_stale_what_if_is_not_applied_and_is_shown_again(client, second, make_season):
    season = make_season()
    client.get(f"/prizes/seasons/{season.id}/catalogue")  # the default catalogue
    post = f"/prizes/seasons/{season.id}/what-if"
    first_form = opened(client, f"/prizes/seasons/{season.id}/budget?target=country:DE&cost=200000000&capacity=",
                        action=post)
    second_form = opened(second, f"/prizes/seasons/{season.id}/budget?target=country:DE&cost=250000000&capacity=",
                         action=post)
    assert client.post(post, data=first_form).status_code == 302
    refused = second.post(post, data=second_form)
    assert refused.status_code == 409
    assert stale_rows(refused) == [("Germany · New cost (UZS)", "200 000 000", "250 000 000")]
    db.session.expire_all()
    germany = db.session.scalars(db.select(InternshipCountry).where(InternshipCountry.code == "DE")).one()
    assert germany.cost == 200_000_000
    save_again(second, post, refused, action=post)
    assert db.session.get(InternshipCountry, germany.id).cost == 250_000_000


def test_a_script_that_read_no_form_acts_on_what_is_stored_now(client, organizer, make_season):
    """A client that sends no version read no form (as :func:`contest.actions.confirmed` treats it)."""
    season = make_season()
    season.budget = 16_000_000_000
    db.session.commit()
    assert client.post(f"/organizer/seasons/{season.id}", data={"year": "2026", "budget": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Season, season.id).budget == 1


def test_every_update_moves_the_version_and_an_outdated_write_raises(app, make_season, make_user):
    """The ORM's own check, below the forms: an UPDATE from an outdated read matches no row."""
    season = make_season()
    contest = season.contests[0]
    prize_service.catalogue(season)
    member = ContestJudge(contest=contest, judge=make_user(Role.JUDGE))
    window = ScoringRound(contest=contest, number=1, opens_at=contest.opens_at, closes_at=contest.closes_at)
    db.session.add_all([member, window])
    db.session.commit()
    edits = [(window, "closes_at", contest.closes_at + timedelta(days=1)),
             (season, "budget", 1), (contest, "max_entries_per_author", 9), (contest.fields[0], "name_en", "Power"),
             (contest.criteria[0], "scale_max", 9), (member, "max_load", 9),
             (db.session.scalars(db.select(PrizeSettings)).one(), "internship_places", 3),
             (db.session.scalars(db.select(FixedPrize)).first(), "cost", 1),
             (db.session.scalars(db.select(InternshipCountry)).first(), "capacity", 9)]
    for record, attribute, value in edits:
        assert record.version == 1
        setattr(record, attribute, value)
        db.session.flush()
        assert record.version == 2, type(record).__name__
    seasons_table = Season.__table__
    db.session.execute(seasons_table.update().where(seasons_table.c.id == season.id).values(version=99))
    season.budget = 2  # the session still holds version 2: another save has moved the row on
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("language, said, what", [
    ("ru", "её сохранил кто-то другой",
     ("Изменилось после того, как вы открыли форму", "Сохранено сейчас", "Вы ввели")),
    ("uz", "buni boshqa kishi saqladi", ("Siz ochganingizdan keyin oʻzgargan", "Hozir saqlangan", "Siz yozgan")),
])
def test_the_stale_box_speaks_the_readers_language(client, second, make_season, language, said, what):
    contest = make_season().contests[0]
    second.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page, post = f"/organizer/contests/{contest.id}/panel", f"/organizer/contests/{contest.id}/judges-per-entry"
    first_form, second_form = opened(client, page, action=post), opened(second, page, action=post)
    client.post(post, data={**first_form, "judges_per_entry": "4"})
    refused = second.post(post, data={**second_form, "judges_per_entry": "5"})
    text = html_lib.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409 and said in text and all(header in text for header in what)
    assert "Someone else" not in text and "You typed" not in text


def _removal_scene(kind: str, season, make_user):
    """(the page offering the removal, its url, the record, an edit another organizer makes)."""
    contest = season.contests[0]
    if kind == "criterion":
        criterion = contest.criteria[0]
        return f"/organizer/contests/{contest.id}", f"/organizer/criteria/{criterion.id}/delete", criterion, \
            ("scale_max", 7)
    if kind == "panel member":
        member = ContestJudge(contest=contest, judge=make_user(Role.JUDGE))
        db.session.add(member)
        db.session.commit()
        return f"/organizer/contests/{contest.id}/panel", f"/organizer/panel-members/{member.id}/remove", member, \
            ("max_load", 12)
    prize_service.catalogue(season)
    db.session.commit()
    country = prize_service.countries(season)[0]
    return f"/prizes/seasons/{season.id}/catalogue", f"/prizes/countries/{country.id}/delete", country, \
        ("capacity", 7)


@pytest.mark.parametrize("kind", ["criterion", "panel member", "country"])
def test_a_record_changed_since_its_page_was_read_is_not_removed_from_it(client, second, make_season, make_user,
                                                                        kind):
    page, remove, record, (attribute, value) = _removal_scene(kind, make_season(), make_user)
    model, record_id = type(record), record.id
    stale_button = opened(client, page, action=remove)
    assert stale_button["version"] == "1"
    setattr(record, attribute, value)  # another organizer's save, after the page was read
    db.session.commit()
    refused = client.post(remove, data=stale_button, follow_redirects=True)
    assert "Someone else changed this since you opened the page, so it is not removed." in \
        html_lib.unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(model, record_id) is not None
    assert client.post(remove, data=opened(client, page, action=remove)).status_code == 302
    db.session.expire_all()
    assert db.session.get(model, record_id) is None
