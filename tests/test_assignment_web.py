"""The organizers' judging side: panels, conflicts, dry runs, commits and manual changes."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.support import Translations
from markupsafe import escape

from contest.catalogue import ENGLISH, Message, render
from contest.extensions import db
from contest.models import (
    Assignment, AssignmentRun, Category, Conflict, ConflictSource, ContestJudge, Entry, EntryAuthor, EntryStatus,
    Job, JobStatus, JudgeExpertise, Mark, OutboxMessage, Role, RunStatus, utcnow,
)
from tests.conftest import POSTGRES


@pytest.fixture
def contest(make_season):
    return make_season().contests[0]


def add_entry(contest, lead, title, field_index=0, co_org=None):
    entry = Entry(contest=contest, lead_author=lead, field=contest.fields[field_index], status=EntryStatus.SUBMITTED)
    entry.set_title(title)
    entry.authors.append(EntryAuthor.from_user(lead, 0))
    if co_org:
        entry.authors.append(EntryAuthor(position=1, full_name="Co Author", category=Category.ENGINEER,
                                         organization=co_org))
    db.session.add(entry)
    db.session.commit()
    return entry


def add_judge(make_user, contest, name, organization, fields=None, max_load=10):
    judge = make_user(Role.JUDGE, full_name=name, organization=organization)
    for field, level in (fields or {}).items():
        judge.expertise.append(JudgeExpertise(field=field, level=level))
    db.session.add(ContestJudge(contest=contest, judge=judge, max_load=max_load))
    db.session.commit()
    return judge


@pytest.fixture
def field_day(contest, make_user):
    """Four judges, six entries; one judge shares an organization with an author."""
    judges = [add_judge(make_user, contest, f"Judge {i}", f"Org {i}", {"Energy": 3} if i < 2 else {"IT": 2})
              for i in range(4)]
    authors = [make_user(organization=f"Author org {i}") for i in range(6)]
    entries = [add_entry(contest, authors[i], f"Entry {i}", field_index=i % 2,
                         co_org="ORG 0 " if i == 0 else None) for i in range(6)]
    contest.judges_per_entry = 2
    db.session.commit()
    return judges, entries


def test_conflicts_are_detected_with_their_reasons(client, organizer, contest, make_user):
    judge = add_judge(make_user, contest, "Judge A", "Navoi Mining and Metallurgical Company")
    author_judge = make_user(Role.JUDGE, email="judge-author@example.uz", organization="Elsewhere")
    db.session.add(ContestJudge(contest=contest, judge=author_judge))
    colleague = make_user(organization="navoi mining and metallurgical company")
    same_org = add_entry(contest, colleague, "Same org")
    lead = make_user(full_name="Sultonov Rustam", organization="Fergana Azot")
    declared = add_entry(contest, lead, "Declared")
    authored = add_entry(contest, make_user(), "Authored")
    authored.authors.append(EntryAuthor(position=1, full_name="Named co-author", email="judge-author@example.uz",
                                        category=Category.ENGINEER, organization="Somewhere"))
    db.session.commit()
    client.post(f"/organizer/judges/{judge.id}", data={"kind": "person", "value": "sultonov rustam",
                                                        "declare": "y"})
    page = client.post(f"/organizer/contests/{contest.id}/conflicts/detect", follow_redirects=True)
    html = page.get_data(as_text=True)
    found = {(c.judge_id, c.entry_id, c.source) for c in db.session.scalars(db.select(Conflict))}
    assert found == {(judge.id, same_org.id, ConflictSource.ORGANIZATION),
                     (judge.id, declared.id, ConflictSource.DECLARED),
                     (author_judge.id, authored.id, ConflictSource.AUTHOR)}
    assert "are both at navoi mining and metallurgical company" in html
    assert "The judge declared a conflict with Sultonov Rustam" in html
    assert "The judge is an author of this entry" in html


def test_detection_forgets_a_conflict_whose_cause_is_gone(organizer, contest, make_user, client):
    judge = add_judge(make_user, contest, "Judge", "TSTU")
    author = make_user(organization="TSTU")
    add_entry(contest, author, "Entry")
    client.post(f"/organizer/contests/{contest.id}/conflicts/detect")
    assert db.session.scalar(db.select(db.func.count(Conflict.id))) == 1
    judge.organization = "Inha University"
    db.session.commit()
    client.post(f"/organizer/contests/{contest.id}/conflicts/detect")
    assert db.session.scalar(db.select(db.func.count(Conflict.id))) == 0


def test_manual_conflicts_need_a_reason_and_a_real_entry(client, organizer, contest, make_user):
    judge = add_judge(make_user, contest, "Judge", "X")
    entry = add_entry(contest, make_user(), "Entry")
    bad = client.post(f"/organizer/contests/{contest.id}/conflicts",
                      data={"judge": judge.id, "entry_code": "E-99999", "reason": "Relative"})
    assert bad.status_code == 422 and "No entry of this contest has that code" in bad.get_data(as_text=True)
    ok = client.post(f"/organizer/contests/{contest.id}/conflicts",
                     data={"judge": judge.id, "entry_code": entry.code, "reason": "Supervised the author"})
    assert ok.status_code == 302
    conflict = db.session.scalars(db.select(Conflict)).one()
    assert conflict.source is ConflictSource.MANUAL and conflict.created_by_id == organizer.id
    assert "Supervised the author" in client.get(f"/organizer/contests/{contest.id}/conflicts").get_data(as_text=True)


def test_dry_run_shows_statistics_then_commit_assigns(client, organizer, contest, field_day):
    judges, entries = field_day
    response = client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    assert response.headers["Location"].endswith(f"/organizer/assignment-runs/{run.id}")
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "Optimal" in html and "Load histogram" in html and "Conflicts avoided" in html
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0  # a dry run changes nothing
    client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"})
    pairs = {(a.judge_id, a.entry_id) for a in db.session.scalars(db.select(Assignment))}
    assert len(pairs) == 12
    assert (judges[0].id, entries[0].id) not in pairs  # the organization conflict is respected
    for entry in entries:
        assert sum(e == entry.id for _, e in pairs) == 2
    energy_entries = {entries[i].id for i in (0, 2, 4)}
    experts = {judges[0].id, judges[1].id}
    assert all(j in experts for j, e in pairs if e in energy_entries and e != entries[0].id)


def test_a_stale_dry_run_cannot_be_committed(client, organizer, contest, field_day, make_user):
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    add_entry(contest, make_user(), "Late entry")
    page = client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"}, follow_redirects=True)
    assert "changed after this dry run" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0


def test_rerun_keeps_assignments_that_have_marks(client, organizer, contest, field_day):
    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    first = db.session.scalars(db.select(AssignmentRun)).one()
    client.post(f"/organizer/assignment-runs/{first.id}/commit", data={"confirm": "yes"})
    scored = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).first()
    scored.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("8")))
    kept = (scored.judge_id, scored.entry_id)
    # The judge of the scored pair leaves the contest's other work: a smaller load forces a new answer.
    db.session.commit()
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    second = db.session.scalars(db.select(AssignmentRun).order_by(AssignmentRun.id.desc())).first()
    assert second.status is RunStatus.DONE
    client.post(f"/organizer/assignment-runs/{second.id}/commit", data={"confirm": "yes"})
    pairs = {(a.judge_id, a.entry_id) for a in db.session.scalars(db.select(Assignment))}
    assert kept in pairs and len(pairs) == 12
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == 1


def test_infeasible_instance_is_explained_and_cannot_be_committed(client, organizer, contest, field_day):
    contest.judges_per_entry = 5  # only four judges exist
    db.session.commit()
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "No feasible assignment" in html or "Commit this assignment" not in html
    page = client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0
    assert "found no feasible assignment" in page or "Only a finished dry run" in page


def test_a_running_dry_run_shows_progress_not_a_frozen_page(client, organizer, contest):
    job = Job(kind="assignment_run", status=JobStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow(),
              progress_total=1)
    run = AssignmentRun(contest=contest, instance_json="{}", inputs_hash="x", status=RunStatus.RUNNING, job=job)
    db.session.add(run)
    db.session.commit()
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "this page refreshes by itself" in html and "<progress" in html
    assert f'data-job-status-url="/organizer/jobs/{job.id}/status"' in html and "jobs.js" in html


def test_a_dry_run_whose_worker_died_says_so_and_stops_polling(client, organizer, contest):
    """Its worker's heartbeat stopped: the page says the run failed (the sweep will write it) and offers the job."""
    silent_since = utcnow() - timedelta(minutes=10)
    job = Job(kind="assignment_run", status=JobStatus.RUNNING, started_at=silent_since, heartbeat_at=silent_since)
    run = AssignmentRun(contest=contest, instance_json="{}", inputs_hash="x", status=RunStatus.RUNNING, job=job)
    db.session.add(run)
    db.session.commit()
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "this page refreshes by itself" not in html and "data-job-running" not in html
    assert "stopped without finishing" in html and f'href="/organizer/jobs/{job.id}"' in html


@pytest.mark.skipif(not POSTGRES, reason="a worker thread needs its own database connection")
def test_dry_run_on_a_worker_thread_finishes(app, client, organizer, contest, field_day):
    app.config["JOBS_RUNNER"] = "threads"
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run_id = db.session.scalars(db.select(AssignmentRun.id)).one()
    for _ in range(100):
        db.session.expire_all()
        if db.session.get(AssignmentRun, run_id).status is not RunStatus.RUNNING:
            break
        time.sleep(0.1)
    assert db.session.get(AssignmentRun, run_id).status is RunStatus.DONE


def test_manual_assignment_refuses_a_conflicted_pair_with_the_reason(client, organizer, contest, field_day):
    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/conflicts/detect")
    response = client.post(f"/organizer/contests/{contest.id}/assignment",
                           data={"judge": judges[0].id, "entry_code": entries[0].code})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "is conflicted with" in html and "are both at" in html
    ok = client.post(f"/organizer/contests/{contest.id}/assignment",
                     data={"judge": judges[0].id, "entry_code": entries[1].code})
    assert ok.status_code == 302
    assignment = db.session.scalars(db.select(Assignment)).one()
    assert assignment.manual
    [notice] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "assignment")).all()
    assert notice.recipient_id == judges[0].id and entries[1].code in notice.body_text  # the judge is told
    assignment.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("5")))
    db.session.commit()
    page = client.post(f"/organizer/assignments/{assignment.id}/remove", follow_redirects=True)
    assert "their marks would be lost" in page.get_data(as_text=True)


def test_panel_and_expertise_are_edited(client, organizer, contest, make_user):
    judge = make_user(Role.JUDGE)
    response = client.post(f"/organizer/contests/{contest.id}/panel",
                           data={"judge": judge.id, "min_load": "2", "max_load": "30", "submit": "y"})
    assert response.status_code == 302
    member = db.session.scalars(db.select(ContestJudge)).one()
    assert (member.min_load, member.max_load) == (2, 30)
    bad = client.post(f"/organizer/judges/{judge.id}", data={"expertise": "Energy:3\nIT:9", "submit": "y"})
    assert bad.status_code == 422 and "Line 2" in bad.get_data(as_text=True)
    client.post(f"/organizer/judges/{judge.id}", data={"expertise": "Energy:3\nIT", "submit": "y"})
    assert {(e.field, e.level) for e in db.session.scalars(db.select(JudgeExpertise))} == {("Energy", 3), ("IT", 2)}
    client.post(f"/organizer/contests/{contest.id}/judges-per-entry", data={"judges_per_entry": "4"})
    db.session.refresh(contest)
    assert contest.judges_per_entry == 4
    client.post(f"/organizer/panel-members/{member.id}/remove")
    assert db.session.scalar(db.select(db.func.count(ContestJudge.id))) == 0


def test_scoring_window_is_set_in_tashkent_time(client, organizer, contest):
    from contest.models import ScoringRound
    client.post(f"/organizer/contests/{contest.id}/scoring-round",
                data={"opens_at": "2026-05-01T09:00", "closes_at": "2026-05-20T18:00"})
    scoring_round = db.session.scalars(db.select(ScoringRound)).one()
    assert scoring_round.opens_at.hour == 4 and scoring_round.number == 1
    bad = client.post(f"/organizer/contests/{contest.id}/scoring-round",
                      data={"opens_at": "2026-05-20T09:00", "closes_at": "2026-05-01T18:00"}, follow_redirects=True)
    assert "closes after it opens" in bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="2026-05-20T09:00"' in bad.get_data(as_text=True)  # typed values kept
    assert db.session.scalars(db.select(ScoringRound)).one().opens_at.day == 1                  # nothing saved
    k = client.post(f"/organizer/contests/{contest.id}/judges-per-entry", data={"judges_per_entry": "99"})
    assert k.status_code == 422 and 'value="99"' in k.get_data(as_text=True)


def test_a_judge_declares_a_conflict_and_the_entry_leaves_their_queue(client, contest, make_user, login):
    judge = add_judge(make_user, contest, "Judge", "TSTU")
    entry = add_entry(contest, make_user(full_name="Rakhimov Akmal", organization="Elsewhere"), "Family project")
    db.session.add(Assignment(judge=judge, entry=entry))
    db.session.commit()
    login(judge)
    assert entry.title in client.get("/judging/").get_data(as_text=True)
    empty = client.post("/judging/declarations", data={"kind": "person", "value": " "})
    assert empty.status_code == 422
    client.post("/judging/declarations", data={"kind": "person", "value": "Rakhimov Akmal"})
    conflict = db.session.scalars(db.select(Conflict)).one()
    assert conflict.source is ConflictSource.DECLARED and "Rakhimov Akmal" in conflict.reason
    assert entry.title not in client.get("/judging/").get_data(as_text=True)
    assert "Rakhimov Akmal" in client.get("/judging/declarations").get_data(as_text=True)


def test_a_judge_who_leaves_keeps_their_marks_and_their_places_are_filled(client, organizer, contest, field_day):
    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    client.post(f"/organizer/assignment-runs/{db.session.scalars(db.select(AssignmentRun.id)).one()}/commit",
                data={"confirm": "yes"})
    leaving = judges[1]
    mine = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == leaving.id)
                              .order_by(Assignment.id)).all()
    assert len(mine) >= 2
    scored = mine[0]
    scored.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("6")))
    db.session.commit()
    scored_pair = (scored.judge_id, scored.entry_id)
    member = db.session.scalars(db.select(ContestJudge).where(ContestJudge.judge_id == leaving.id)).one()
    page = client.post(f"/organizer/panel-members/{member.id}/remove", follow_redirects=True)
    assert f"{len(mine) - 1} unscored assignments released" in page.get_data(as_text=True)
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun).order_by(AssignmentRun.id.desc())).first()
    assert run.status is RunStatus.DONE, run.error
    client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"})
    pairs = {(a.judge_id, a.entry_id) for a in db.session.scalars(db.select(Assignment))}
    assert scored_pair in pairs                                   # the marks are kept
    assert {j for j, _e in pairs if (j, _e) != scored_pair} <= {j.id for j in judges if j is not leaving}
    for entry in entries:                                         # every entry has two active judges again
        assert sum(e == entry.id and j != leaving.id for j, e in pairs) == 2


def test_one_entry_can_ask_for_more_judges(client, organizer, contest, field_day):
    judges, entries = field_day
    page = client.post(f"/organizer/entries/{entries[0].id}/judges", data={"judges_needed": "0"})
    assert page.status_code == 422
    client.post(f"/organizer/entries/{entries[0].id}/judges", data={"judges_needed": "3"})
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    client.post(f"/organizer/assignment-runs/{db.session.scalars(db.select(AssignmentRun.id)).one()}/commit",
                data={"confirm": "yes"})
    counts = {e.id: db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.entry_id == e.id))
              for e in entries}
    assert counts[entries[0].id] == 3 and all(counts[e.id] == 2 for e in entries[1:])
    client.post(f"/organizer/entries/{entries[0].id}/judges", data={"judges_needed": ""})
    assert db.session.get(Entry, entries[0].id).judges_needed is None


# --------------------------------------------------------------------------- the engine's messages

CATALOGS = Path(__file__).resolve().parents[1] / "contest" / "translations"


def russian() -> Translations:
    return Translations.load(str(CATALOGS), ["ru"])


def latest_run_page(client, contest_):
    client.post(f"/organizer/contests/{contest_.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun).order_by(AssignmentRun.id.desc())).first()
    return run, client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)


def worded(code: str, translations=ENGLISH, **params) -> str:
    """The catalogue's wording of a message whose ids are already written as the page writes them."""
    return render(Message(code, params), translations)


def test_judges_per_entry_above_the_panel_is_explained_in_russian(client, organizer, contest, field_day):
    judges, entries = field_day
    contest.judges_per_entry = 5  # only four judges exist
    db.session.commit()
    client.post("/auth/language/ru")
    run, html = latest_run_page(client, contest)
    assert run.status is RunStatus.DONE and json.loads(run.result_json)["status"] == "infeasible"
    params = {"entry": entries[0].code, "k": 5, "possible": 4}
    expected = worded("entry_above_active_judges", russian(), **params)
    assert expected != worded("entry_above_active_judges", **params), "the catalog has no Russian for this message"
    assert str(escape(expected)) in html
    assert "needs k=5" not in html and f"e{entries[0].id}" not in html


def test_judges_per_entry_above_the_panel_is_explained_in_english(client, organizer, contest, field_day):
    judges, entries = field_day
    contest.judges_per_entry = 5
    db.session.commit()
    _run, html = latest_run_page(client, contest)
    assert str(escape(worded("entry_above_active_judges", entry=entries[-1].code, k=5, possible=4))) in html
    assert f"entry {entries[-1].code} needs k=5 judges but only 4 active judges exist" in html  # the CLI's English




def test_an_infeasible_run_lists_its_problems_in_the_readers_language(client, organizer, contest, field_day):
    for member in db.session.scalars(db.select(ContestJudge)):
        member.max_load = 1  # four places for six entries that need two judges each
    db.session.commit()
    run, html = latest_run_page(client, contest)
    assert json.loads(run.result_json)["status"] == "infeasible"
    assert "No feasible assignment" in html
    assert str(escape(worded("judges_lack_room", room=4, need=12))) in html
    client.post("/auth/language/ru")
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    expected = worded("judges_lack_room", russian(), room=4, need=12)
    assert expected != worded("judges_lack_room", room=4, need=12)
    assert str(escape(expected)) in html


def test_a_warning_names_the_judge_and_the_entry_code(client, organizer, contest, field_day):
    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    client.post(f"/organizer/assignment-runs/{db.session.scalars(db.select(AssignmentRun.id)).one()}/commit",
                data={"confirm": "yes"})
    leaving = judges[1]
    scored = db.session.scalars(db.select(Assignment).where(Assignment.judge_id == leaving.id)
                                .order_by(Assignment.id)).first()
    scored.marks.append(Mark(criterion=contest.criteria[0], value=Decimal("6")))
    db.session.commit()
    entry_code = scored.entry.code
    member = db.session.scalars(db.select(ContestJudge).where(ContestJudge.judge_id == leaving.id)).one()
    client.post(f"/organizer/panel-members/{member.id}/remove")
    client.post("/auth/language/ru")
    run, html = latest_run_page(client, contest)
    assert run.status is RunStatus.DONE
    expected = worded("locked_inactive_released", russian(), judge=leaving.full_name, entry=entry_code)
    assert expected != worded("locked_inactive_released", judge=leaving.full_name, entry=entry_code)
    assert str(escape(expected)) in html


def test_a_run_stored_before_message_codes_keeps_its_english(client, organizer, contest):
    result = {"status": "infeasible", "pairs": [], "objective": None, "bound": None, "gap": None, "components": 0,
              "problems": ["the judges can take at most 4 more assignments in total, but the entries need 12"],
              "warnings": ["unknown key 'x' ignored"], "stats": {}}
    run = AssignmentRun(contest=contest, instance_json="{}", inputs_hash="x", status=RunStatus.DONE,
                        result_json=json.dumps(result))
    db.session.add(run)
    db.session.commit()
    client.post("/auth/language/ru")
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert result["problems"][0] in html and str(escape(result["warnings"][0])) in html


def test_an_unknown_code_falls_back_to_the_english(client, organizer, contest):
    result = {"status": "infeasible", "pairs": [], "components": 0, "problems": ["something new"],
              "problem_codes": [{"code": "from_the_future"}], "warnings": [], "warning_codes": [], "stats": {}}
    run = AssignmentRun(contest=contest, instance_json="{}", inputs_hash="x", status=RunStatus.DONE,
                        result_json=json.dumps(result))
    db.session.add(run)
    db.session.commit()
    assert "something new" in client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)


def test_a_committed_assignment_mails_each_judge_the_codes_of_their_entries_and_nothing_of_the_authors(
        smtp, client, organizer, contest, field_day):
    from tests.mail_server import text_of

    judges, entries = field_day
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    assert smtp.inbox.received == []                    # a dry run tells nobody
    client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"})
    for judge in judges:
        message = smtp.inbox.one_to(judge.email)
        mine = [a.entry for a in db.session.scalars(db.select(Assignment).where(Assignment.judge_id == judge.id))]
        assert all(entry.code in text_of(message) for entry in mine)
        for entry in entries:
            author = entry.lead_author
            for leak in (entry.title, author.full_name, author.organization, author.email):
                assert leak not in message.as_string()


def test_dry_run_evens_loads_as_the_organizer_sets_it_and_keeps_the_setting(client, organizer, contest, field_day):
    page = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    assert "Even out the judges" in page  # on by default, no affinity given up
    bad = client.post(f"/organizer/contests/{contest.id}/assignment/run",
                      data={"even_loads": "y", "affinity_share": "150"})
    assert bad.status_code == 422 and "Number must be between 0 and 100" in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(AssignmentRun.id))) == 0
    client.post(f"/organizer/contests/{contest.id}/assignment/run", data={"even_loads": "y", "affinity_share": "2.5"})
    run = db.session.scalars(db.select(AssignmentRun)).one()
    assert json.loads(run.instance_json)["load_evening"] == 0.025
    html = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "before and after evening" in html and "Standard deviation" in html
    result = json.loads(run.result_json)
    assert result["stats"]["evening"]["after"]["std"] <= result["stats"]["evening"]["before"]["std"]
    again = client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
    assert 'value="2.5"' in again  # the form starts from the last run's setting
    client.post(f"/organizer/assignment-runs/{run.id}/commit", data={"confirm": "yes"})
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 12  # the stored setting is the run's input
    client.post(f"/organizer/contests/{contest.id}/assignment/run", data={"affinity_share": "0"})  # box unticked
    off = db.session.scalars(db.select(AssignmentRun).order_by(AssignmentRun.id.desc())).first()
    assert json.loads(off.instance_json)["load_evening"] is None
    assert "evening" not in json.loads(off.result_json)["stats"]


def test_dry_run_setting_is_asked_in_uzbek_and_russian(client, organizer, contest, field_day):
    for lang, words in (("uz", "Hakamlar yuklamasini tenglashtirish"), ("ru", "Выравнивать нагрузку судей")):
        client.post(f"/auth/language/{lang}")
        assert words in client.get(f"/organizer/contests/{contest.id}/assignment").get_data(as_text=True)
