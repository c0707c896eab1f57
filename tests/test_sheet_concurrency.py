"""Many judges saving drafts at once over submitted sheets, on a real PostgreSQL server.

Issue 9 saw every submitted demo sheet turn back into a draft under load. These tests check
what a draft save can reach when requests really run side by side: only the saving judge's own
sheet, and never the marks a ranking reads.
"""
from __future__ import annotations

import functools
import threading
from datetime import timedelta

import pytest

from contest.engines import scoring
from contest.extensions import db
from contest.models import Assignment, Contest, ScoringRound, SheetStatus, utcnow
from contest.services import judging, results, sheet_store
from contest.services.judging import Sheet
from tests.conftest import POSTGRES, RequestIsolatingClient, run_at_once, scored_contest

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")


def typed_by(judge_id: int) -> str:
    """Each judge types a value of their own, so a sheet shows who last wrote it."""
    return str(1 + judge_id % 10)


def test_judges_saving_drafts_at_once_leave_the_ranking_input_and_each_others_sheets_alone(
        app, make_season, make_user):
    contest, panel, _entries = scored_contest(make_season, make_user, 40, 12)
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=1),
                                closes_at=utcnow() + timedelta(days=5)))
    db.session.commit()
    before = results.build_instance(contest)
    sheets = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).all()
    # Each judge reopens every other sheet of theirs; the rest they leave alone.
    saved = {a.id: a.judge_id for a in sheets if a.id % 2}
    criteria = [c.id for c in contest.criteria]
    contest_id = contest.id
    start = threading.Barrier(len(panel))
    failures: list[str] = []

    sign_ins = {judge.id: judge.get_id() for judge in panel}

    def save_drafts(judge_id: int) -> None:
        with app.app_context():  # the thread's own session; each request still gets its own context
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = sign_ins[judge_id], True
            mine = [assignment_id for assignment_id, owner in saved.items() if owner == judge_id]
            start.wait()
            for assignment_id in mine:
                data = {"save_draft": "1", "overall_comment": f"Revised by {judge_id}"}
                data.update({f"value_{c}": typed_by(judge_id) for c in criteria})
                response = client.post(f"/judging/assignments/{assignment_id}/scores", data=data)
                if response.status_code != 302 or "/judging/assignments/" not in response.headers["Location"]:
                    failures.append(f"{assignment_id}: {response.status_code} {response.headers.get('Location')}")
            db.session.remove()

    app.test_client_class = RequestIsolatingClient
    threads = run_at_once(*(functools.partial(save_drafts, judge.id) for judge in panel), timeout=120)
    assert failures == [] and not any(thread.is_alive() for thread in threads)

    db.session.expire_all()
    with app.app_context():
        contest = db.session.get(Contest, contest_id)
        after = results.build_instance(contest)
        assert scoring.inputs_hash(after) == scoring.inputs_hash(before) and after == before
        for sheet in db.session.scalars(db.select(Assignment).order_by(Assignment.id)):
            assert sheet.status is SheetStatus.SUBMITTED
            revision = sheet.open_revision
            if sheet.id not in saved:
                assert sheet.revisions == []
                continue
            assert [r.number for r in sheet.revisions] == [1]
            assert revision.overall_comment == f"Revised by {sheet.judge_id}"
            assert {sheet_store.format_value(m.value) for m in revision.marks} == {typed_by(sheet.judge_id)}


def test_a_draft_saved_while_another_tab_submits_does_not_undo_the_submission(app, make_season, make_user):
    """The draft's request read the sheet before the submission committed; it must decide under the lock."""
    contest, panel, entries = scored_contest(make_season, make_user, 3, 3)
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=1),
                                closes_at=utcnow() + timedelta(days=5)))
    sheet = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).first()
    sheet.status, sheet.submitted_at = SheetStatus.DRAFT, None
    db.session.commit()
    sheet_id = sheet.id
    criteria = [c.id for c in contest.criteria]
    draft_has_read = threading.Event()
    submitted = threading.Event()

    def save_draft() -> None:
        with app.app_context():
            stale = db.session.get(Assignment, sheet_id)
            assert stale.status is SheetStatus.DRAFT  # read before the other tab's submission
            draft_has_read.set()
            submitted.wait(timeout=30)
            judging.record(stale, Sheet(values={c: "2" for c in criteria}), final=False)
            db.session.commit()
            db.session.remove()

    def submit() -> None:
        with app.app_context():
            draft_has_read.wait(timeout=30)
            judging.record(db.session.get(Assignment, sheet_id), Sheet(values={c: "9" for c in criteria}), final=True)
            db.session.commit()
            db.session.remove()
            submitted.set()

    run_at_once(save_draft, submit, timeout=60)

    db.session.expire_all()
    sheet = db.session.get(Assignment, sheet_id)
    assert sheet.status is SheetStatus.SUBMITTED
    assert {sheet_store.format_value(m.value) for m in sheet.marks} == {"9"}
    assert {sheet_store.format_value(m.value) for m in sheet.open_revision.marks} == {"2"}


def test_one_judge_saving_the_same_sheet_from_many_tabs_at_once_opens_one_revision(app, make_season, make_user):
    contest, panel, _entries = scored_contest(make_season, make_user, 3, 3)
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=1),
                                closes_at=utcnow() + timedelta(days=5)))
    db.session.commit()
    sheet = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).first()
    sheet_id, sign_in, before = sheet.id, sheet.judge.get_id(), results.build_instance(contest)
    criteria = [c.id for c in contest.criteria]
    tabs = 6
    start = threading.Barrier(tabs)
    outcomes: list[int] = []

    def save(tab: int) -> None:
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = sign_in, True
            start.wait()
            data = {"save_draft": "1", **{f"value_{c}": str(tab + 1) for c in criteria}}
            outcomes.append(client.post(f"/judging/assignments/{sheet_id}/scores", data=data).status_code)
            db.session.remove()

    app.test_client_class = RequestIsolatingClient
    run_at_once(*(functools.partial(save, tab) for tab in range(tabs)), timeout=60)
    assert outcomes == [302] * tabs

    db.session.expire_all()
    sheet = db.session.get(Assignment, sheet_id)
    [revision] = sheet.revisions
    assert revision.submitted_at is None and len({m.value for m in revision.marks}) == 1
    assert results.build_instance(db.session.get(Contest, contest.id)) == before
