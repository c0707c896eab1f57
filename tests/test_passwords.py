"""Passwords are hashed with argon2id; hashes made before (werkzeug's scrypt) or with older parameters still
open their account and are replaced by today's kind at the next successful sign-in."""
from __future__ import annotations

import pytest
from argon2 import Type, extract_parameters
from werkzeug.security import generate_password_hash

from contest.config import Config
from contest.extensions import db
from contest.models import Role, User
from contest.passwords import PROFILES, Passwords, passwords
from tests.conftest import PASSWORD


def test_production_hashes_use_owasps_recommended_argon2id_parameters():
    assert Config.PASSWORD_HASH_PROFILE == "OWASP_ARGON2ID"
    parameters = extract_parameters(Passwords(Config.PASSWORD_HASH_PROFILE).unknown_account_hash)
    assert (parameters.type, parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        Type.ID, 1, 46 * 1024, 1)


def sign_in(client, user: User, password: str):
    return client.post("/auth/login", data={"email": user.email, "password": password})


@pytest.mark.parametrize("old_hash", [
    generate_password_hash(PASSWORD),                                       # werkzeug's scrypt, before argon2
    Passwords("RFC_9106_LOW_MEMORY").hash(PASSWORD),                        # argon2, other parameters
], ids=["werkzeug scrypt", "argon2 with other parameters"])
def test_an_old_hash_opens_the_account_and_is_upgraded_at_the_next_sign_in(app, client, make_user, old_hash):
    user = make_user(Role.JUDGE)
    user.password_hash = old_hash
    db.session.commit()

    assert sign_in(client, user, "wrong password").status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash  # a failed attempt changes nothing

    assert sign_in(client, user, PASSWORD).status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != old_hash and not passwords().needs_upgrade(upgraded)
    assert extract_parameters(upgraded) == PROFILES[app.config["PASSWORD_HASH_PROFILE"]]

    client.post("/auth/logout")
    assert sign_in(client, user, PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == upgraded  # already current: left alone


def test_a_new_password_is_an_argon2id_hash_that_only_its_password_opens(app):
    hashed = passwords().hash("s3cret-pass")
    assert hashed.startswith("$argon2id$")
    assert passwords().verify(hashed, "s3cret-pass")
    assert not passwords().verify(hashed, "s3cret-pasS")
    assert not passwords().verify("$argon2id$not-a-hash", "s3cret-pass")
