"""The organizer sizes the finalist round from a forecast: the engine (every effort planned as the
scoring engine would, the proposal), its command line, the chart, and the results page on seeded
contests, including the organizer's own figure and the case where no effort reaches the target."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.engines import final_forecast as engine
from contest.engines import scoring
from contest.engines import simulation as sim
from contest.engines.cli import InputError
from contest.catalogue import Message, english
from contest.extensions import db
from contest.models import Assignment
from contest.services import charts, final_forecast, results
from tests.conftest import scored_contest

WINDOW = {"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00"}


@pytest.fixture(scope="module")
def simulated():
    return sim.simulate_contest(2)


def test_each_effort_is_the_round_the_scoring_engine_plans(simulated):
    found = engine.forecast(engine.ForecastRequest(simulated.instance))
    ranked = scoring.rank(simulated.instance)          # plans at the default 10 %
    ten = found.effort(scoring.DEFAULT_EXTRA_LOAD)
    assert ten.shortlist == ranked["shortlist"] and ten.panel_suggestion == ranked["panel_suggestion"]
    assert round(ten.expected_recall, 6) == ranked["shortlist_expected_recall"]
    assert ten.budget == ranked["review_budget"] and ten.extra_reviews == ranked["extra_reviews"]
    assert [e.extra_load for e in found.efforts] == list(engine.LEVELS)
    for effort in found.efforts:
        assert effort.extra_reviews == effort.finalists * effort.panel <= effort.budget
        assert effort.budget == int(effort.extra_load * found.round1_reviews + 1e-9)
        assert effort.reviews_per_judge == effort.finalists and effort.panel >= scoring.MIN_PANEL
        assert effort.panel_suggestion == found.panel_candidates[: effort.panel]
    top = [row for row in ranked["ranking"][: found.prize_zone]]
    assert found.one_round_recall == pytest.approx(sum(row["p_top"] for row in top) / found.prize_zone, abs=1e-4)


def test_the_proposal_is_the_smallest_effort_that_reaches_the_target_or_the_cap(simulated):
    found = engine.forecast(engine.ForecastRequest(simulated.instance))
    reaching = [e.extra_load for e in found.efforts if e.expected_recall >= engine.TARGET]
    assert found.reached == bool(reaching)
    assert found.proposed == (min(reaching) if reaching else engine.CAP)
    assert found.chosen is found.effort(found.proposed)
    lowest = min(e.expected_recall for e in found.efforts)
    easy = engine.forecast(engine.ForecastRequest(simulated.instance, target=lowest))
    assert easy.reached and easy.proposed == 0.05
    out_of_reach = engine.forecast(engine.ForecastRequest(simulated.instance, target=0.999))
    assert not out_of_reach.reached and out_of_reach.proposed == engine.CAP == 0.20
    # The cap holds even when only a larger effort would reach the target.
    highest = max(e.expected_recall for e in found.efforts)
    capped = engine.forecast(engine.ForecastRequest(simulated.instance, levels=(0.05, 0.10, 0.25), target=highest))
    assert capped.proposed == 0.10 and capped.reached is (capped.effort(0.10).expected_recall >= highest)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.floats(0.5, 1.0), own=st.none() | st.floats(engine.OWN_LOW, engine.OWN_HIGH))
def test_any_target_and_figure_follow_the_proposal_rule(simulated, target, own):
    found = engine.forecast(engine.ForecastRequest(simulated.instance, own=own, target=target))
    standard = [e for e in found.efforts if e.extra_load in engine.LEVELS]
    reaching = [e.extra_load for e in standard if e.expected_recall is not None and e.expected_recall >= target]
    assert (found.proposed, found.reached) == ((min(reaching), True) if reaching else (engine.CAP, False))
    assert found.chosen.extra_load == pytest.approx(own if own is not None else found.proposed)
    assert sum(e.own for e in found.efforts) == (own is not None)


def test_the_organizers_own_figure_is_planned_beside_the_standard_efforts(simulated):
    own = engine.forecast(engine.ForecastRequest(simulated.instance, own=0.12))
    assert [e.extra_load for e in own.efforts] == [*engine.LEVELS, 0.12]
    assert own.chosen is own.efforts[-1] and own.chosen.own and not any(e.own for e in own.efforts[:-1])
    plain = engine.forecast(engine.ForecastRequest(simulated.instance))
    assert own.efforts[:-1] == plain.efforts and own.proposed == plain.proposed
    standard = engine.forecast(engine.ForecastRequest(simulated.instance, own=0.15))
    assert len(standard.efforts) == 4 and standard.chosen is standard.effort(0.15) and standard.chosen.own
    for bad in (0.0, 0.7, -0.1):
        with pytest.raises(InputError, match="own"):
            engine.forecast(engine.ForecastRequest(simulated.instance, own=bad))


def test_the_command_line_reads_json_and_names_every_problem(simulated, tmp_path):
    good = tmp_path / "in.json"
    good.write_text(json.dumps({"instance": simulated.instance, "own": 0.12}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.final_forecast", str(good)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["chosen"] == 0.12 and [e["extra_load"] for e in answer["efforts"]] == [*engine.LEVELS, 0.12]
    assert answer["proposed"] in engine.LEVELS and answer["efforts"][1]["finalists"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"instance": [], "own": "lots", "levels": "all"}))
    failed = subprocess.run([sys.executable, "-m", "contest.engines.final_forecast", str(bad)],
                            capture_output=True, text=True, check=False)
    assert failed.returncode == 2
    problems = json.loads(failed.stdout)["problems"]
    assert [p.split(":")[0] for p in problems] == ["instance", "own", "levels"]


def test_the_chart_shows_each_effort_beside_round_one_alone(app, simulated):
    found = engine.forecast(engine.ForecastRequest(simulated.instance, own=0.01))
    with app.test_request_context():
        chart = charts.final_round_forecast(found)
    assert chart.categories == ["5 %", "10 %", "15 %", "20 %", "1 % (yours)"]
    assert chart.value_max == 100 and not chart.empty
    with_round, alone = chart.series
    assert with_round.values[:4] == [round(e.expected_recall * 100, 1) for e in found.efforts[:4]]
    assert with_round.values[4] is None             # 1 % buys no round: no bar (and a dash in the table)
    assert alone.values == [round(found.one_round_recall * 100, 1)] * 5
    assert chart.table_rows()[4] == ["1 % (yours)", None, alone.values[0]]


# -- the results page ---------------------------------------------------------------------------------

def forecast_rows(html: str) -> list[list[str]]:
    """The forecast table as text cells, a list per row (the effort first)."""
    table = html[html.index('id="forecast-table"'):]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):], re.S)
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def page(client, contest, **query):
    response = client.get(f"/results/contests/{contest.id}", query_string=query)
    return response.status_code, unescape(response.get_data(as_text=True))


def test_the_results_page_forecasts_each_effort_and_proposes_the_smallest_that_reaches_85(
        client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready     # 300 round-1 reviews
    status, html = page(client, contest)
    assert status == 200
    assert forecast_rows(html) == [
        ["5 %", "0", "0", "0", "0 / 15", "–", "85.1 %", ""],          # 15 reviews cannot seat 10 finalists x 3
        ["10 %", "10", "3", "10", "30 / 30", "85.2 %", "85.1 %", "the round below proposed"],
        ["15 %", "15", "3", "15", "45 / 45", "90.9 %", "85.1 %", ""],
        ["20 %", "15", "4", "15", "60 / 60", "91.4 %", "85.1 %", ""],
    ]
    assert "Proposed: 10 % extra judging, the smallest effort whose forecast top-10 recall reaches 85 %." in html
    assert "Shortlist proposed: 10 entries, a common panel of 3 judges (30 extra reviews, within 30 allowed)." in html
    chart = json.loads(re.search(r'id="forecast-chart".*?<script type="application/json" class="chart-data">(.*?)'
                                 r"</script>", html, re.S).group(1))
    assert chart["series"][0]["values"] == [None, 85.2, 90.9, 91.4]
    numbers = html[html.index('id="forecast-chart-numbers"'):]
    assert re.search(r'<th scope="row">5 %</th>\s*<td class="num">–</td>', numbers)
    client.post("/auth/language/ru")
    _status, russian = page(client, contest)
    assert "Предлагается: 10 % дополнительной экспертизы" in russian and "Прогноз полноты топ-10" in russian
    client.post("/auth/language/uz")
    _status, uzbek = page(client, contest)
    assert "Taklif: 10 % qo'shimcha baholash" in uzbek and "Faqat 1-bosqich" in uzbek


def test_when_no_effort_reaches_85_the_page_says_so_and_proposes_the_cap(client, organizer, make_season, make_user):
    contest, _judges, _entries = scored_contest(make_season, make_user, 100, 12, noise=3)
    status, html = page(client, contest)
    assert status == 200
    rows = forecast_rows(html)
    assert [row[0] for row in rows] == ["5 %", "10 %", "15 %", "20 %"]
    assert all(row[5] == "–" or float(row[5].rstrip(" %")) < 85 for row in rows)
    assert rows[3][-1] == "the round below proposed"
    assert ("No effort up to the cap of 20 % is forecast to reach 85 % top-10 recall. The cap, 20 %, is proposed."
            in html)
    assert "Shortlist proposed: 20 entries, a common panel of 3 judges (60 extra reviews, within 60 allowed)." in html
    client.post("/auth/language/ru")
    _status, russian = page(client, contest)
    assert "Ни при каком объёме до предела 20 % прогноз полноты топ-10 не достигает 85 %" in russian


def test_a_contest_too_small_for_any_round_proposes_the_cap_and_says_why(client, organizer, scored):
    contest, _judges, _entries = scored             # 36 reviews: 7 extra at the cap, no panel of 3 for 10
    _status, html = page(client, contest)
    assert [row[4:6] for row in forecast_rows(html)] == [["0 / 1", "–"], ["0 / 3", "–"], ["0 / 5", "–"],
                                                          ["0 / 7", "–"]]
    assert "No effort up to the cap of 20 % is forecast to reach 85 % top-10 recall." in html
    too_small = english(Message("panel_unaffordable", {"budget": 7, "finalists": 10, "panel": 3}))
    assert too_small in html and "Open the final round" not in html


def test_the_organizers_own_figure_sizes_the_round_that_opens(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    status, html = page(client, contest, effort="12")
    assert status == 200
    rows = forecast_rows(html)
    assert [row[0] for row in rows] == ["5 %", "10 %", "15 %", "20 %", "12 % (yours)"]
    own = rows[4]
    assert own[-1] == "the round below" and rows[1][-1] == "proposed"
    finalists, panel = int(own[1]), int(own[2])
    assert own[4] == f"{finalists * panel} / 36"
    assert f"Shortlist proposed: {finalists} entries, a common panel of {panel} judges" in html
    assert 'name="effort" value="12"' in html                          # kept in its field, and carried to opening
    confirm = unescape(client.get(f"/results/contests/{contest.id}/final-round",
                                  query_string={**WINDOW, "effort": "12"}).get_data(as_text=True))
    assert f"{finalists} finalists go to the final round" in confirm and 'name="effort" value="12"' in confirm
    opened = client.post(f"/results/contests/{contest.id}/final-round",
                         data={**WINDOW, "effort": "12", "confirm": "yes"}, follow_redirects=True)
    assert f"for {finalists} finalists by a panel of {panel}" in unescape(opened.get_data(as_text=True))
    expected = final_forecast.forecast(contest, 0.12).chosen
    pairs = set(db.session.execute(db.select(Assignment.entry_id, Assignment.judge_id)
                                   .where(Assignment.round == 2)).tuples())
    assert pairs == {(results.key_id(e), results.key_id(j)) for e in expected.shortlist
                     for j in expected.panel_suggestion}


@pytest.mark.parametrize("typed, message", [
    ("70", "Give a share from 1 to 50 %."),
    ("0.5", "Give a share from 1 to 50 %."),
    ("lots", "Not a valid decimal value."),
])
def test_a_figure_out_of_range_is_refused_beside_its_field_and_kept(client, organizer, finalist_ready, typed, message):
    contest, _judges, _entries = finalist_ready
    status, html = page(client, contest, effort=typed)
    assert status == 422
    form = html[html.index('id="final-round-forecast"'):]
    field = form[form.index('<div class="field'):form.index("</form>")]
    assert "has-error" in field and message in field and f'value="{typed}"' in field
    assert [row[0] for row in forecast_rows(html)] == ["5 %", "10 %", "15 %", "20 %"]   # the forecast still shows
    assert db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.round == 2)) == 0
    client.post("/auth/language/ru")
    _status, russian = page(client, contest, effort="70")
    assert "Укажите долю от 1 до 50 %." in russian and 'value="70"' in russian


def test_a_contest_too_large_to_forecast_in_a_request_says_so_and_plans_at_the_default_effort(
        app, client, organizer, finalist_ready, monkeypatch):
    contest, _judges, _entries = finalist_ready
    # The ranking is at hand, stored by the ranking job (the tests run a job as its request commits).
    assert client.post(f"/results/contests/{contest.id}/ranking").status_code == 302
    monkeypatch.setattr(final_forecast, "answers", results.RankingCache())
    monkeypatch.setitem(app.config, "RANKING_INLINE_MAX_SCORES", 100)      # 300 round-1 rows: over it
    status, html = page(client, contest)
    assert status == 200 and 'id="forecast-table"' not in html
    assert "This contest is too large to forecast within a page" in html
    assert "Shortlist proposed: 10 entries, a common panel of 3 judges (30 extra reviews, within 30 allowed)." in html
