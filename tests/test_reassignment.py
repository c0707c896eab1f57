"""A declared conflict reassigns at once: the seat goes to the best eligible judge, or the organizers are told."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from contest.extensions import db
from contest.models import (
    Assignment, AssignmentRun, Conflict, ContestJudge, DeclarationKind, Mark, OutboxMessage, Reassignment, Role,
    RunStatus,
    ScoringRound, SheetStatus, utcnow,
)
from contest.services import reassignment, results
from tests.test_assignment_web import add_entry, add_judge


@pytest.fixture
def contest(make_season):
    contest = make_season().contests[0]
    contest.judges_per_entry = 2
    db.session.commit()
    return contest


@pytest.fixture
def panel(contest, make_user):
    """Five judges: the declarer, two energy experts of different levels, one who is full, one for IT."""
    return {
        "declarer": add_judge(make_user, contest, "Declaring Judge", "Org D", {"Energy": 3}),
        "expert": add_judge(make_user, contest, "Expert Judge", "Org E", {"Energy": 3}, max_load=3),
        "familiar": add_judge(make_user, contest, "Familiar Judge", "Org F", {"Energy": 1}),
        "full": add_judge(make_user, contest, "Full Judge", "Org X", {"Energy": 3}, max_load=1),
        "it": add_judge(make_user, contest, "IT Judge", "Org I", {"IT": 2}),
    }


def assign(judge, entry, **values) -> Assignment:
    assignment = Assignment(judge=judge, entry=entry, **values)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def assert_loads_within_limits(contest) -> None:
    loads = dict(db.session.execute(db.select(Assignment.judge_id, db.func.count()).group_by(Assignment.judge_id))
                 .tuples().all())
    for member in db.session.scalars(db.select(ContestJudge).where(ContestJudge.contest_id == contest.id)):
        assert loads.get(member.judge_id, 0) <= member.max_load, member.judge.full_name


def pairs() -> set[tuple[int, int]]:
    db.session.expire_all()
    return set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id)).tuples())


@pytest.fixture
def assigned(contest, make_user, panel):
    """Three energy entries, each with the declarer and one other judge; the full judge is full."""
    leads = [make_user(full_name=f"Author {n}", organization=f"School {n}") for n in range(3)]
    entries = [add_entry(contest, lead, f"Energy entry {n}") for n, lead in enumerate(leads)]
    for entry in entries:
        assign(panel["declarer"], entry)
    assign(panel["familiar"], entries[0])
    assign(panel["it"], entries[1])
    assign(panel["full"], entries[2])
    return entries


def test_the_seat_goes_to_the_best_eligible_judge_and_nothing_else_moves(client, login, panel, assigned):
    entry = assigned[0]
    mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == panel["declarer"].id,
                                                          Assignment.entry_id == entry.id)).one()
    mine.marks.append(Mark(criterion=entry.contest.criteria[0], value=Decimal("7")))
    db.session.commit()
    before = pairs()
    login(panel["declarer"])
    page = client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "I taught the author."},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert f"Conflict declared: {entry.code} has left your queue and another judge now has it." in html
    assert "Author 0" not in html and "Expert Judge" not in html  # blind, and no other judge named
    # The expert (level 3, room left) takes it: the familiar judge already judges it, the full judge is full.
    after = pairs()
    assert after == before - {(panel["declarer"].id, entry.id)} | {(panel["expert"].id, entry.id)}
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == 0  # the conflicted judge's mark is gone
    row = db.session.scalars(db.select(Reassignment)).one()
    assert (row.released_judge_id, row.replacement_judge_id, row.discarded_marks) == (
        panel["declarer"].id, panel["expert"].id, 1)
    assert row.reason == "I taught the author." and row.run.status is RunStatus.COMMITTED
    assert row.run.created_by_id == panel["declarer"].id and json.loads(row.run.result_json)["gap"] == 0
    [notice] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "assignment")).all()
    assert notice.recipient_id == panel["expert"].id and entry.code in notice.body_text  # told, by code only
    assert entry.title not in notice.body_text and "Author 0" not in notice.body_text
    login(panel["expert"])
    assert entry.code in client.get("/judging/").get_data(as_text=True)


def test_load_limits_hold_and_the_next_best_judge_takes_the_seat(client, login, panel, assigned, make_user):
    expert = panel["expert"]
    for n in range(3):  # the expert reaches their maximum load of 3 elsewhere
        assign(expert, add_entry(assigned[0].contest, make_user(), f"Other {n}"))
    mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == panel["declarer"].id,
                                                          Assignment.entry_id == assigned[1].id)).one()
    login(panel["declarer"])
    client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "Former student"})
    row = db.session.scalars(db.select(Reassignment)).one()
    assert row.replacement_judge_id == panel["familiar"].id
    loads = dict(db.session.execute(db.select(Assignment.judge_id, db.func.count()).group_by(Assignment.judge_id))
                 .tuples().all())
    assert loads[expert.id] == 3 and loads[panel["full"].id] == 1


def test_with_no_eligible_judge_the_entry_is_short_and_the_organizers_are_told(client, login, contest, make_user):
    contest.judges_per_entry = 1
    declarer = add_judge(make_user, contest, "Declaring Judge", "Org D", {"Energy": 3})
    busy = add_judge(make_user, contest, "Busy Judge", "Org B", {"Energy": 3}, max_load=1)
    cousin = add_judge(make_user, contest, "Cousin Judge", "Org C", {"Energy": 3})
    entry = add_entry(contest, make_user(full_name="Secret Author"), "Lonely entry")
    db.session.add(Conflict(judge=cousin, entry=entry, source="manual", reason="cousin"))
    mine = assign(declarer, entry)
    assign(busy, add_entry(contest, make_user(), "Elsewhere"))
    login(declarer)
    page = client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "My neighbour"},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "No other judge is free to take it, so the organizers have been told." in html
    assert "Secret Author" not in html
    row = db.session.scalars(db.select(Reassignment)).one()
    assert row.replacement_judge_id is None and (row.judges_conflicted, row.judges_full) == (1, 1)
    assert entry.id not in {e for _j, e in pairs()}
    login(make_user(Role.ORGANIZER))
    page = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    assert "Entries short of a judge after a declared conflict" in page
    assert (f"{entry.code} lacks a judge: Declaring Judge declared a conflict and no other judge is eligible "
            "(1 judge is conflicted with it; 1 judge is at their maximum load)") in page
    overview = client.get("/organizer/").get_data(as_text=True)
    assert (f"1 entry of {contest.title} lacks a judge after a declared conflict, and no other judge is "
            "eligible.") in overview
    # A judge added by hand resolves the notice; the history keeps the record.
    client.post(f"/organizer/contests/{contest.id}/assignment",
                data={"judge": busy.id, "entry_code": entry.code})  # busy is full: the organizer decides
    page = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    assert "Entries short of a judge after a declared conflict" not in page
    assert "Reassignments after declared conflicts" in page and "No eligible judge" in page
    assert "lacks a judge after a declared conflict" not in client.get("/organizer/").get_data(as_text=True)


def test_a_person_conflict_reassigns_every_entry_of_that_person(client, login, contest, panel, make_user):
    relative = make_user(full_name="Karimova Dilnoza", organization="School 9")
    hit = [add_entry(contest, relative, f"Family entry {n}") for n in range(2)]
    other = add_entry(contest, make_user(full_name="Someone Else"), "Unrelated")
    for entry in [*hit, other]:
        assign(panel["declarer"], entry)
    assign(panel["familiar"], hit[0])
    before = pairs()
    login(panel["declarer"])
    page = client.post("/judging/declarations", data={"kind": "person", "value": "karimova dilnoza"},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Thank you: 2 entries have left your queue. 2 have been given to other judges." in html
    rows = db.session.scalars(db.select(Reassignment).order_by(Reassignment.entry_id)).all()
    assert [r.entry_id for r in rows] == [e.id for e in hit] and len({r.run_id for r in rows}) == 1
    after = pairs()
    gone = {(panel["declarer"].id, e.id) for e in hit}
    added = after - (before - gone)
    assert before - after == gone and len(added) == 2
    for judge_id, entry_id in added:
        assert judge_id != panel["declarer"].id and (judge_id, entry_id) not in before
    assert (panel["familiar"].id, hit[0].id) not in added  # never twice on one entry
    assert_loads_within_limits(contest)
    assert (panel["declarer"].id, other.id) in after
    assert "Karimova" not in html


def test_an_organization_conflict_reassigns_and_counts_the_entries(client, login, contest, panel, make_user):
    hit = [add_entry(contest, make_user(organization="Fergana Azot"), f"Azot {n}") for n in range(2)]
    for entry in hit:
        assign(panel["declarer"], entry)
    login(panel["declarer"])
    page = client.post("/judging/declarations", data={"kind": "organization", "value": "fergana azot"},
                       follow_redirects=True)
    assert "2 entries have left your queue" in page.get_data(as_text=True)
    rows = db.session.scalars(db.select(Reassignment)).all()
    assert {r.entry_id for r in rows} == {e.id for e in hit}
    assert all(r.replacement_judge_id is not None for r in rows)
    assert_loads_within_limits(contest)
    assert "fergana azot" in rows[0].reason.casefold()
    queue = client.get("/judging/").get_data(as_text=True)
    assert all(e.code not in queue for e in hit)


def test_an_organizer_declaring_for_a_judge_reassigns_too(client, organizer, contest, panel, make_user):
    entry = add_entry(contest, make_user(full_name="Aliyev Bobur"), "Bobur's pump")
    assign(panel["declarer"], entry)
    page = client.post(f"/organizer/judges/{panel['declarer'].id}",
                       data={"kind": "person", "value": "Aliyev Bobur", "declare": "y"}, follow_redirects=True)
    assert "1 entry got another judge." in page.get_data(as_text=True)
    row = db.session.scalars(db.select(Reassignment)).one()
    assert row.run.created_by_id == organizer.id and row.replacement_judge_id == panel["expert"].id


def test_a_declaration_leaves_closed_rounds_and_unassigned_entries_alone(app, contest, panel, make_user):
    now = utcnow()
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=9),
                                closes_at=now - timedelta(days=1)))
    entry = add_entry(contest, make_user(full_name="Closed Case"), "Scored and closed")
    sheet = assign(panel["declarer"], entry, status=SheetStatus.SUBMITTED, submitted_at=now - timedelta(days=2))
    sheet.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("8")))
    short_entry = add_entry(contest, make_user(), "Never assigned")
    db.session.commit()
    outcome = reassignment.declare(panel["declarer"], DeclarationKind.PERSON, "Closed Case", by=panel["declarer"])
    db.session.commit()
    assert outcome.replaced == outcome.short == outcome.released == []
    assert (panel["declarer"].id, entry.id) in pairs()  # final scores never change
    assert short_entry.id not in {e for _j, e in pairs()}  # a declaration fills nothing it did not empty
    assert db.session.scalar(db.select(db.func.count(AssignmentRun.id))) == 0


def test_the_conflicted_judges_marks_leave_the_ranking(client, login, contest, panel, assigned):
    mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == panel["declarer"].id,
                                                          Assignment.entry_id == assigned[0].id)).one()
    mine.status, mine.submitted_at = SheetStatus.SUBMITTED, utcnow()
    for criterion in contest.criteria:
        mine.marks.append(Mark(criterion=criterion, value=Decimal("9")))
    db.session.commit()
    declarer = f"j{panel['declarer'].id}"
    assert any(s["judge"] == declarer for s in results.build_instance(contest)["scores"])
    login(panel["declarer"])
    client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "Co-authored a paper"})
    assert not any(s["judge"] == declarer for s in results.build_instance(contest)["scores"])
    assert db.session.scalars(db.select(Reassignment)).one().discarded_marks == len(contest.criteria)


def test_the_run_page_explains_the_reassignment(client, login, panel, assigned, make_user):
    mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == panel["declarer"].id,
                                                          Assignment.entry_id == assigned[0].id)).one()
    login(panel["declarer"])
    client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "Same lab"})
    run = db.session.scalars(db.select(AssignmentRun)).one()
    login(make_user(Role.ORGANIZER))
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "This run gave seats freed by a declared conflict to other judges" in html
    assert "Expert Judge" in html and "Declaring Judge" in html and "Same lab" in html


def test_the_judge_and_the_organizer_read_it_in_their_language(client, login, contest, make_user):
    contest.judges_per_entry = 1
    declarer = add_judge(make_user, contest, "Declaring Judge", "Org D", {"Energy": 3})
    entry = add_entry(contest, make_user(), "Lonely entry")
    mine = assign(declarer, entry)
    login(declarer)
    client.post("/auth/language/ru")
    html = client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "Сосед"},
                       follow_redirects=True).get_data(as_text=True)
    assert (f"Конфликт интересов заявлен: работа {entry.code} убрана из Вашего списка. Свободного эксперта, "
            "который мог бы её взять, нет, поэтому организаторы уведомлены.") in html
    login(make_user(Role.ORGANIZER))
    client.post("/auth/language/uz")
    page = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    assert "Manfaatlar toʻqnashuvidan keyin ekspert yetishmayotgan ishlar" in page
    assert f"{entry.code} ishiga ekspert yetishmaydi: Declaring Judge manfaatlar toʻqnashuvini" in page
    assert "hay’atda boshqa ekspert yoʻq" in page


def test_a_conflict_the_organizer_records_by_hand_reassigns_like_a_declaration(client, organizer, contest, panel,
                                                                                  assigned):
    entry = assigned[0]
    before = pairs()
    page = client.post(f"/organizer/contests/{contest.id}/conflicts", follow_redirects=True, data={
        "judge": panel["declarer"].id, "entry_code": entry.code, "reason": "Supervised the author's thesis."})
    html = page.get_data(as_text=True)
    assert "Conflict recorded. 1 entry got another judge." in html
    assert pairs() == before - {(panel["declarer"].id, entry.id)} | {(panel["expert"].id, entry.id)}
    row = db.session.scalars(db.select(Reassignment)).one()
    assert (row.released_judge_id, row.replacement_judge_id, row.reason) == (
        panel["declarer"].id, panel["expert"].id, "Supervised the author's thesis.")


def test_a_conflict_found_after_the_assignment_releases_the_pair_and_its_marks(client, organizer, contest, panel,
                                                                                make_user):
    """The author joins the judge's organization after the assignment: detection finds it, and the judge's
    marks leave the ranking with the pair instead of staying hidden from the judge and counting."""
    colleague = make_user(full_name="Colleague Author", organization="Org D")
    entry = add_entry(contest, colleague, "Energy entry of a colleague")
    sheet = assign(panel["declarer"], entry)
    sheet.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("9")))
    assign(panel["familiar"], entry)
    before = pairs()
    asked = client.post(f"/organizer/contests/{contest.id}/conflicts/detect")  # it would discard a mark: ask first
    assert asked.status_code == 302 and asked.headers["Location"].endswith(f"/contests/{contest.id}/conflicts/detect")
    assert pairs() == before and db.session.scalar(db.select(db.func.count(Conflict.id))) == 0
    question = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert f"1 assignment is in conflict and is released: {entry.code} (Declaring Judge)." in question
    assert "1 mark given on them is discarded and stops counting in the ranking." in question
    page = client.post(f"/organizer/contests/{contest.id}/conflicts/detect", data={"confirm": "yes"},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "automatic conflicts found. 1 entry got another judge." in html
    assert pairs() == {(panel["familiar"].id, entry.id), (panel["expert"].id, entry.id)}
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == 0
    assert_loads_within_limits(contest)
    # Detecting again changes nothing: the pair is gone, so there is nothing left to release.
    client.post(f"/organizer/contests/{contest.id}/conflicts/detect")
    assert pairs() == {(panel["familiar"].id, entry.id), (panel["expert"].id, entry.id)}
    assert db.session.scalar(db.select(db.func.count(Reassignment.id))) == 1


def test_a_declaration_also_releases_an_automatic_conflict_it_brings_to_light(client, login, contest, panel,
                                                                              make_user):
    """Declaring re-detects the judge's conflicts: an entry by a colleague of theirs (same organization),
    assigned before anyone ran Detect, leaves the queue with the declared one instead of staying hidden."""
    relative = add_entry(contest, make_user(full_name="Karimova Dilnoza"), "Family entry")
    colleague = add_entry(contest, make_user(full_name="Colleague", organization="Org D"), "Colleague's entry")
    for entry in (relative, colleague):
        assign(panel["declarer"], entry)
    login(panel["declarer"])
    client.post("/judging/declarations", data={"kind": "person", "value": "karimova dilnoza"})
    held = {entry_id for judge_id, entry_id in pairs() if judge_id == panel["declarer"].id}
    assert held == set()
    assert {r.entry_id for r in db.session.scalars(db.select(Reassignment))} == {relative.id, colleague.id}


def test_the_conflicts_page_reads_its_rows_in_a_fixed_number_of_queries(client, organizer, contest, make_user):
    """Each conflict's judge, entry, authors and the judge's declarations are loaded with the list."""
    organizations = iter(range(10**6))

    def queries_for_the_page() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (the statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/organizer/contests/{contest.id}/conflicts").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    def colleagues(n: int) -> None:  # judges and authors sharing an organization: automatic conflicts
        for i in range(n):
            organization = f"Institute {next(organizations)}"
            add_judge(make_user, contest, f"Judge of {organization}", organization)
            add_entry(contest, make_user(full_name=f"Author of {organization}", organization=organization), "Pump")
        client.post(f"/organizer/contests/{contest.id}/conflicts/detect")

    colleagues(2)
    few = queries_for_the_page()
    colleagues(20)
    assert db.session.scalar(db.select(db.func.count(Conflict.id))) == 22
    assert queries_for_the_page() == few



def test_refill_runs_do_not_crowd_the_dry_runs_out_of_recent_runs(client, login, make_user, contest, panel,
                                                                   assigned):
    organizer = make_user(Role.ORGANIZER)
    login(organizer)
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    dry_run = db.session.scalars(db.select(AssignmentRun)).one()
    login(panel["declarer"])
    for entry in assigned:
        mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == panel["declarer"].id,
                                                              Assignment.entry_id == entry.id)).one()
        client.post(f"/judging/assignments/{mine.id}/conflict", data={"reason": "Family."})
    assert db.session.scalar(db.select(db.func.count(AssignmentRun.id))) == 4  # the dry run and three refills
    login(organizer)
    html = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    recent = html[html.index("Recent runs:"):].split("</p>")[0]
    assert f"/organizer/assignment-runs/{dry_run.id}" in recent and recent.count("/organizer/assignment-runs/") == 1
    assert html.count("<tr") > 3 and "Reassignments after declared conflicts" in html


def test_more_seats_than_the_engine_can_price_are_refused_with_a_code(app, panel, assigned, monkeypatch):
    """The refill prices an empty seat above every affinity; past the engine's range it refuses, in words."""
    from contest.engines import refill

    monkeypatch.setattr(refill, "MAX_AFFINITY", 1.0)
    with pytest.raises(reassignment.ReassignmentError) as refused:
        reassignment.release_and_refill(panel["declarer"], [entry.id for entry in assigned], by=panel["declarer"])
    assert refused.value.codes == ["too_many_seats_to_refill"]
    assert str(refused.value) == "3 seats are too many to refill at once; assign their judges by hand."
