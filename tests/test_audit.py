"""The audit log: what organizers and judges change is recorded, chained, verified, and read by organizers."""
from __future__ import annotations

import functools
import threading

import pytest
from sqlalchemy import text

from contest.extensions import db
from contest.models import AllocationSnapshot, AssignmentRun, AuditEvent, Role
from contest.services import audit
from contest.services import prizes as prize_service
from contest.services.prizes import PrizeError
from tests.conftest import PASSWORD, POSTGRES, run_at_once
from tests.excel.test_people_import import workbook
from tests.test_assignment_web import field_day  # noqa: F401  (a fixture)
from tests.test_imports import PARTICIPANT_ROWS
from tests.test_imports import post as post_import
from tests.test_judging import (  # noqa: F401  (fixtures)
    assignment, contest, entry, judge, lead, scoring_round, sheet, url,
)
from tests.test_prizes import season_with_winners  # noqa: F401  (a fixture)


def events(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.seq)
    return list(db.session.scalars(query.where(AuditEvent.action == action) if action else query))


def verify_output(runner) -> tuple[int, str]:
    db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


# -- what is recorded ----------------------------------------------------------------------------

def test_a_submitted_sheet_and_its_revision_are_recorded_with_the_judge_and_the_marks(  # noqa: F811
        client, login, judge, assignment, contest, scoring_round):  # noqa: F811 - the fixtures imported above
    login(judge)
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8", "6", "9"], overall="Good",
                                                       action="submit_scores"))
    client.post(url(assignment, "/scores"), data=sheet(contest, ["10", "8", "6", "9"], overall="Good",
                                                       action="submit_scores"))
    first = contest.criteria[0].id
    (submitted,) = events("sheet.submitted")
    assert (submitted.actor_id, submitted.actor_label) == (judge.id, judge.email)
    assert (submitted.subject_type, submitted.subject_id, submitted.entry_id) == (
        "assignment", assignment.id, assignment.entry_id)
    assert submitted.before is None
    assert submitted.after == {**{f"criterion {c.id}": v for c, v in zip(contest.criteria, ["7", "8", "6", "9"])},
                               "overall_comment": "Good"}
    (revised,) = events("revision.submitted")
    # Only what changed: the first criterion, from 7 to 10.
    assert (revised.actor_id, revised.before, revised.after) == (judge.id, {f"criterion {first}": "7"},
                                                                 {f"criterion {first}": "10"})


def test_a_revision_saved_then_discarded_is_recorded_against_the_submitted_values(  # noqa: F811
        client, login, judge, assignment, contest, scoring_round):  # noqa: F811 - the fixtures imported above
    login(judge)
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8", "6", "9"], action="submit_scores"))
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8", "6", "2"]))
    last = contest.criteria[-1].id
    (saved,) = events("revision.saved")
    assert (saved.actor_id, saved.before, saved.after) == (judge.id, {f"criterion {last}": "9"},
                                                           {f"criterion {last}": "2"})
    client.post(url(assignment, "/revision/discard"))
    (discarded,) = events("revision.discarded")
    assert discarded.actor_id == judge.id and discarded.before[f"criterion {last}"] == "2"


def test_an_assignment_commit_and_a_manual_conflict_are_recorded(client, organizer, contest, field_day):  # noqa: F811
    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"})
    (committed,) = events("assignment.committed")
    assert (committed.actor_id, committed.subject_type, committed.subject_id) == (
        organizer.id, "assignment_run", run.id)
    assert committed.after["pairs"] == 12 and committed.after["added"] == 12 and committed.after["removed"] == 0
    held = db.session.scalars(db.select(AssignmentRun)).one()
    assert committed.after["inputs_hash"] == held.inputs_hash

    target = next(e for e in entries if (judges[1].id, e.id) in {(j, n) for j, n in _pairs()})
    client.post(f"/organizer/contests/{contest.id}/conflicts",
                data={"judge": judges[1].id, "entry_code": target.code, "reason": "Supervised the author"})
    (conflict,) = [e for e in events("conflict.created") if e.after["source"] == "manual"]
    assert (conflict.actor_id, conflict.entry_id) == (organizer.id, target.id)
    assert conflict.after["judge_id"] == judges[1].id and conflict.after["reason"] == "Supervised the author"
    released = [e for e in events() if e.action in ("assignment.reassigned", "assignment.released")]
    assert [e.entry_id for e in released] == [target.id] and released[0].before["judge_id"] == judges[1].id


def _pairs() -> set[tuple[int, int]]:
    from contest.models import Assignment
    return set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id)).tuples())


def test_a_publication_is_recorded_with_its_version(client, organizer, scored):
    scored_contest, _panel, made = scored
    client.post(f"/results/contests/{scored_contest.id}/publish", data={"confirm": "yes"})
    (published,) = events("ranking.published")
    assert (published.actor_id, published.subject_type) == (organizer.id, "ranking")
    assert published.after["version"] == 1 and published.after["entries_ranked"] == len(made)


def test_an_allocation_commit_is_recorded(client, organizer, season_with_winners):  # noqa: F811
    season, _people, _entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    (committed,) = events("allocation.committed")
    snapshot = db.session.scalars(db.select(AllocationSnapshot)).one()
    assert (committed.actor_id, committed.subject_id, committed.after["version"]) == (organizer.id, snapshot.id, 1)


def test_an_import_is_one_event_with_its_counts(client, organizer):
    post_import(client, "participants", workbook(PARTICIPANT_ROWS))
    (imported,) = events("import.participants")
    assert imported.actor_id == organizer.id
    assert imported.after == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert not events("user.invited")  # one event for the file, not one per row


def test_a_season_edit_records_only_the_changed_fields(client, organizer, make_season):
    season = make_season()
    year = season.year
    client.post(f"/organizer/seasons/{season.id}", data={"year": year, "budget": "14 000 000 000"})
    (edited,) = events("season.updated")
    assert (edited.actor_id, edited.subject_id) == (organizer.id, season.id)
    assert (edited.before, edited.after) == ({"budget": 15_000_000_000}, {"budget": 14_000_000_000})


def test_a_rubric_criterion_added_edited_and_removed_is_recorded_field_by_field(client, organizer, make_season):
    rubric = make_season().contests[0]
    client.post(f"/organizer/contests/{rubric.id}/criteria/new", data={
        "name": "Presentation", "description": "Clarity", "weight": "0.1", "scale_min": "0", "scale_max": "5"})
    (added,) = [e for e in events("criterion.created") if e.actor_id == organizer.id]
    assert added.after["name"] == "Presentation" and added.after["weight"] == "0.1"
    assert added.after["contest_id"] == rubric.id and added.subject_id is not None
    client.post(f"/organizer/criteria/{added.subject_id}", data={
        "name": "Presentation", "description": "Clarity", "weight": "0.2", "scale_min": "0", "scale_max": "5"})
    (edited,) = events("criterion.updated")
    assert (edited.actor_id, edited.before, edited.after) == (organizer.id, {"weight": "0.1"}, {"weight": "0.2"})
    client.post(f"/organizer/criteria/{added.subject_id}/delete")
    (removed,) = events("criterion.deleted")
    assert removed.subject_id == added.subject_id and removed.before["name"] == "Presentation"


def test_an_invited_judge_and_a_withdrawn_entry_are_recorded(client, login, organizer, entry):  # noqa: F811
    client.post("/organizer/judges", data={"full_name": "New Judge", "email": "new.judge@example.uz",
                                           "organization": "TSTU", "region": ""})
    (invited,) = events("user.invited")
    assert invited.actor_id == organizer.id and invited.after["email"] == "new.judge@example.uz"
    assert invited.after["role"] == "judge" and "password" not in str(invited.after)
    login(entry.lead_author)
    client.post(f"/entries/{entry.id}/withdraw", data={"confirm": "yes"})
    (withdrawn,) = events("entry.withdrawn")
    assert (withdrawn.actor_id, withdrawn.entry_id) == (entry.lead_author_id, entry.id)
    assert (withdrawn.before, withdrawn.after) == ({"status": "submitted"}, {"status": "withdrawn"})


def test_a_password_change_is_recorded_without_the_password(client, login, make_user):
    judge_account = make_user(Role.JUDGE)
    login(judge_account)
    client.post("/auth/password", data={"current": PASSWORD, "password": "a brand new secret",
                                        "confirm": "a brand new secret"})
    (changed,) = events("user.password_changed")
    assert (changed.actor_id, changed.subject_id, changed.before, changed.after) == (
        judge_account.id, judge_account.id, None, None)


def test_a_command_line_change_is_recorded_as_the_command_line(runner, app):
    result = runner.invoke(args=["create-user", "--role", "organizer", "--email", "boss@example.uz",
                                 "--name", "Boss", "--password", "long enough"])
    assert result.exit_code == 0, result.output
    (created,) = events("user.created")
    assert (created.actor_id, created.actor_label, created.after["role"]) == (None, "cli", "organizer")


def test_a_change_refused_after_it_was_recorded_leaves_no_event(client, organizer, season_with_winners,  # noqa: F811
                                                                monkeypatch):
    season, _people, _entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    before = len(events())
    original = prize_service.commit

    def commit_then_refuse(*args, **kwargs):
        original(*args, **kwargs)
        assert [e.action for e, _subject, _entry in audit.staged(db.session())] == ["allocation.committed"]
        raise PrizeError("what_if_target_missing")  # any refusal, at the last moment

    monkeypatch.setattr(prize_service, "commit", commit_then_refuse)
    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    db.session.expire_all()
    assert len(events()) == before and not events("allocation.committed")
    assert db.session.scalar(db.select(db.func.count(AllocationSnapshot.id))) == 0


# -- the chain -------------------------------------------------------------------------------------

@pytest.fixture
def chain(app, make_user):
    """Six events by one organizer, committed one request at a time."""
    organizer = make_user(Role.ORGANIZER)
    for n in range(6):
        audit.record("season.updated", ("season", 1), before={"budget": n}, after={"budget": n + 1}, actor=organizer)
        db.session.commit()
    return organizer


def test_an_intact_chain_verifies_with_its_count(runner, chain):
    code, output = verify_output(runner)
    assert code == 0 and f"6 events checked, the chain is intact; last hash {events()[-1].hash}" in output
    assert [e.seq for e in events()] == [1, 2, 3, 4, 5, 6]
    assert all(e.prev_hash == p.hash for p, e in zip(events(), events()[1:]))


def test_an_edited_row_is_named(runner, chain):
    db.session.execute(text("UPDATE audit_events SET after = :after WHERE seq = 4"), {"after": '{"budget": 99}'})
    db.session.commit()
    code, output = verify_output(runner)
    assert code == 1 and "BROKEN at seq 4 (edited): hash mismatch at seq 4" in output


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(runner, chain):
    db.session.execute(text("UPDATE audit_events SET actor_label = 'someone@else.uz' WHERE seq = 2"))
    db.session.commit()
    row = db.session.get(AuditEvent, 2)
    db.session.execute(text("UPDATE audit_events SET hash = :hash WHERE seq = 2"), {"hash": row.computed_hash()})
    db.session.commit()
    code, output = verify_output(runner)
    assert code == 1 and "BROKEN at seq 3 (deleted): prev_hash mismatch at seq 3" in output


def test_a_deleted_row_is_named(runner, chain):
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    db.session.commit()
    code, output = verify_output(runner)
    assert code == 1 and "BROKEN at seq 4 (deleted): gap between seq 2 and seq 4" in output


def test_a_deleted_row_hidden_by_renumbering_is_named(runner, chain):
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    for seq in (4, 5, 6):
        db.session.execute(text("UPDATE audit_events SET seq = :new WHERE seq = :old"), {"new": seq - 1, "old": seq})
    db.session.commit()
    code, output = verify_output(runner)
    assert code == 1 and "BROKEN at seq 3 (deleted): prev_hash mismatch at seq 3" in output


def test_two_swapped_rows_are_named_as_reordered(runner, chain):
    for old, new in ((3, 100), (4, 3), (100, 4)):
        db.session.execute(text("UPDATE audit_events SET seq = :new WHERE seq = :old"), {"new": new, "old": old})
    db.session.commit()
    code, output = verify_output(runner)
    assert code == 1
    assert "BROKEN at seq 3 (reordered): seq 3 was written after the event now at seq 4, not after seq 2" in output


def test_appending_continues_the_chain_of_what_is_already_stored(app, chain):
    last = events()[-1]
    added = audit.record("contest.updated", ("contest", 1), after={"judges_per_entry": 4})
    db.session.commit()
    assert (added.seq, added.prev_hash) == (last.seq + 1, last.hash)
    assert (audit.verify().checked, audit.verify().problem) == (7, None)


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")
def test_concurrent_appends_from_several_threads_keep_one_unbroken_chain(app, make_user):
    organizer_id = make_user(Role.ORGANIZER).id
    threads, per_thread = 6, 15
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def append(n: int) -> None:
        with app.app_context():
            try:
                from contest.models import User
                organizer = db.session.get(User, organizer_id)
                start.wait()
                for i in range(per_thread):
                    audit.record("season.updated", ("season", n), before={"budget": i}, after={"budget": i + 1},
                                 actor=organizer)
                    db.session.execute(text("SELECT pg_sleep(0.002)"))  # hold the lock a little, as a request would
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported to the test below
                failures.append(error)
            finally:
                db.session.remove()

    run_at_once(*(functools.partial(append, n) for n in range(threads)), timeout=60)
    assert not failures, failures
    stored = events()
    assert [e.seq for e in stored] == list(range(1, threads * per_thread + 1))
    assert {e.subject_id for e in stored} == set(range(threads))
    assert audit.verify() == audit.Verification(threads * per_thread, stored[-1].hash, None)


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")
def test_an_open_transaction_that_recorded_an_event_does_not_hold_up_others(app):
    """The chain is locked at the commit only, so a long request cannot stall (or deadlock with) the rest."""
    recorded, other_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def slow_request() -> None:
        with app.app_context():
            audit.record("season.updated", ("season", 1), after={"budget": 1}, actor="slow")
            db.session.flush()
            recorded.set()
            outcome["other finished first"] = other_done.wait(timeout=10)
            db.session.commit()
            db.session.remove()

    def quick_request() -> None:
        recorded.wait(timeout=10)
        with app.app_context():
            audit.record("season.updated", ("season", 2), after={"budget": 2}, actor="quick")
            db.session.commit()
            db.session.remove()
        other_done.set()

    run_at_once(slow_request, quick_request, timeout=30)
    assert outcome == {"other finished first": True}
    assert [e.actor_label for e in events()] == ["quick", "slow"] and audit.verify().problem is None


# -- the organizers' page --------------------------------------------------------------------------

@pytest.fixture
def logged(app, make_user, make_season):
    """Two judges' sheets on two entries, and an organizer's edit."""
    season = make_season()
    first, second = make_user(Role.JUDGE, full_name="Judge Alimov"), make_user(Role.JUDGE, full_name="Judge Botirova")
    organizer = make_user(Role.ORGANIZER, full_name="Organizer Karimova")
    for n, (person, entry_id) in enumerate([(first, 7), (second, 7), (first, 8)]):
        audit.record("sheet.submitted", ("assignment", n + 1), after={"criterion 1": "7"}, entry=entry_id, actor=person)
    audit.record("season.updated", season, before={"budget": 1}, after={"budget": 2}, actor=organizer)
    db.session.commit()
    return first, second, organizer


def shown_seqs(html: str) -> list[int]:
    import re
    return [int(n) for n in re.findall(r'<td class="code">(\d+)</td>', html)]


def test_the_page_lists_the_newest_first_and_filters(client, login, logged):
    first, second, organizer = logged
    login(organizer)
    everything = client.get("/organizer/audit").get_data(as_text=True)
    season_events = len(events()) - 4  # the season's creation, recorded by the flush hook
    assert shown_seqs(everything)[:4] == [e.seq for e in events()][::-1][:4] and season_events > 0
    assert "Judge Alimov" in everything and "Score sheet submitted" in everything and "Season: changed" in everything
    by_person = client.get("/organizer/audit", query_string={"person": first.email}).get_data(as_text=True)
    assert [e.actor_id for e in events() if e.seq in shown_seqs(by_person)] == [first.id, first.id]
    by_entry = client.get("/organizer/audit", query_string={"entry": "E-00007"}).get_data(as_text=True)
    assert sorted(e.actor_id for e in events() if e.seq in shown_seqs(by_entry)) == sorted([first.id, second.id])
    by_action = client.get("/organizer/audit", query_string={"action": "season.updated"}).get_data(as_text=True)
    assert [events()[seq - 1].action for seq in shown_seqs(by_action)] == ["season.updated"]
    both = client.get("/organizer/audit", query_string={"person": first.email, "entry": "8"}).get_data(as_text=True)
    assert len(shown_seqs(both)) == 1
    bad = client.get("/organizer/audit", query_string={"entry": "not a code"})
    assert bad.status_code == 422 and "Type an entry code" in bad.get_data(as_text=True)


def test_the_page_pages_and_writes_nothing(client, login, logged):
    *_judges, organizer = logged
    for n in range(60):
        audit.record("sheet.saved", ("assignment", n), after={"n": n}, actor=organizer)
    db.session.commit()
    login(organizer)
    count = len(events())
    first_page = shown_seqs(client.get("/organizer/audit").get_data(as_text=True))
    second_page = shown_seqs(client.get("/organizer/audit?page=2").get_data(as_text=True))
    assert len(first_page) == 50 and first_page[0] == count and second_page[0] == count - 50
    assert len(events()) == count


@pytest.mark.parametrize("language, heading, action", [("uz", "Oʻzgarishlar jurnali", "Baholash varaqasi yuborildi"),
                                                       ("ru", "Журнал изменений", "Оценочный лист отправлен")])
def test_the_page_speaks_the_organizers_language(client, login, logged, language, heading, action):
    *_judges, organizer = logged
    login(organizer)
    client.post(f"/auth/language/{language}")
    html = client.get("/organizer/audit").get_data(as_text=True)
    assert heading in html and action in html and "Score sheet submitted" not in html


@pytest.mark.parametrize("role", [Role.JUDGE, Role.PARTICIPANT])
def test_judges_and_participants_cannot_read_the_log(client, login, make_user, logged, role):
    login(make_user(role))
    assert client.get("/organizer/audit").status_code == 403
