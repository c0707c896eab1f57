"""Confirm before what cannot be undone: each page says what will happen, a GET changes nothing,
a POST without the page's ``confirm`` changes nothing, and the confirmed POST acts."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
import re
from html import unescape

import pytest

from contest.extensions import db
from contest.models import (
    AllocationSnapshot, Assignment, AssignmentRun, Category, Entry, EntryAuthor, EntryStatus, InternshipCountry, Mark,
    OutboxMessage, ResultSnapshot, Role, RunStatus, ScoringRound, User, utcnow,
)
from contest.services import final_forecast, judge_assignment, results
from contest.services import prizes as prize_service
from tests.test_assignment_web import add_entry, add_judge
from tests.test_prizes import _set_choices as set_choices
from tests.test_prizes import season_with_winners  # noqa: F401 - a fixture

CONFIRM = {"confirm": "yes"}
STALE = "What this would do has changed since the confirmation page was shown: read it again."


def seen_on(page) -> str:
    """The fingerprint a confirmation page sends back with its button: what it said would happen."""
    found = re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True))
    assert found, "the confirmation page carries no fingerprint"
    return found.group(1)


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# --------------------------------------------------------------------------- withdrawing an entry

@pytest.fixture
def lead(make_user, login):
    user = make_user(full_name="Tursunov Jasur")
    login(user)
    return user


@pytest.fixture
def team_entry(make_season, make_user, lead):
    """A submitted entry of the signed-in lead author with two co-authors: one with an account, one without."""
    contest = make_season().contests[0]
    partner = make_user(full_name="Karimova Dilnoza")
    entry = Entry(contest=contest, lead_author=lead, field=contest.fields[0], status=EntryStatus.SUBMITTED)
    entry.set_title("Solar micro-grid")
    entry.authors += [EntryAuthor.from_user(lead, 0), EntryAuthor.from_user(partner, 1),
                      EntryAuthor(full_name="Aliyev Timur", category=Category.TEACHER, organization="School 5",
                                  position=2)]
    db.session.add(entry)
    db.session.commit()
    return entry


def status_of(entry: Entry) -> EntryStatus:
    return db.session.scalar(db.select(Entry.status).where(Entry.id == entry.id))


def test_the_withdraw_button_leads_to_a_page_that_names_the_co_authors(client, team_entry):
    show = text_of(client.get(f"/entries/{team_entry.id}"))
    assert f'action="/entries/{team_entry.id}/withdraw"' in show and 'method="get"' in show
    page = client.get(f"/entries/{team_entry.id}/withdraw")
    html = text_of(page)
    assert page.status_code == 200
    assert f"Solar micro-grid ({team_entry.code}) leaves The Best Idea" in html
    assert "2 co-authors lose the entry with you: Karimova Dilnoza, Aliyev Timur." in html
    assert 'name="confirm"' in html and "Withdraw the entry" in html
    assert status_of(team_entry) is EntryStatus.SUBMITTED


def test_a_withdrawal_without_confirmation_changes_nothing(client, team_entry):
    response = client.post(f"/entries/{team_entry.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/entries/{team_entry.id}/withdraw")
    assert status_of(team_entry) is EntryStatus.SUBMITTED


def test_the_confirmed_withdrawal_withdraws_and_then_there_is_nothing_left_to_confirm(client, team_entry):
    done = client.post(f"/entries/{team_entry.id}/withdraw", data=CONFIRM, follow_redirects=True)
    assert "Your entry is withdrawn." in text_of(done)
    assert status_of(team_entry) is EntryStatus.WITHDRAWN
    again = text_of(client.get(f"/entries/{team_entry.id}/withdraw"))
    assert "This entry is withdrawn already." in again and 'name="confirm"' not in again


def test_an_entry_without_co_authors_says_only_its_author_is_affected(client, team_entry):
    team_entry.authors = team_entry.authors[:1]
    db.session.commit()
    assert "The entry has no co-authors: only you are affected." in text_of(
        client.get(f"/entries/{team_entry.id}/withdraw"))


def test_only_the_lead_author_sees_the_withdrawal_page(client, team_entry, login, make_user):
    partner = db.session.get(Entry, team_entry.id).authors[1].user
    login(partner)
    assert client.get(f"/entries/{team_entry.id}/withdraw").status_code == 403
    login(make_user(Role.PARTICIPANT))
    assert client.get(f"/entries/{team_entry.id}/withdraw").status_code == 404


# --------------------------------------------------------------------------- publishing a ranking

def versions_of(contest) -> list[int]:
    return db.session.scalars(db.select(ResultSnapshot.version).where(ResultSnapshot.contest_id == contest.id)
                              .order_by(ResultSnapshot.version)).all()


def test_publishing_says_which_version_it_makes_and_who_sees_it(client, organizer, scored):
    contest, _judges, entries = scored
    co_author = entries[0].lead_author
    entries[1].authors.append(EntryAuthor.from_user(co_author, 1))      # one person, two ranked entries
    db.session.commit()
    results_page = text_of(client.get(f"/results/contests/{contest.id}"))
    assert f'action="/results/contests/{contest.id}/publish"' in results_page
    page = client.get(f"/results/contests/{contest.id}/publish", query_string={"method": "calibrated"})
    html = text_of(page)
    assert page.status_code == 200
    assert "Publish version 1 of the ranking of The Best Idea?" in html
    assert "Version 1 of the ranking is made (method: Calibrated)" in html
    assert "12 entries are ranked." in html
    assert "12 participants will see their entry's rank, score and the judges' comments." in html
    assert '<input type="hidden" name="method" value="calibrated">' in html
    assert versions_of(contest) == []


def test_publishing_without_confirmation_publishes_nothing(client, organizer, scored):
    contest, _judges, _entries = scored
    response = client.post(f"/results/contests/{contest.id}/publish", data={"method": "mean"})
    assert response.status_code == 302 and "/publish?method=mean" in response.headers["Location"]
    assert versions_of(contest) == []


def test_the_confirmed_publication_makes_the_version_the_page_named(client, organizer, scored):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", **CONFIRM})
    assert "Publish version 2 of the ranking" in text_of(
        client.get(f"/results/contests/{contest.id}/publish", query_string={"method": "mean"}))
    done = client.post(f"/results/contests/{contest.id}/publish", data={"method": "mean", **CONFIRM},
                       follow_redirects=True)
    assert "The Best Idea: version 2 of the ranking is published." in text_of(done)
    assert versions_of(contest) == [1, 2]


def test_scores_changed_after_the_page_was_read_send_the_organizer_back_to_it(client, organizer, scored):
    """The page promised version 1 from the scores it read; a mark changed since, so nothing is published
    until the organizer reads the new page; then its own fingerprint publishes."""
    contest, _judges, entries = scored
    read = seen_on(client.get(f"/results/contests/{contest.id}/publish"))
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == entries[0].id)).first()
    mark.value = mark.value + 1 if mark.value < 10 else mark.value - 1
    db.session.commit()
    stale = client.post(f"/results/contests/{contest.id}/publish", data={**CONFIRM, "seen": read},
                        follow_redirects=True)
    assert STALE in text_of(stale) and "Publish version 1 of the ranking" in text_of(stale)
    assert versions_of(contest) == []
    fresh = seen_on(client.get(f"/results/contests/{contest.id}/publish"))
    assert fresh != read
    client.post(f"/results/contests/{contest.id}/publish", data={**CONFIRM, "seen": fresh})
    assert versions_of(contest) == [1]


def test_an_identical_ranking_says_so_and_makes_no_new_version(client, organizer, scored):
    contest, _judges, entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", **CONFIRM})
    latest = ResultSnapshot.latest(contest.id)
    results.rankings._answers.clear()          # recomputed from the marks, not served from the cache
    publication = results.prepare_publication(contest, "calibrated")
    assert publication.identical and (publication.instance_json, publication.result_json) == (
        latest.instance_json, latest.result_json)
    same = text_of(client.get(f"/results/contests/{contest.id}/publish", query_string={"method": "calibrated"}))
    assert ("This ranking is identical to version 1, the latest published: publishing it again makes no new "
            "version.") in same and 'name="confirm"' not in same
    forced = client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", **CONFIRM},
                         follow_redirects=True)
    assert "identical to version 1" in text_of(forced) and versions_of(contest) == [1]
    # Another method stores another input: that is a new version.
    assert not results.prepare_publication(contest, "mean").identical
    # So does a changed mark.
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == entries[0].id)).first()
    mark.value = Decimal(10) if mark.value != 10 else Decimal(1)
    db.session.commit()
    changed = text_of(client.get(f"/results/contests/{contest.id}/publish", query_string={"method": "calibrated"}))
    assert "Publish version 2 of the ranking" in changed and 'name="confirm"' in changed


def test_nothing_to_publish_is_said_on_the_confirmation_page(client, organizer, make_season):
    contest = make_season().contests[0]
    html = text_of(client.get(f"/results/contests/{contest.id}/publish"))
    assert 'name="confirm"' not in html and "Publish version" not in html
    assert versions_of(contest) == []


# --------------------------------------------------------------------------- committing an assignment run

@pytest.fixture
def dry_run(client, organizer, make_season, make_user):
    """A finished dry run: six entries, four judges, two judges an entry (12 pairs)."""
    contest = make_season().contests[0]
    for i in range(4):
        add_judge(make_user, contest, f"Judge {i}", f"Org {i}", {"Energy": 3})
    for i in range(6):
        add_entry(contest, make_user(organization=f"Author org {i}"), f"Entry {i}")
    contest.judges_per_entry = 2
    db.session.commit()
    client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    assert run.status is RunStatus.DONE
    return contest, run


def assignments() -> int:
    return db.session.scalar(db.select(db.func.count(Assignment.id)))


def test_committing_a_run_says_how_many_entries_and_judges_and_warns_while_entries_come_in(client, dry_run):
    contest, run = dry_run
    pairs = judge_assignment.result_of(run).pairs
    judges = len({judge for judge, _entry in pairs})
    run_page = text_of(client.get(f"/organizer/assignment-runs/{run.id}"))
    assert f'action="/organizer/assignment-runs/{run.id}/commit"' in run_page
    page = client.get(f"/organizer/assignment-runs/{run.id}/commit")
    html = text_of(page)
    assert page.status_code == 200 and f"Commit assignment run #{run.id} for The Best Idea?" in html
    assert "6 entries are put before their judges (12 assignments in all)." in html
    assert f"{judges} judges have entries to score in this assignment." in html
    assert f"{judges} judges find their queue changed" in html
    assert "New assignments: 12. Unscored assignments removed: 0. Scored assignments are kept." in html
    assert "The Best Idea still accepts entries until" in html
    assert "entries submitted after this commit will have no judges" in html
    assert assignments() == 0 and db.session.get(AssignmentRun, run.id).status is RunStatus.DONE


def test_once_entries_no_longer_come_in_there_is_no_warning(client, dry_run):
    contest, run = dry_run
    contest.opens_at, contest.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = text_of(client.get(f"/organizer/assignment-runs/{run.id}/commit"))
    assert "12 assignments in all" in html and "still accepts entries" not in html


def test_a_commit_without_confirmation_assigns_nothing_and_the_confirmed_one_does(client, dry_run):
    _contest, run = dry_run
    response = client.post(f"/organizer/assignment-runs/{run.id}/commit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/organizer/assignment-runs/{run.id}/commit")
    assert assignments() == 0
    done = client.post(f"/organizer/assignment-runs/{run.id}/commit", data=CONFIRM, follow_redirects=True)
    assert "12 assignments are in place." in text_of(done) and assignments() == 12
    assert db.session.get(AssignmentRun, run.id).status is RunStatus.COMMITTED
    again = text_of(client.get(f"/organizer/assignment-runs/{run.id}/commit"))
    assert "Only a finished dry run can be committed." in again and 'name="confirm"' not in again


def test_a_stale_run_is_refused_on_its_confirmation_page(client, dry_run, make_user):
    contest, run = dry_run
    add_entry(contest, make_user(), "Late entry")
    html = text_of(client.get(f"/organizer/assignment-runs/{run.id}/commit"))
    assert "changed after this dry run" in html and 'name="confirm"' not in html


# --------------------------------------------------------------------------- committing a prize allocation

def allocations() -> list[int]:
    return db.session.scalars(db.select(AllocationSnapshot.version).order_by(AllocationSnapshot.version)).all()


@pytest.fixture
def chosen(season_with_winners):  # noqa: F811 - the fixture imported above
    """Two winners have ranked countries (Italy; Japan then Italy); the others have not."""
    season, people, _entries = season_with_winners
    prize_service.catalogue(season)
    db.session.commit()
    set_choices(season, {f"u{people['idea1'].id}": ["IT"], f"u{people['proj1'].id}": ["JP", "IT"]})
    return season, people


def test_committing_an_allocation_says_the_version_the_winners_and_their_countries(client, organizer, chosen):
    season, _people = chosen
    budget_page = text_of(client.get(f"/prizes/seasons/{season.id}/budget"))
    assert f'action="/prizes/seasons/{season.id}/commit"' in budget_page
    page = client.get(f"/prizes/seasons/{season.id}/commit")
    html = text_of(page)
    assert page.status_code == 200 and f"Commit version 1 of the allocation of {season.title}?" in html
    assert "This makes version 1 of the allocation; earlier versions stay as they were." in html
    # Ten winners: the Idea team (one account, two named co-authors) and seven others with accounts.
    assert "2 of the 10 winners are funded for an internship abroad." in html
    assert "They go to 2 countries: Italy, Japan." in html
    assert "8 winners with an account will see the outcome on their page" in html
    assert "Spent 1\u00a0720\u00a0000\u00a0000\u00a0UZS of 15\u00a0000\u00a0000\u00a0000\u00a0UZS" in html
    assert "8 winners get no internship in this version; the budget page says why." in html
    assert allocations() == []


def test_an_allocation_without_confirmation_commits_nothing_and_the_confirmed_one_does(client, organizer, chosen):
    season, _people = chosen
    response = client.post(f"/prizes/seasons/{season.id}/commit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/prizes/seasons/{season.id}/commit")
    assert allocations() == []
    done = client.post(f"/prizes/seasons/{season.id}/commit", data=CONFIRM, follow_redirects=True)
    assert "Version 1 of the allocation is committed." in text_of(done) and allocations() == [1]
    assert "Commit version 2 of the allocation" in text_of(client.get(f"/prizes/seasons/{season.id}/commit"))


def test_an_allocation_changed_after_its_page_was_read_is_not_committed(client, organizer, chosen):
    season, _people = chosen
    read = seen_on(client.get(f"/prizes/seasons/{season.id}/commit"))
    japan = db.session.scalars(db.select(InternshipCountry).where(InternshipCountry.code == "JP")).one()
    japan.cost += 1_000_000  # another organizer edits the catalogue in between
    db.session.commit()
    stale = client.post(f"/prizes/seasons/{season.id}/commit", data={**CONFIRM, "seen": read}, follow_redirects=True)
    assert STALE in text_of(stale) and allocations() == []
    fresh = seen_on(client.get(f"/prizes/seasons/{season.id}/commit"))
    client.post(f"/prizes/seasons/{season.id}/commit", data={**CONFIRM, "seen": fresh})
    assert allocations() == [1]


def test_an_allocation_the_budget_cannot_pay_is_refused_on_its_confirmation_page(client, organizer, chosen):
    season, _people = chosen
    season.budget = 1_000
    db.session.commit()
    html = text_of(client.get(f"/prizes/seasons/{season.id}/commit"))
    assert "budget is smaller than the fixed prizes" in html and 'name="confirm"' not in html
    client.post(f"/prizes/seasons/{season.id}/commit", data=CONFIRM)
    assert allocations() == []


# --------------------------------------------------------------------------- opening the final round

WINDOW = {"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00"}


def final_reviews() -> int:
    return db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.round == 2))


def test_opening_the_final_round_names_its_finalists_and_panel_first(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    # The method the final round is proposed by, at the effort the forecast proposes (10 % here).
    result = final_forecast.sized(results.compute(contest, "calibrated")[1], final_forecast.forecast(contest).chosen)
    finalists = [db.session.get(Entry, results.key_id(key)).code for key in result["shortlist"]]
    panel = [db.session.get(User, results.key_id(key)).full_name for key in result["panel_suggestion"]]
    assert len(finalists) == 10 and len(panel) == 3
    results_page = text_of(client.get(f"/results/contests/{contest.id}"))
    assert f'method="get" class="form" action="/results/contests/{contest.id}/final-round"' in results_page
    page = client.get(f"/results/contests/{contest.id}/final-round", query_string=WINDOW)
    html = text_of(page)
    assert page.status_code == 200 and "Open the final round of The Best Idea?" in html
    assert f"10 finalists go to the final round: {', '.join(finalists)}." in html
    assert f"3 panel judges will find the finalists in their queue and rank them: {', '.join(panel)}." in html
    assert "30 final reviews in all." in html
    assert "open from 2026-06-01 09:00 (UTC+5) to 2026-06-10 18:00 (UTC+5)" in html
    assert "only its window can be moved" in html
    assert '<input type="hidden" name="opens_at" value="2026-06-01T09:00">' in html
    assert final_reviews() == 0 and ScoringRound.of(contest.id, 2) is None


def test_opening_without_confirmation_opens_nothing_and_the_confirmed_post_opens_it(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    response = client.post(f"/results/contests/{contest.id}/final-round", data=WINDOW)
    assert response.status_code == 302
    assert f"/results/contests/{contest.id}/final-round?opens_at=2026-06-01T09" in response.headers["Location"]
    assert final_reviews() == 0 and ScoringRound.of(contest.id, 2) is None
    done = client.post(f"/results/contests/{contest.id}/final-round", data={**WINDOW, **CONFIRM}, follow_redirects=True)
    assert "Final round open: 30 reviews for 10 finalists by a panel of 3." in text_of(done)
    assert final_reviews() == 30
    notices = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "assignment")).all()
    assert len(notices) == 3 and all("10" in notice.body_text for notice in notices)  # each panel judge is told
    # Open now: there is nothing left to confirm; the page shows the round.
    again = client.get(f"/results/contests/{contest.id}/final-round", query_string=WINDOW)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/results/contests/{contest.id}")


def test_a_final_round_whose_finalists_changed_since_the_page_opens_nothing(client, organizer, finalist_ready):
    contest, _judges, entries = finalist_ready
    read = seen_on(client.get(f"/results/contests/{contest.id}/final-round", query_string=WINDOW))
    shortlist = results.compute(contest, "calibrated")[1]["shortlist"]
    outside = next(e for e in reversed(entries) if results.entry_key(e.id) not in shortlist)
    for mark in db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == outside.id)):
        mark.value = Decimal(10)  # an entry outside the shortlist is rescored to the top
    db.session.commit()
    stale = client.post(f"/results/contests/{contest.id}/final-round", data={**WINDOW, **CONFIRM, "seen": read},
                        follow_redirects=True)
    assert STALE in text_of(stale) and final_reviews() == 0


# --------------------------------------------------------------------------- in the reader's language

@pytest.mark.parametrize("language, expected", [
    ("ru", ["Что произойдёт", "В рейтинге 12 работ.", "12 участников увидят место своей работы",
            "Это нельзя отменить. Пока ничего не изменилось.", "Опубликовать версию 1"]),
    ("uz", ["Nima sodir boʻladi", "12 ta ish reytingga kiritiladi.", "12 nafar ishtirokchi oʻz ishining oʻrni",
            "Buni ortga qaytarib boʻlmaydi.", "1-versiyani e’lon qilish"]),
])
def test_the_confirmation_speaks_the_readers_language(client, organizer, scored, language, expected):
    contest, _judges, _entries = scored
    client.post(f"/auth/language/{language}")
    html = text_of(client.get(f"/results/contests/{contest.id}/publish"))
    for line in expected:
        assert line in html
    assert "What will happen" not in html and "entries are ranked" not in html
