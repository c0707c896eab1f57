"""Password guessing is slowed per account and per client address, and an unknown email costs the same
hash check as a wrong password."""
from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from unittest import mock

import pytest
import redis
from argon2 import PasswordHasher, extract_parameters

from contest import create_app
from contest.extensions import db
from contest.models import Role
from contest.passwords import PROFILES, passwords
from contest.services import accounts
from tests.conftest import PASSWORD, config_for_tests

REDIS_URL = "redis://127.0.0.1:6379"
TOO_MANY = {"en": "Too many attempts", "ru": "Слишком много попыток", "uz": "Urinishlar juda koʻp"}


@pytest.fixture
def tight_limits(app):
    """Three failed attempts per account, five per address: small enough to reach in a test."""
    app.config.update(CREDENTIAL_LIMIT_PER_ACCOUNT="3 per 15 minutes", CREDENTIAL_LIMIT_PER_ADDRESS="5 per 15 minutes")


def sign_in(client, email, password="wrong password", address="198.51.100.7", **headers):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_an_account_is_limited_whatever_address_guesses(client, make_user, tight_limits):
    user = make_user()
    statuses = [sign_in(client, user.email, address=f"203.0.113.{n}").status_code for n in range(1, 4)]
    assert statuses == [401, 401, 401]
    typed_otherwise = f"  {user.email.upper()} "   # the same account, however it is typed
    assert sign_in(client, typed_otherwise, PASSWORD, address="203.0.113.99").status_code == 429
    other = make_user()
    assert sign_in(client, other.email, PASSWORD, address="203.0.113.1").status_code == 302


def test_an_address_is_limited_whatever_accounts_it_tries(client, make_user, tight_limits):
    statuses = [sign_in(client, f"nobody{n}@example.uz").status_code for n in range(5)]
    assert statuses == [401] * 5
    user = make_user()
    assert sign_in(client, user.email, PASSWORD).status_code == 429
    assert sign_in(client, user.email, PASSWORD, address="192.0.2.50").status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(client, tight_limits):
    statuses = [sign_in(client, f"nobody{n}@example.uz", **{"X-Forwarded-For": f"10.9.{n}.1"}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]


def test_successful_sign_ins_do_not_use_up_the_budget(client, make_user, tight_limits):
    user = make_user()
    for _ in range(6):
        assert sign_in(client, user.email, PASSWORD).status_code == 302
        client.post("/auth/logout")


@pytest.mark.parametrize("lang", ["uz", "ru", "en"])
def test_the_limited_page_is_in_the_readers_language_and_does_not_say_whether_the_account_exists(
        client, make_user, tight_limits, lang):
    user = make_user()
    pages = []
    for email in (user.email, "nobody@example.uz"):
        for n in range(3):
            sign_in(client, email, address=f"203.0.113.{n}")
        response = sign_in(client, email, address="203.0.113.9", **{"Accept-Language": lang})
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
        assert TOO_MANY[lang] in response.get_data(as_text=True)
        pages.append(re.sub(r'<input[^>]*csrf_token[^>]*>', '', response.get_data(as_text=True)))
    assert pages[0] == pages[1]   # but for the form tokens, which carry the time


def test_the_invitation_page_is_limited(client, make_user, tight_limits):
    judge, token = accounts.invite_judge(email="judge@example.uz", full_name="Judge", organization="X",
                                         region=None, valid_for=timedelta(hours=1))
    db.session.commit()
    path = f"/auth/set-password/{token}"
    mismatched = {"password": "judge-password", "confirm": "other-password"}
    assert [client.post(path, data=mismatched).status_code for _ in range(4)] == [422, 422, 422, 429]
    assert client.get(path).status_code == 200   # reading the page is not an attempt


def test_guessing_unknown_invitations_uses_up_the_address_budget(client, tight_limits):
    statuses = [client.post(f"/auth/set-password/guess{n}", data={}).status_code for n in range(6)]
    assert statuses == [404] * 5 + [429]


def test_the_password_change_form_is_limited(client, make_user, login, tight_limits):
    login(make_user())
    wrong = {"current": "nope", "password": "new-password-1", "confirm": "new-password-1"}
    assert [client.post("/auth/password", data=wrong).status_code for _ in range(4)] == [422, 422, 422, 429]


@pytest.mark.parametrize("who", ["unknown", "wrong password", "invited, no password yet"])
def test_every_failed_sign_in_checks_exactly_one_hash(app, client, make_user, who):
    email = {"unknown": "nobody@example.uz", "wrong password": make_user().email}.get(who)
    if email is None:
        accounts.invite_judge(email="invited@example.uz", full_name="Invited", organization="X",
                              region=None, valid_for=timedelta(hours=1))
        db.session.commit()
        email = "invited@example.uz"
    checked = []
    real_verify = PasswordHasher.verify

    def verify(hasher, stored, password):
        checked.append(extract_parameters(stored))
        return real_verify(hasher, stored, password)

    with mock.patch.object(PasswordHasher, "verify", verify):
        assert sign_in(client, email).status_code == 401
    assert checked == [PROFILES[app.config["PASSWORD_HASH_PROFILE"]]]  # one check, as every hash costs


def test_the_unknown_account_hash_is_made_like_real_ones_and_opens_nothing(make_user):
    unknown = passwords().unknown_account_hash
    assert unknown.startswith("$argon2id$")
    assert extract_parameters(unknown) == extract_parameters(make_user(Role.JUDGE).password_hash)
    assert not passwords().needs_upgrade(unknown)
    assert not passwords().verify(unknown, PASSWORD)


def redis_or_skip() -> redis.Redis:
    """The real Redis on loopback; missing it skips the test, except in CI, where it fails."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return connection


def test_the_limit_holds_across_app_instances_through_redis(frozen_clock):
    """Two instances stand for two gunicorn workers: the second starts with storage of its own,
    so it can only know about the first one's failures through Redis."""
    connection = redis_or_skip()
    prefix = f"test-limits-{uuid.uuid4().hex}"

    def worker():
        app = create_app(config_for_tests(
            RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix},
            CREDENTIAL_LIMIT_PER_ACCOUNT="3 per 15 minutes"))
        with app.app_context():
            db.create_all()
        return app

    try:
        first = worker().test_client()
        assert [sign_in(first, "nobody@example.uz", address=f"203.0.113.{n}").status_code
                for n in range(3)] == [401] * 3
        second = worker().test_client()
        assert sign_in(second, "nobody@example.uz", address="203.0.113.77").status_code == 429
        assert connection.keys(f"{prefix}:*")
    finally:
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)
