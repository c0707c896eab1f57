"""`python -m contest.engines.allocation IN.json`: JSON in, JSON out, exit 2 on bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GOOD = {
    "budget": 15_000_000_000,
    "fixed_costs": [{"id": "car-idea", "cost": 450_000_000}],
    "countries": [{"id": "JP", "name": "Japan", "cost": 120_000_000, "capacity": 2},
                  {"id": "DE", "cost": 100_000_000, "capacity": 1}],
    "winners": [{"id": "p1", "rank": 1, "preferences": ["JP", "DE"]},
                {"id": "p2", "rank": 2, "preferences": ["DE"]}],
}


def run(tmp_path, payload):
    path = tmp_path / "in.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "contest.engines.allocation", str(path)],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    return done.returncode, json.loads(done.stdout), done.stderr


def test_answers_json(tmp_path):
    code, out, err = run(tmp_path, GOOD)
    assert code == 0, err
    assert out["awards"] == [{"winner": "p1", "country": "JP", "cost": 120_000_000},
                             {"winner": "p2", "country": "DE", "cost": 100_000_000}]
    assert out["spent"] == 670_000_000 and out["remaining"] == 14_330_000_000
    assert out["explanations"]["p1"] == "Japan, your first choice"
    assert out["explanations"]["p2"] == "DE, your first choice"


def test_bad_input_is_a_json_error_without_traceback(tmp_path):
    bad = json.loads(json.dumps(GOOD))
    bad["budget"] = 1000
    bad["countries"][0]["cost"] = 1.5
    bad["winners"][1]["preferences"] = ["XX"]
    code, out, err = run(tmp_path, bad)
    assert code == 2
    assert "Traceback" not in err
    assert "winner 'p2' prefers unknown country 'XX'" in out["problems"]
    assert any("cost must be a whole number" in p for p in out["problems"])
    assert out["error"] == out["problems"][0]


def test_budget_below_fixed_prizes(tmp_path):
    code, out, _ = run(tmp_path, {**GOOD, "budget": 1000})
    assert code == 2
    assert out["error"] == "budget 1 000 UZS is smaller than the fixed prizes 450 000 000 UZS"


def test_not_json(tmp_path):
    code, out, err = run(tmp_path, "{budget: ")
    assert code == 2 and "Traceback" not in err
    assert out["error"].startswith("not valid JSON")


def test_wrong_shapes(tmp_path):
    code, out, err = run(tmp_path, {"budget": 5, "countries": {}, "winners": [3]})
    assert code == 2 and "Traceback" not in err
    assert "'countries' must be a list" in out["problems"]
    assert "winners[0] must be an object" in out["problems"]
