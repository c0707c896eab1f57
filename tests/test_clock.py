"""Database tests run at one fixed instant (tests/conftest.py, frozen_clock), whatever the real clock says."""
from __future__ import annotations

from datetime import timedelta

from contest.models import utcnow
from tests.conftest import TEST_NOW


def test_the_app_and_the_tests_read_the_same_fixed_clock(app):
    assert TEST_NOW <= utcnow() < TEST_NOW + timedelta(minutes=1)  # it ticks on from there, like a real clock


def test_a_window_built_from_now_closes_at_the_same_minute_on_every_run(app, make_season):
    contest = make_season(closes_in=timedelta(days=5)).contests[0]
    assert contest.closes_at.replace(second=0, microsecond=0) == TEST_NOW + timedelta(days=5)
