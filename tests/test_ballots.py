"""The final round by ranking ballots: a panel judge ranks every finalist; the results follow the ballots."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Assignment, Conflict, ConflictSource, Role, ScoringRound, SheetStatus, utcnow
from contest.services import results


@pytest.fixture
def final(scored):
    """Round 2 open: the four weakest entries of round 1 are the finalists, judges 0-2 the panel."""
    contest, judges, entries = scored
    finalists, panel = entries[:4], judges[:3]
    now = utcnow()
    db.session.add(ScoringRound(contest=contest, number=2, opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=3)))
    for entry in finalists:
        for judge in panel:
            db.session.add(Assignment(judge=judge, entry=entry, round=2))
    db.session.commit()
    return contest, panel, finalists, entries


def places(judge, finalists, order):
    """Form data placing ``order`` (entries best first); entries not in ``order`` left blank."""
    by_entry = {a.entry_id: a.id for a in db.session.scalars(
        db.select(Assignment).where(Assignment.judge_id == judge.id, Assignment.round == 2))}
    data = {f"place_{by_entry[e.id]}": "" for e in finalists}
    for place, entry in enumerate(order, start=1):
        data[f"place_{by_entry[entry.id]}"] = str(place)
    return data


def ballot_url(contest) -> str:
    return f"/judging/contests/{contest.id}/ballot"


def stored(judge) -> dict[int, tuple[int | None, SheetStatus]]:
    db.session.expire_all()
    return {a.entry_id: (a.ballot_position, a.status) for a in db.session.scalars(
        db.select(Assignment).where(Assignment.judge_id == judge.id, Assignment.round == 2))}


def test_a_panel_judge_sees_every_finalist_blind_and_submits_a_ballot(client, login, final):
    contest, panel, finalists, _entries = final
    login(panel[0])
    queue = client.get("/judging/").get_data(as_text=True)
    assert ballot_url(contest) in queue
    html = client.get(ballot_url(contest)).get_data(as_text=True)
    for entry in finalists:
        assert entry.code in html and entry.title in html
    assert "Author 0" not in html                         # blind: no author's name
    assert html.count('href="/judging/assignments/') == 4  # each finalist's blind entry page
    order = list(reversed(finalists))
    response = client.post(ballot_url(contest), data={**places(panel[0], finalists, order), "submit_ballot": "1"})
    assert response.status_code == 302
    assert stored(panel[0]) == {e.id: (k, SheetStatus.SUBMITTED) for k, e in enumerate(order, start=1)}
    # The entry page of a finalist points to the ballot instead of showing the rubric.
    assignment = db.session.scalars(db.select(Assignment).where(
        Assignment.judge_id == panel[0].id, Assignment.round == 2)).first()
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert ballot_url(contest) in page and "value_" not in page


def test_duplicate_and_missing_places_are_refused_beside_the_fields(client, login, final):
    contest, panel, finalists, _entries = final
    login(panel[1])
    data = places(panel[1], finalists, finalists[:3])
    keys = list(data)
    data[keys[1]] = "1"                      # place 1 twice, place 2 unused, the last finalist blank
    response = client.post(ballot_url(contest), data={**data, "submit_ballot": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Place 1 is given to more than one finalist") == 2
    assert "Give this finalist a place from 1 to 4." in html
    assert "Every finalist needs its own place from 1 to 4" in html
    assert re.search(rf'name="{keys[2]}"[^>]*value="3"', html)    # typed values kept
    assert all(position is None for position, _ in stored(panel[1]).values())
    data = places(panel[1], finalists, finalists)
    data[keys[0]] = "9"
    html = client.post(ballot_url(contest), data={**data, "submit_ballot": "1"}).get_data(as_text=True)
    assert "Type a whole number from 1 to 4." in html


def test_a_draft_keeps_what_was_typed_and_a_closed_round_refuses_changes(client, login, final):
    contest, panel, finalists, _entries = final
    login(panel[2])
    client.post(ballot_url(contest), data={**places(panel[2], finalists, finalists[:2]), "save_draft": "1"})
    saved = stored(panel[2])
    assert [saved[e.id] for e in finalists] == [(1, SheetStatus.DRAFT), (2, SheetStatus.DRAFT),
                                                  (None, SheetStatus.DRAFT), (None, SheetStatus.DRAFT)]
    client.post(ballot_url(contest), data={**places(panel[2], finalists, finalists), "submit_ballot": "1"})
    final_round = db.session.scalars(db.select(ScoringRound).where(ScoringRound.number == 2)).one()
    final_round.opens_at, final_round.closes_at = utcnow() - timedelta(days=5), utcnow() - timedelta(minutes=1)
    db.session.commit()
    before = stored(panel[2])
    response = client.post(ballot_url(contest), data={**places(panel[2], finalists, list(reversed(finalists))),
                                                      "submit_ballot": "1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Round 2 closed on" in html
    assert stored(panel[2]) == before
    assert "Submit ballot" not in html and "disabled" in html


def test_the_results_order_the_finalists_by_the_ballots(client, login, make_user, final):
    contest, panel, finalists, entries = final
    wanted = [finalists[0], finalists[2], finalists[1], finalists[3]]   # round 1 had them the other way
    for judge in panel:
        login(judge)
        assert client.post(ballot_url(contest), data={**places(judge, finalists, wanted),
                                                      "submit_ballot": "1"}).status_code == 302
    instance = results.build_instance(contest)
    assert len(instance["ballots"]) == 12
    login(make_user(Role.ORGANIZER))
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    where = [html.index(e.code) for e in wanted]
    assert where == sorted(where)
    assert where[-1] < html.index(entries[11].code)                    # finalists above everyone else
    ranking = results.compute(contest)[1]["ranking"]
    assert [row["entry"] for row in ranking[:4]] == [results.entry_key(e.id) for e in wanted]


def test_a_conflicted_panel_judge_ranks_the_other_finalists_and_still_counts(client, login, final):
    contest, panel, finalists, _entries = final
    db.session.add(Conflict(judge_id=panel[0].id, entry_id=finalists[1].id, source=ConflictSource.MANUAL,
                            reason="Supervised the author"))
    db.session.commit()
    login(panel[0])
    html = client.get(ballot_url(contest)).get_data(as_text=True)
    assert finalists[1].code not in html and "from 1 (best) to 3" in html
    others = [finalists[0], finalists[2], finalists[3]]
    data = places(panel[0], others, others)
    assert client.post(ballot_url(contest), data={**data, "submit_ballot": "1"}).status_code == 302
    for judge in panel[1:]:
        login(judge)
        client.post(ballot_url(contest), data={**places(judge, finalists, finalists), "submit_ballot": "1"})
    instance = results.build_instance(contest)
    key = results.judge_key(panel[0].id)
    assert instance["final_round"]["given"] == {key: [results.entry_key(e.id) for e in others]}
    answer = results.compute(contest)[1]
    assert answer["final_round"]["ballots"] == 3 and not [p for p in answer["problems"] if "ballot" in p]
    assert [row["entry"] for row in answer["ranking"][:4]] == [results.entry_key(e.id) for e in finalists]


def test_a_contest_without_ballots_keeps_its_instance_unchanged(final):
    contest, *_ = final
    assert "ballots" not in results.build_instance(contest)


def test_only_the_panel_may_open_the_ballot(client, login, make_user, final, scored):
    contest, panel, _finalists, _entries = final
    _contest, judges, _ = scored
    for user in (judges[4], make_user(Role.JUDGE), make_user(), make_user(Role.ORGANIZER)):
        login(user)
        assert client.get(ballot_url(contest)).status_code == 404
        assert client.post(ballot_url(contest), data={"submit_ballot": "1"}).status_code == 404
    login(panel[0])
    assert client.get(f"/judging/contests/{contest.id + 999}/ballot").status_code == 404


def test_verify_names_a_ballot_place_changed_after_publication(client, login, make_user, runner, final):
    contest, panel, finalists, _entries = final
    for judge in panel:
        login(judge)
        client.post(ballot_url(contest), data={**places(judge, finalists, finalists), "submit_ballot": "1"})
    login(make_user(Role.ORGANIZER))
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    clean = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert clean.exit_code == 0, clean.output
    first, second = db.session.scalars(db.select(Assignment).where(
        Assignment.judge_id == panel[0].id, Assignment.round == 2).order_by(Assignment.entry_id)).all()[:2]
    first.ballot_position, second.ballot_position = 2, 1
    db.session.commit()
    tampered = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert tampered.exit_code == 1
    assert f"place of {finalists[0].code} on the final ballot of judge j{panel[0].id}" in tampered.output
