"""The finalist round on the platform: one panel for all finalists, proposed, shown and opened."""
from __future__ import annotations

import json

from contest.catalogue import Message, english
from contest.extensions import db
from contest.models import (
    Assignment, Conflict, ConflictSource, ContestJudge, Entry, ResultSnapshot, ScoringRound, User,
)
from contest.services import final_forecast, results


def test_verify_passes_a_version_published_before_panel_candidates(runner, organizer, scored, client):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    older = snapshot.result
    assert older.pop("panel_candidates")
    snapshot.result_json = json.dumps(older, sort_keys=True)
    db.session.commit()
    clean = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert clean.exit_code == 0 and "1 published rankings checked, 0 differences" in clean.output
    older["panel_suggestion"] = older["panel_suggestion"][::-1] + ["j999"]
    snapshot.result_json = json.dumps(older, sort_keys=True)
    db.session.commit()
    tampered = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert tampered.exit_code == 1 and "differs from a recomputation" in tampered.output


WINDOW = {"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00"}


def proposal_of(contest):
    """The ranking with its finalist round at the effort the forecast proposes: the round the page opens."""
    return final_forecast.sized(results.compute(contest)[1], final_forecast.forecast(contest).chosen)


def test_the_results_page_shows_the_finalists_and_panel_it_would_open(client, organizer, finalist_ready):
    contest, judges, entries = finalist_ready
    result = proposal_of(contest)
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    names = {judge.id: judge.full_name for judge in judges}
    seated = [names[results.key_id(k)] for k in result["panel_suggestion"]]
    section = html[html.index("Finalist round"):]
    for entry_key in result["shortlist"]:
        assert db.session.get(Entry, results.key_id(entry_key)).code in section
    assert all(name in section for name in seated)


def test_a_judge_who_left_or_is_conflicted_gives_up_the_seat_and_is_named(client, organizer, finalist_ready):
    contest, judges, entries = finalist_ready
    result = proposal_of(contest)
    first, second, *rest = [db.session.get(User, results.key_id(k)) for k in result["panel_candidates"]]
    finalist = db.session.get(Entry, results.key_id(result["shortlist"][0]))
    db.session.delete(db.session.scalars(db.select(ContestJudge).filter_by(contest_id=contest.id,
                                                                          judge_id=first.id)).one())
    db.session.add(Conflict(judge=second, entry=finalist, source=ConflictSource.MANUAL, reason="Former student"))
    db.session.commit()
    # The panel changed, so the ranking and its forecast are computed again: the round that opens is sized then.
    result = proposal_of(contest)
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert f"{first.full_name} no longer serves on this contest" in html
    assert f"{second.full_name} is conflicted with finalist {finalist.code}" in html
    client.post("/auth/language/ru")
    russian = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert f"{first.full_name} больше не входит в число экспертов этого конкурса" in russian
    assert f"У эксперта {second.full_name} конфликт интересов с финалистом {finalist.code}" in russian
    client.post("/auth/language/en")
    page = client.post(f"/results/contests/{contest.id}/final-round", data={**WINDOW, "confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Final round open" in page
    final = db.session.scalars(db.select(Assignment).where(Assignment.round == 2)).all()
    panels = {}
    for a in final:
        panels.setdefault(a.entry_id, set()).add(a.judge_id)
    expected = {judge.id for judge in rest[: result["panel_size"]]}
    assert set(panels) == {results.key_id(k) for k in result["shortlist"]}
    assert all(panel == expected for panel in panels.values())


def test_once_open_the_page_shows_the_round_and_the_form_only_moves_its_window(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    client.post(f"/results/contests/{contest.id}/final-round", data={**WINDOW, "confirm": "yes"})
    pairs = set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id)
                                   .where(Assignment.round == 2)).tuples())
    assert pairs
    # A panel judge leaves: opening again must not seat a new judge beside the old panel.
    leaving = next(iter(pairs))[0]
    db.session.delete(db.session.scalars(db.select(ContestJudge).filter_by(contest_id=contest.id,
                                                                          judge_id=leaving)).one())
    db.session.commit()
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "The final round is open" in html and "0 of the 3 ballots submitted" in html
    assert "ballot pending" in html and 'value="Save the window"' in html
    assert 'value="2026-06-10T18:00"' in html                      # the window, in Tashkent time
    page = client.post(f"/results/contests/{contest.id}/final-round",
                       data={"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-12T18:00"},
                       follow_redirects=True).get_data(as_text=True)
    assert "finalists and panel stay as they are" in page
    assert set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id)
                                  .where(Assignment.round == 2)).tuples()) == pairs
    window = db.session.scalars(db.select(ScoringRound).where(ScoringRound.number == 2)).one()
    assert window.closes_at.day == 12


def test_a_refused_window_comes_back_with_what_was_typed(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    backwards = {"opens_at": "2026-06-10T18:00", "closes_at": "2026-06-01T09:00"}
    response = client.post(f"/results/contests/{contest.id}/final-round", data=backwards)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "closes after it opens" in html
    assert 'value="2026-06-10T18:00"' in html and 'value="2026-06-01T09:00"' in html
    assert db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.round == 2)) == 0
    missing = client.post(f"/results/contests/{contest.id}/final-round", data={"opens_at": "2026-06-01T09:00"})
    assert missing.status_code == 422 and 'value="2026-06-01T09:00"' in missing.get_data(as_text=True)


def test_a_contest_too_small_for_a_final_round_says_so_and_opens_none(client, organizer, scored):
    contest, _judges, _entries = scored                  # 36 sheets: 7 extra reviews at the cap of 20 %
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert english(Message("panel_unaffordable", {"budget": 7, "finalists": 10, "panel": 3})) in html
    assert "Common panel" not in html
    refused = client.post(f"/results/contests/{contest.id}/final-round", data={**WINDOW, "confirm": "yes"})
    assert refused.status_code == 422 and "nothing to open" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.round == 2)) == 0
