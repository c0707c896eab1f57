"""Races that only a real database server shows: run in the PostgreSQL pass of `make test`."""
from __future__ import annotations

import functools
import threading

import pytest

from contest.extensions import db
from contest.models import Contest, Entry, User
from contest.services import entries
from contest.services.entries import EntryDraft, EntryError
from tests.conftest import POSTGRES, run_at_once

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")


def test_concurrent_drafts_cannot_exceed_the_entry_limit(app, make_season, make_user):
    contest = make_season().contests[0]
    contest.max_entries_per_author = 1
    author = make_user()
    db.session.commit()
    contest_id, author_id = contest.id, author.id
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        with app.app_context():
            contest_ = db.session.get(Contest, contest_id)
            author_ = db.session.get(User, author_id)
            start.wait()
            try:
                entries.create(contest_, author_, EntryDraft(title=f"Attempt {n}"))
                db.session.commit()
                outcomes.append("created")
            except EntryError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    run_at_once(*(functools.partial(attempt, n) for n in range(4)), timeout=30)
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 1
