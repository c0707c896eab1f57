"""A submitted sheet keeps counting: a judge's changes wait in a revision beside it until submitted."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contest.engines import scoring
from contest.extensions import db
from contest.models import (
    Assignment, ContestRanking, Entry, Mark, RevisionMark, Role, ScoringRound, SheetRevision, SheetStatus, utcnow,
)
from contest.services import judging, results, sheet_store
from contest.services.judging import ScoreError, Sheet
from tests.test_ballots import ballot_url, places
from tests.test_query_counts import counted_statements


@pytest.fixture
def revisable(scored):
    """The scored contest with round 1 still open, and judge 0's first submitted sheet."""
    contest, judges, entries = scored
    now = utcnow()
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=3)))
    db.session.commit()
    sheet = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == judges[0].id)
                               .order_by(Assignment.id)).first()
    return contest, judges, sheet


def url(sheet: Assignment, tail: str = "") -> str:
    return f"/judging/assignments/{sheet.id}{tail}"


def typed(contest, values, action="save_draft", overall="", comments=()) -> dict:
    data = {action: "1", "overall_comment": overall}
    for criterion, value in zip(contest.criteria, values):
        data[f"value_{criterion.id}"] = value
    for criterion, comment in zip(contest.criteria, comments):
        data[f"comment_{criterion.id}"] = comment
    return data


def marks_of(sheet) -> list[str]:
    return [sheet_store.format_value(m.value) for m in sorted(sheet.marks, key=lambda m: m.criterion_id)]


def fresh(sheet: Assignment) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, sheet.id)


def input_hash(contest) -> str:
    return scoring.inputs_hash(results.build_instance(contest))


def test_a_draft_on_a_submitted_sheet_is_a_revision_and_the_submitted_marks_keep_counting(
        client, login, revisable):
    contest, judges, sheet = revisable
    submitted, submitted_at, ranking_input = marks_of(sheet), sheet.submitted_at, input_hash(contest)
    login(judges[0])
    response = client.post(url(sheet, "/scores"), data=typed(contest, ["1", "2", "", "4"], overall="Second look"))
    assert response.status_code == 302
    assert "Your submitted scores still count" in client.get(response.headers["Location"]).get_data(as_text=True)

    sheet = fresh(sheet)
    assert sheet.status is SheetStatus.SUBMITTED and sheet.submitted_at == submitted_at
    assert marks_of(sheet) == submitted and input_hash(contest) == ranking_input
    revision = sheet.open_revision
    assert revision.number == 1 and revision.replaces_submitted_at == submitted_at
    assert marks_of(revision) == ["1", "2", "4"] and revision.overall_comment == "Second look"
    # A second draft edits the same revision.
    client.post(url(sheet, "/scores"), data=typed(contest, ["3", "2", "", "4"]))
    assert [(r.number, marks_of(r)) for r in fresh(sheet).revisions] == [(1, ["3", "2", "4"])]
    assert input_hash(contest) == ranking_input

    html = client.get(url(sheet)).get_data(as_text=True)
    assert "You are editing revision 1 of your submitted sheet" in html
    assert "Discard this revision" in html
    assert html.count("Submitted: ") == len(contest.criteria)
    assert f'name="value_{contest.criteria[0].id}" type="text" value="3"' in html
    queue = client.get("/judging/").get_data(as_text=True)
    assert "Submitted, revision in draft" in queue
    mine = db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.judge_id == judges[0].id))
    assert f"{mine} of {mine} scored" in queue


def test_submitting_the_revision_replaces_the_marks_at_once_and_is_recorded(client, login, revisable):
    contest, judges, sheet = revisable
    first_submitted_at = sheet.submitted_at
    others = {a.id: marks_of(a) for a in db.session.scalars(db.select(Assignment).where(Assignment.id != sheet.id))}
    login(judges[0])
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"]))
    response = client.post(url(sheet, "/scores"), data=typed(contest, ["9", "8", "7", "6"], "submit_scores",
                                                             overall="Revised", comments=["Better now"]))
    assert response.status_code == 302

    sheet = fresh(sheet)
    assert sheet.status is SheetStatus.SUBMITTED and sheet.open_revision is None
    assert marks_of(sheet) == ["9", "8", "7", "6"] and sheet.overall_comment == "Revised"
    assert sorted(m.comment for m in sheet.marks) == ["", "", "", "Better now"]
    [revision] = sheet.revisions
    assert revision.submitted_at == sheet.submitted_at and revision.submitted_at > first_submitted_at
    assert revision.replaces_submitted_at == first_submitted_at and marks_of(revision) == ["9", "8", "7", "6"]
    scores = [s for s in results.build_instance(contest)["scores"] if s["judge"] == f"j{judges[0].id}"
              and s["entry"] == f"e{sheet.entry_id}"]
    assert sorted(s["value"] for s in scores) == [6.0, 7.0, 8.0, 9.0]
    assert {a.id: marks_of(a) for a in db.session.scalars(db.select(Assignment).where(Assignment.id != sheet.id))} \
        == others
    # Submitting again without a draft is a revision of its own, numbered after the first.
    client.post(url(sheet, "/scores"), data=typed(contest, ["9", "9", "9", "9"], "submit_scores"))
    assert [(r.number, r.submitted_at is not None) for r in fresh(sheet).revisions] == [(1, True), (2, True)]


def test_discarding_the_revision_shows_the_submitted_values_again(client, login, revisable):
    contest, judges, sheet = revisable
    submitted, ranking_input = marks_of(sheet), input_hash(contest)
    login(judges[0])
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"], overall="Hmm"))
    response = client.post(url(sheet, "/revision/discard"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Revision discarded" in html and "You are editing revision" not in html
    assert f'name="value_{contest.criteria[0].id}" type="text" value="{submitted[0]}"' in html
    sheet = fresh(sheet)
    assert sheet.revisions == [] and marks_of(sheet) == submitted and sheet.status is SheetStatus.SUBMITTED
    assert input_hash(contest) == ranking_input
    again = client.post(url(sheet, "/revision/discard"), follow_redirects=True).get_data(as_text=True)
    assert "There was no revision to discard." in again


def test_another_judge_can_neither_revise_nor_discard_a_sheet_and_their_own_saves_leave_it_alone(
        client, login, revisable):
    contest, judges, sheet = revisable
    submitted = marks_of(sheet)
    judging.record(sheet, Sheet(values={c.id: "2" for c in contest.criteria}), final=False)
    db.session.commit()
    login(judges[1])
    assert client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"], "submit_scores")) \
        .status_code == 404
    assert client.post(url(sheet, "/revision/discard")).status_code == 404
    own = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == judges[1].id)).all()
    for mine in own:
        client.post(url(mine, "/scores"), data=typed(contest, ["1", "1", "1", "1"]))
    sheet = fresh(sheet)
    assert marks_of(sheet) == submitted and marks_of(sheet.open_revision) == ["2", "2", "2", "2"]
    assert all(fresh(mine).open_revision is not None for mine in own)
    assert db.session.scalar(db.select(db.func.count(SheetRevision.id))) == len(own) + 1


def test_a_closed_window_neither_starts_nor_submits_a_revision(client, login, revisable):
    contest, judges, sheet = revisable
    submitted, ranking_input = marks_of(sheet), input_hash(contest)
    login(judges[0])
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"]))
    scoring_round = ScoringRound.of(contest.id, 1)
    scoring_round.opens_at, scoring_round.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(minutes=1)
    db.session.commit()

    html = client.get(url(sheet)).get_data(as_text=True)
    assert "Your revision 1 was not submitted while scoring was open" in html
    assert "Discard this revision" not in html and "Submit scores" not in html
    assert f'value="{submitted[0]}"' in html
    for action in ("save_draft", "submit_scores"):
        page = client.post(url(sheet, "/scores"), data=typed(contest, ["5", "5", "5", "5"], action),
                           follow_redirects=True).get_data(as_text=True)
        assert "the scores are final" in page
    assert "the scores are final" in client.post(url(sheet, "/revision/discard"),
                                                 follow_redirects=True).get_data(as_text=True)
    sheet = fresh(sheet)
    assert marks_of(sheet) == submitted and marks_of(sheet.open_revision) == ["1", "1", "1", "1"]
    assert input_hash(contest) == ranking_input
    # Another submitted sheet cannot start a revision at all.
    other = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == judges[0].id,
                                                           Assignment.id != sheet.id)).first()
    with pytest.raises(ScoreError):
        judging.record(other, Sheet(values={c.id: "5" for c in contest.criteria}), final=False)
    db.session.rollback()
    assert fresh(other).revisions == []


@pytest.fixture
def submitted_ballots(client, login, revisable):
    """Round 2 open with four finalists, each of three panel judges' ballots submitted."""
    contest, judges, _sheet = revisable
    entries = sorted({a.entry for a in db.session.scalars(db.select(Assignment))}, key=lambda e: e.id)[:4]
    now = utcnow()
    db.session.add(ScoringRound(contest=contest, number=2, opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=3)))
    for entry in entries:
        for judge in judges[:3]:
            db.session.add(Assignment(judge=judge, entry=entry, round=2))
    db.session.commit()
    for judge in judges[:3]:
        login(judge)
        client.post(ballot_url(contest), data={**places(judge, entries, entries), "submit_ballot": "1"})
    return contest, judges[:3], entries


def test_a_ballot_draft_after_submission_keeps_the_submitted_places_until_it_is_submitted(
        client, login, submitted_ballots):
    contest, panel, finalists = submitted_ballots
    before = results.build_instance(contest)
    assert len(before["ballots"]) == 12
    reversed_order = list(reversed(finalists))
    login(panel[0])
    client.post(ballot_url(contest), data={**places(panel[0], finalists, reversed_order[:2]), "save_draft": "1"})
    assert results.build_instance(contest) == before
    html = client.get(ballot_url(contest)).get_data(as_text=True)
    assert "You are editing a revision of your submitted ballot" in html and "Discard this revision" in html

    client.post(f"{ballot_url(contest)}/revision/discard")
    assert results.build_instance(contest) == before
    assert db.session.scalar(db.select(db.func.count(SheetRevision.id))) == 0

    client.post(ballot_url(contest), data={**places(panel[0], finalists, reversed_order), "submit_ballot": "1"})
    db.session.expire_all()
    after = {b["entry"]: b["position"] for b in results.build_instance(contest)["ballots"]
             if b["judge"] == f"j{panel[0].id}"}
    assert after == {f"e{e.id}": place for place, e in enumerate(reversed_order, start=1)}
    assert all(a.status is SheetStatus.SUBMITTED for a in db.session.scalars(
        db.select(Assignment).where(Assignment.round == 2)))


def test_verify_names_the_revision_that_changed_a_published_mark(client, login, make_user, runner, revisable):
    contest, judges, sheet = revisable
    login(make_user(Role.ORGANIZER))
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    login(judges[0])
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"]))
    assert runner.invoke(args=["results", "verify", str(contest.season.year)]).exit_code == 0
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"], "submit_scores"))
    changed = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert changed.exit_code == 1
    assert f"judge j{judges[0].id} submitted revision 1 of their round 1 sheet of {sheet.entry.code}" in changed.output


@pytest.mark.parametrize("locale, note, label", [
    ("uz", "Siz yuborilgan baholash varaqangizning 1-tahririni tahrirlayapsiz.", "Bu tahrirni bekor qilish"),
    ("ru", "Вы редактируете редакцию 1 отправленного оценочного листа.", "Отменить эту редакцию"),
])
def test_the_revision_is_explained_in_the_readers_language(client, login, revisable, locale, note, label):
    contest, judges, sheet = revisable
    login(judges[0])
    client.post(f"/auth/language/{locale}")
    client.post(url(sheet, "/scores"), data=typed(contest, ["1", "1", "1", "1"]))
    html = client.get(url(sheet)).get_data(as_text=True)
    assert note in html and label in html and "You are editing" not in html


def test_a_draft_decides_on_the_sheet_as_it_is_once_locked_not_as_it_was_read(revisable):
    """Another tab submitted the sheet after this request read it: the draft must still become a revision.

    (tests/test_sheet_concurrency.py runs the same race with two real sessions on PostgreSQL.)
    """
    contest, _judges, sheet = revisable
    submitted = marks_of(sheet)
    sheet.status, sheet.submitted_at = SheetStatus.DRAFT, None
    db.session.commit()
    assert sheet.status is SheetStatus.DRAFT  # read now, as the draft's request would
    db.session.execute(db.update(Assignment).where(Assignment.id == sheet.id)
                       .values(status=SheetStatus.SUBMITTED, submitted_at=utcnow())
                       .execution_options(synchronize_session=False))
    judging.record(sheet, Sheet(values={c.id: "1" for c in contest.criteria}), final=False)
    db.session.commit()
    sheet = fresh(sheet)
    assert sheet.status is SheetStatus.SUBMITTED and marks_of(sheet) == submitted
    assert marks_of(sheet.open_revision) == ["1", "1", "1", "1"]


# -- written in Core (contest/services/sheet_store.py): only what changed, and the session reads what was written

def values(contest, *typed_values: str) -> Sheet:
    return Sheet(values={criterion.id: value for criterion, value in zip(contest.criteria, typed_values)})


def test_a_save_reaches_the_objects_the_session_already_holds(revisable):
    contest, _judges, sheet = revisable
    held_marks = list(sheet.marks)                       # loaded before the save, and kept
    assert sheet.status is SheetStatus.SUBMITTED and sheet.revisions == []
    judging.record(sheet, values(contest, "1", "2", "3", "4"), final=False)     # a revision, in draft
    assert sheet.open_revision is not None and marks_of(sheet.open_revision) == ["1", "2", "3", "4"]
    assert marks_of(sheet) == [sheet_store.format_value(mark.value) for mark in held_marks]   # still the submitted

    judging.record(sheet, values(contest, "5", "6", "7", "8"), final=True)
    assert marks_of(sheet) == ["5", "6", "7", "8"]
    assert sorted(sheet_store.format_value(mark.value) for mark in held_marks) == ["5", "6", "7", "8"]
    assert sheet.open_revision is None and [r.number for r in sheet.revisions] == [1]
    assert marks_of(sheet.revisions[0]) == ["5", "6", "7", "8"]
    assert sheet.submitted_at == sheet.revisions[0].submitted_at
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(SheetRevision)) == 1


def test_a_criterion_cleared_in_a_draft_leaves_it(revisable):
    contest, judges, _sheet = revisable
    assigned = db.select(Assignment.entry_id).where(Assignment.judge_id == judges[0].id)
    entry = db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id, Entry.id.not_in(assigned))
                               .order_by(Entry.id)).first()
    sheet = Assignment(judge=judges[0], entry=entry, round=1)
    db.session.add(sheet)
    db.session.commit()
    judging.record(sheet, values(contest, "3", "4", "5"), final=False)
    assert marks_of(sheet) == ["3", "4", "5"] and sheet.status is SheetStatus.DRAFT
    judging.record(sheet, values(contest, "3", "", "6"), final=False)
    assert marks_of(sheet) == ["3", "6"]
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Mark).where(Mark.assignment_id == sheet.id)) == 2


def test_only_a_submission_makes_the_stored_ranking_stale(revisable):
    contest, _judges, sheet = revisable
    db.session.add(ContestRanking(contest_id=contest.id, method="", stale=False, generation=0,
                                  recompute_queued=True))   # a job is already queued: nothing more is
    db.session.commit()

    def generation() -> int:
        db.session.expire_all()
        return db.session.get(ContestRanking, (contest.id, "")).generation

    judging.record(sheet, values(contest, "1", "2", "3", "4"), final=False)
    db.session.commit()
    assert generation() == 0                      # a revision in draft counts for nothing yet
    judging.record(sheet, values(contest, "1", "2", "3", "4"), final=True)
    db.session.commit()
    assert generation() == 1


def test_submitting_a_revision_runs_twelve_statements(client, login, revisable):
    contest, judges, sheet = revisable
    login(judges[0])
    counts = []
    for rubric_values in (["1", "2", "3", "4"], ["4", "3", "2", "1"]):
        path, form = url(sheet, "/scores"), typed(contest, rubric_values, "submit_scores")
        with counted_statements() as statements:
            response = client.post(path, data=form)
        assert response.status_code == 302
        counts.append(len(statements))
    # The judge, the assignment with its facts, the rubric, the lock, the sheet as stored; a new revision and its
    # marks, the sheet's marks and row; the stale rankings; the audit chain's head and its event.
    assert counts[0] == counts[1] and counts[0] <= 12
    assert db.session.scalar(db.select(db.func.count()).select_from(RevisionMark)) == 2 * len(contest.criteria)
    db.session.expire_all()
    assert marks_of(db.session.get(Assignment, sheet.id)) == ["4", "3", "2", "1"]
