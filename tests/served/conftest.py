"""The app as it runs in production: gunicorn worker processes on PostgreSQL and Redis, started here.

These tests run once (not again in the PostgreSQL pass): they always use the real PostgreSQL and Redis
on loopback. Without them the tests skip, except under CI, where a missing service is a failure.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.served.server import POSTGRES_URL, REDIS_URL, migrated_schema


def _unavailable(what: str, error: Exception):
    if os.environ.get("CI"):
        raise RuntimeError(f"{what} is required under CI") from error
    pytest.skip(f"{what} is not reachable: {error}")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure to connect means the service is missing
        _unavailable("PostgreSQL", error)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_server() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    return REDIS_URL


@pytest.fixture
def served_database(postgres_server) -> Iterator[str]:
    """A PostgreSQL schema of this test's own, built by the migrations as a deployment builds it."""
    with migrated_schema(postgres_server) as url:
        yield url
