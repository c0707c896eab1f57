"""The finalist round on the platform: one panel for all finalists, proposed, shown and opened."""
from __future__ import annotations

import json

from contest.extensions import db
from contest.models import ResultSnapshot
from tests.test_results import organizer, scored  # noqa: F401  (fixtures)


def test_verify_passes_a_version_published_before_panel_candidates(runner, organizer, scored, client):  # noqa: F811
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish")
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
