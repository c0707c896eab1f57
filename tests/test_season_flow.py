"""The whole season on real data: the demo's engine-made assignment, its scores and real
publication carry through to the prize list, the committed allocation and the workbook."""
from __future__ import annotations

import io

import openpyxl

from contest.extensions import db
from contest.models import Entry, ResultSnapshot, Role, Season, User
from contest.services.results import key_id


def test_a_published_ranking_becomes_the_prize_list_and_the_workbook(runner, client, make_user, login):
    assert runner.invoke(args=["seed-demo", "--entries", "60"]).exit_code == 0
    season = db.session.scalars(db.select(Season)).one()
    idea = season.contests[0]
    winner_row = ResultSnapshot.latest(idea.id).result["ranking"][0]
    winner = db.session.get(Entry, key_id(winner_row["entry"])).lead_author
    login(make_user(Role.ORGANIZER))

    budget = client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    assert winner.full_name in budget and "Electric car" in budget

    client.post(f"/prizes/seasons/{season.id}/commit", data={"confirm": "yes"})
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/prizes/seasons/{season.id}/workbook").data))
    winners = list(wb["Winners"].iter_rows(min_row=2, values_only=True))
    assert any(winner.full_name in row and any("Electric car" in str(c) for c in row) for row in winners)
    rankings = list(wb["Rankings"].iter_rows(min_row=2, values_only=True))
    assert len(rankings) == len(ResultSnapshot.latest(idea.id).result["ranking"])
    judges_named = set(db.session.scalars(db.select(User.full_name).where(User.role == Role.JUDGE)))
    scores_text = " ".join(str(c) for row in wb["Scores"].iter_rows(values_only=True) for c in row)
    assert "J-" in scores_text and not any(name in scores_text for name in judges_named)
