"""Accounts: registration, sign-in and out, remember me, passwords, invitations, roles."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Role, User
from contest.services import accounts
from tests.conftest import PASSWORD


def registration(**overrides):
    data = {"full_name": "Karimova Nilufar", "email": "Nilufar@Example.UZ", "password": "s3cret-pass",
            "confirm": "s3cret-pass", "category": "student", "organization": "Inha University in Tashkent",
            "region": "tashkent_city", "phone": "+998 90 123 45 67"}
    data.update(overrides)
    return data


def test_participant_registers_and_lands_on_their_entries(client):
    response = client.post("/auth/register", data=registration())
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    user = User.by_email("nilufar@example.uz")
    assert user.role is Role.PARTICIPANT and user.email == "nilufar@example.uz"
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    assert (user.category.value, user.region, user.phone) == ("student", "tashkent_city", "+998 90 123 45 67")
    assert client.get("/dashboard").headers["Location"].endswith("/entries/")


def test_email_is_unique_whatever_its_case(client, make_user):
    make_user(email="taken@example.uz")
    response = client.post("/auth/register", data=registration(email="TAKEN@example.UZ"))
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


@pytest.mark.parametrize("field, value, message", [
    ("password", "short", "at least 8 characters"),
    ("confirm", "different-pass", "The passwords differ"),
    ("category", "pensioner", "Not a valid choice"),
    ("region", "atlantis", "Not a valid choice"),
    ("email", "not-an-email", "Invalid email"),
    ("phone", "call me", "phone number"),
    ("organization", "", "This field is required"),
])
def test_registration_errors_show_beside_fields_and_keep_what_was_typed(client, field, value, message):
    response = client.post("/auth/register", data=registration(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="Karimova Nilufar"' in html  # what was typed is kept
    assert User.by_email("nilufar@example.uz") is None


def test_login_with_wrong_password_is_refused(client, make_user):
    user = make_user()
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_is_case_insensitive_on_email(client, make_user):
    make_user(email="mixed@example.uz")
    response = client.post("/auth/login", data={"email": "MIXED@Example.uz", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_really_ends_the_session_even_for_a_copied_cookie(app, client, make_user, login):
    user = make_user()
    login(user, remember=True)
    stolen = app.test_client()  # same isolating client class as `client`
    for cookie in client._cookies.values():
        stolen.set_cookie(cookie.key, cookie.value)
    assert stolen.get("/entries/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/entries/").status_code == 302
    assert stolen.get("/entries/").status_code == 302  # the old cookie no longer works anywhere


def test_remember_me_sets_a_persistent_cookie(client, make_user, login):
    login(make_user(), remember=True)
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_there_is_no_persistent_cookie(client, make_user, login):
    login(make_user())
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize("target, expected", [
    ("/entries/", "/entries/"),
    ("https://evil.example/", "/dashboard"),
    ("//evil.example/", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
])
def test_next_redirect_stays_on_the_site(client, make_user, target, expected):
    user = make_user()
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_password_change_needs_the_current_password_and_signs_out_other_devices(app, client, make_user, login):
    user = make_user()
    login(user)
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    wrong = client.post("/auth/password", data={"current": "nope", "password": "new-password-1",
                                                 "confirm": "new-password-1"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    ok = client.post("/auth/password", data={"current": PASSWORD, "password": "new-password-1",
                                              "confirm": "new-password-1"})
    assert ok.status_code == 302
    assert client.get("/entries/").status_code == 200       # this device stays signed in
    assert other.get("/entries/").status_code == 302        # the other one is out
    db.session.refresh(user)
    assert user.check_password("new-password-1")


def test_create_user_command_makes_staff(runner):
    result = runner.invoke(args=["create-user", "--role", "organizer", "--email", "Org@Example.uz",
                                 "--name", "Org", "--password", "organizer-pass"])
    assert result.exit_code == 0, result.output
    user = User.by_email("org@example.uz")
    assert user.role is Role.ORGANIZER and user.check_password("organizer-pass")
    again = runner.invoke(args=["create-user", "--role", "admin", "--email", "org@example.uz",
                                "--name", "Org", "--password", "organizer-pass"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_organizer_invites_a_judge_with_a_one_time_link(client, make_user, login):
    login(make_user(Role.ORGANIZER))
    response = client.post("/organizer/judges", data={"full_name": "Judge Dredd", "email": "judge@example.uz",
                                                      "organization": "TSTU", "region": "navoi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    link = html.split('class="copy" type="text" readonly value="')[1].split('"')[0]
    path = link.split("localhost", 1)[1]
    judge = User.by_email("judge@example.uz")
    assert judge.role is Role.JUDGE and judge.password_hash is None
    client.post("/auth/logout")
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": "judge-password", "confirm": "judge-password"})
    assert done.status_code == 302
    assert client.get("/dashboard").headers["Location"].endswith("/judging/")  # the judge is signed in
    assert client.get(path).status_code == 404          # the link worked once


def test_an_expired_invitation_is_refused(client, make_user):
    judge, token = accounts.invite_judge(email="late@example.uz", full_name="Late", organization="X",
                                         region=None, valid_for=timedelta(hours=-1))
    db.session.commit()
    response = client.get(f"/auth/set-password/{token}")
    assert response.status_code == 404 and "no longer valid" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, path, status", [
    (Role.PARTICIPANT, "/organizer/", 403),
    (Role.PARTICIPANT, "/organizer/judges", 403),
    (Role.JUDGE, "/organizer/entries", 403),
    (Role.JUDGE, "/entries/", 403),
    (Role.ORGANIZER, "/entries/", 403),
])
def test_each_role_is_kept_to_its_own_pages(client, make_user, login, role, path, status):
    login(make_user(role))
    assert client.get(path).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/organizer/entries")
    assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]


def test_a_lost_invitation_is_replaced_and_the_old_link_stops_working(client, make_user, login):
    login(make_user(Role.ORGANIZER))
    judge, old_token = accounts.invite_judge(email="slow@example.uz", full_name="Slow Judge", organization="X",
                                             region=None, valid_for=timedelta(hours=1))
    db.session.commit()
    html = client.post(f"/organizer/judges/{judge.id}/invite").get_data(as_text=True)
    new_link = html.split('class="copy" type="text" readonly value="')[1].split('"')[0]
    assert "A new link for Slow Judge" in html
    client.post("/auth/logout")
    assert client.get(f"/auth/set-password/{old_token}").status_code == 404
    assert client.get(new_link.split("localhost", 1)[1]).status_code == 200


def test_no_new_link_for_a_judge_who_set_a_password(client, make_user, login):
    login(make_user(Role.ORGANIZER))
    judge = make_user(Role.JUDGE)
    page = client.post(f"/organizer/judges/{judge.id}/invite", follow_redirects=True).get_data(as_text=True)
    assert "has set a password already" in page
