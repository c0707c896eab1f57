"""Password hashes: argon2id with OWASP's recommended parameters, and older hashes upgraded on sign-in.

OWASP's Password Storage Cheat Sheet, first argon2id configuration: 1 pass over 46 MiB in 1 lane. Measured
on the 2-core reference machine: 0.064 s and 0.057 CPU-seconds a check when idle. werkzeug's scrypt took
0.10 CPU-seconds; RFC 9106's second recommended option (3 passes, 64 MiB, 4 lanes: ``RFC_9106_LOW_MEMORY``,
still selectable) looks as fast (0.12 s) only because its 4 lanes take both cores: 0.19 CPU-seconds a check,
so a rush of judges signing in would saturate the machine sooner than before. Tests use argon2-cffi's
``CHEAPEST`` profile (TestConfig), so the suite does not pay for the slowness that protects real accounts.

Hashes made before argon2 (werkzeug's ``scrypt:`` and ``pbkdf2:``), or with other parameters, still open
their account, and are replaced by a hash with today's parameters at the account's next successful sign-in.
"""
from __future__ import annotations

import secrets

from argon2 import Parameters, PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

ARGON2_PREFIX = "$argon2"
PROFILES = {
    "OWASP_ARGON2ID": Parameters(type=Type.ID, version=19, salt_len=16, hash_len=32, time_cost=1,
                                 memory_cost=46 * 1024, parallelism=1),
    **{name: getattr(profiles, name) for name in ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")},
}


class Passwords:
    """Hashes and checks passwords with one set of argon2 parameters (a profile of PROFILES named in the config)."""

    def __init__(self, profile: str):
        self.hasher = PasswordHasher.from_parameters(PROFILES[profile])
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
