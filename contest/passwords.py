"""Password hashes: argon2id with RFC 9106's recommended parameters, and older hashes upgraded on sign-in.

RFC 9106 §4, second recommended option (argon2-cffi's ``RFC_9106_LOW_MEMORY``): argon2id, 3 passes over
64 MiB in 4 lanes. One check takes about 0.12 s on the 2-core reference machine (werkzeug's scrypt took
0.12 s idle and 0.46-0.74 s under load, on one core; argon2's lanes run on both). Tests use argon2-cffi's
``CHEAPEST`` profile (TestConfig), so the suite does not pay for the slowness that protects real accounts.

Hashes made before argon2 (werkzeug's ``scrypt:`` and ``pbkdf2:``) still open their account, and are
replaced by an argon2 hash at the account's next successful sign-in.
"""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

ARGON2_PREFIX = "$argon2"


class Passwords:
    """Hashes and checks passwords with one set of argon2 parameters (a profile named in the config)."""

    def __init__(self, profile: str):
        self.hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
        # Checked when an email has no password to check: made like every stored hash, from a password
        # nobody knows, so that an unknown email costs one check like a wrong password and the time
        # taken does not tell who has an account.
        self.unknown_account_hash = self.hasher.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        if not stored.startswith(ARGON2_PREFIX):
            return check_password_hash(stored, password)  # made before argon2; upgraded at sign-in
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_upgrade(self, stored: str) -> bool:
        """Made before argon2, or with other parameters than today's."""
        return not stored.startswith(ARGON2_PREFIX) or self.hasher.check_needs_rehash(stored)


def init_app(app: Flask) -> None:
    app.extensions["passwords"] = Passwords(app.config["PASSWORD_HASH_PROFILE"])


def passwords() -> Passwords:
    return current_app.extensions["passwords"]
