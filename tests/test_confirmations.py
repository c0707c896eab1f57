"""Confirm before what cannot be undone: each page says what will happen, a GET changes nothing,
a POST without the page's ``confirm`` changes nothing, and the confirmed POST acts."""
from __future__ import annotations

from html import unescape

import pytest

from contest.extensions import db
from contest.models import Category, Entry, EntryAuthor, EntryStatus, Role

CONFIRM = {"confirm": "yes"}


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# --------------------------------------------------------------------------- withdrawing an entry

@pytest.fixture
def lead(make_user, login):
    user = make_user(full_name="Tursunov Jasur")
    login(user)
    return user


@pytest.fixture
def team_entry(make_season, make_user, lead):
    """A submitted entry of the signed-in lead author with two co-authors: one with an account, one without."""
    contest = make_season().contests[0]
    partner = make_user(full_name="Karimova Dilnoza")
    entry = Entry(contest=contest, lead_author=lead, field=contest.fields[0], status=EntryStatus.SUBMITTED)
    entry.set_title("Solar micro-grid")
    entry.authors += [EntryAuthor.from_user(lead, 0), EntryAuthor.from_user(partner, 1),
                      EntryAuthor(full_name="Aliyev Timur", category=Category.TEACHER, organization="School 5",
                                  position=2)]
    db.session.add(entry)
    db.session.commit()
    return entry


def status_of(entry: Entry) -> EntryStatus:
    return db.session.scalar(db.select(Entry.status).where(Entry.id == entry.id))


def test_the_withdraw_button_leads_to_a_page_that_names_the_co_authors(client, team_entry):
    show = text_of(client.get(f"/entries/{team_entry.id}"))
    assert f'action="/entries/{team_entry.id}/withdraw"' in show and 'method="get"' in show
    page = client.get(f"/entries/{team_entry.id}/withdraw")
    html = text_of(page)
    assert page.status_code == 200
    assert f"Solar micro-grid ({team_entry.code}) leaves The Best Idea" in html
    assert "2 co-authors lose the entry with you: Karimova Dilnoza, Aliyev Timur." in html
    assert 'name="confirm"' in html and "Withdraw the entry" in html
    assert status_of(team_entry) is EntryStatus.SUBMITTED


def test_a_withdrawal_without_confirmation_changes_nothing(client, team_entry):
    response = client.post(f"/entries/{team_entry.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/entries/{team_entry.id}/withdraw")
    assert status_of(team_entry) is EntryStatus.SUBMITTED


def test_the_confirmed_withdrawal_withdraws_and_then_there_is_nothing_left_to_confirm(client, team_entry):
    done = client.post(f"/entries/{team_entry.id}/withdraw", data=CONFIRM, follow_redirects=True)
    assert "Your entry is withdrawn." in text_of(done)
    assert status_of(team_entry) is EntryStatus.WITHDRAWN
    again = text_of(client.get(f"/entries/{team_entry.id}/withdraw"))
    assert "This entry is withdrawn already." in again and 'name="confirm"' not in again


def test_an_entry_without_co_authors_says_only_its_author_is_affected(client, team_entry):
    team_entry.authors = team_entry.authors[:1]
    db.session.commit()
    assert "The entry has no co-authors: only you are affected." in text_of(
        client.get(f"/entries/{team_entry.id}/withdraw"))


def test_only_the_lead_author_sees_the_withdrawal_page(client, team_entry, login, make_user):
    partner = db.session.get(Entry, team_entry.id).authors[1].user
    login(partner)
    assert client.get(f"/entries/{team_entry.id}/withdraw").status_code == 403
    login(make_user(Role.PARTICIPANT))
    assert client.get(f"/entries/{team_entry.id}/withdraw").status_code == 404
