"""Results: the live ranking, breakdowns, versioned publishing, verification, the final round."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.support import Translations
from markupsafe import escape

from contest.catalogue.scoring import MESSAGES as SCORING_MESSAGES
from contest.engines import scoring
from contest.extensions import db
from contest.models import (
    Assignment, ContestJudge, Entry, EntryStatus, Mark, ResultSnapshot, Role, ScoringRound,
)

CATALOGS = Path(__file__).resolve().parents[1] / "contest" / "translations"
OFF_SCALE = SCORING_MESSAGES["value_off_scale"]       # the catalogue's one wording of the problem


def catalog(language: str) -> Translations:
    return Translations.load(str(CATALOGS), [language])


def problems_shown(html: str) -> str:
    return "\n".join(re.findall(r'<div class="flash flash-warning">(.*?)</div>', html, flags=re.S))


def mark_outside_the_scale(entry: Entry, language: str = "en") -> tuple[Mark, dict]:
    """Give one of the entry's marks the value 42 on its 1..10 scale; the problem's wording parameters
    (the criterion named in the reader's ``language``)."""
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == entry.id)
                              .order_by(Mark.id)).first()
    mark.value = Decimal("42")
    db.session.commit()
    criterion = mark.criterion
    return mark, {"judge": mark.assignment.judge.full_name, "entry": entry.code, "round": "1",
                  "criterion": criterion.in_language("name", language), "value": "42", "min": str(criterion.scale_min),
                  "max": str(criterion.scale_max)}


def engine_keys_in(text: str, mark: Mark) -> list[str]:
    """The engine ids of the mark's entry, judge and criterion that appear in the text as words."""
    keys = (f"e{mark.assignment.entry_id}", f"j{mark.assignment.judge_id}", f"c{mark.criterion_id}")
    return [key for key in keys if re.search(rf"\b{key}\b", text)]


def test_results_page_ranks_with_intervals_charts_and_judges(client, organizer, scored):
    contest, judges, entries = scored
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert html.index(entries[11].code) < html.index(entries[0].code)  # the best entry comes first
    for text in ("90% interval", "Chance of the prize zone", "leniency against scale", "Score distribution",
                 "Judge 0", "<canvas"):
        assert text in html
    mean = client.get(f"/results/contests/{contest.id}", query_string={"method": "mean"}).get_data(as_text=True)
    assert "Method: Plain mean" in mean


def test_breakdown_shows_each_judges_raw_and_calibrated_marks_and_comments(client, organizer, scored):
    contest, judges, entries = scored
    html = client.get(f"/results/contests/{contest.id}/entries/{entries[1].id}").get_data(as_text=True)
    assert "Raw total" in html and "Calibrated" in html
    assert "Clear novelty." in html and "Strong prototype." in html
    assert html.count("<td>Judge ") == 3


def test_publishing_makes_a_new_version_each_time(client, organizer, scored):
    contest, _judges, entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "calibrated", "confirm": "yes"})
    first = ResultSnapshot.latest(contest.id)
    assert first.version == 1 and len(first.inputs_hash) == 64 and first.method == "calibrated"
    frozen = first.result_json
    client.post(f"/results/contests/{contest.id}/publish", data={"method": "mean", "confirm": "yes"})
    versions = db.session.scalars(db.select(ResultSnapshot).order_by(ResultSnapshot.version)).all()
    assert [s.version for s in versions] == [1, 2] and versions[0].result_json == frozen
    assert versions[1].method == "mean"
    page = client.get(f"/results/snapshots/{versions[0].id}").get_data(as_text=True)
    assert first.inputs_hash in page and entries[11].code in page


def test_participants_see_rank_score_and_anonymous_comments_once_published(client, organizer, scored, login):
    contest, judges, entries = scored
    author = entries[1].lead_author
    login(author)
    before = client.get(f"/entries/{entries[1].id}").get_data(as_text=True)
    assert "Rank " not in before and "Clear novelty." not in before
    login(organizer)
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    login(author)
    html = client.get(f"/entries/{entries[1].id}").get_data(as_text=True)
    row = next(r for r in ResultSnapshot.latest(contest.id).result["ranking"] if r["entry"] == f"e{entries[1].id}")
    assert f"Rank {row['rank']} of 12" in html
    assert "Clear novelty." in html and "Strong prototype." in html
    assert not any(judge.full_name in html for judge in judges)


def test_verify_passes_then_catches_a_tampered_score(runner, organizer, scored, client):
    contest, _judges, entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    clean = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert clean.exit_code == 0 and "1 published rankings checked, 0 differences" in clean.output
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == entries[0].id)).first()
    mark.value = Decimal("10")
    db.session.commit()
    tampered = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert tampered.exit_code == 1
    assert f"mark of {entries[0].code}" in tampered.output and "is 10.0 now" in tampered.output
    assert "was published at rank" in tampered.output


def test_verify_catches_a_tampered_snapshot(runner, organizer, scored, client):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    result = snapshot.result
    result["ranking"][0]["score"] += 1
    snapshot.result_json = json.dumps(result, sort_keys=True)
    db.session.commit()
    outcome = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert outcome.exit_code == 1 and "differs from a recomputation of its own stored input" in outcome.output


def test_a_mark_outside_the_scale_is_named_and_the_rest_still_ranks(client, organizer, scored):
    contest, _judges, entries = scored
    mark, params = mark_outside_the_scale(entries[3])
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert str(escape(OFF_SCALE % params)) in problems_shown(html)  # named by entry code, judge and criterion
    assert not engine_keys_in(problems_shown(html), mark)
    assert entries[11].code in html and entries[3].code in html


def test_the_final_round_gives_every_finalist_the_same_panel(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    response = client.post(f"/results/contests/{contest.id}/final-round",
                           data={"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00", "confirm": "yes"},
                           follow_redirects=True)
    assert "Final round open" in response.get_data(as_text=True)
    final = db.session.scalars(db.select(Assignment).where(Assignment.round == 2)).all()
    by_entry: dict[int, set[int]] = {}
    for a in final:
        by_entry.setdefault(a.entry_id, set()).add(a.judge_id)
    assert by_entry and len({frozenset(panel) for panel in by_entry.values()}) == 1
    assert db.session.scalars(db.select(ScoringRound).where(ScoringRound.number == 2)).one().opens_at.hour == 4


def test_participants_and_judges_cannot_open_results(client, scored, make_user, login):
    contest, judges, _entries = scored
    login(judges[0])
    assert client.get(f"/results/contests/{contest.id}").status_code == 403
    login(make_user())
    assert client.post(f"/results/contests/{contest.id}/publish").status_code == 403


def test_the_ranking_is_computed_once_per_distinct_input(organizer, scored, monkeypatch, client):
    from contest.engines import scoring as engine
    from contest.services import results as service

    contest, _judges, entries = scored
    calls = []
    real_rank = engine.rank_input
    monkeypatch.setattr(service, "rankings", service.RankingCache())
    monkeypatch.setattr(engine, "rank_input", lambda data, **kwargs: calls.append(1) or real_rank(data, **kwargs))
    first = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    client.get(f"/results/contests/{contest.id}")
    assert len(calls) == 1                       # the second visit is served from the cache
    mark = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == entries[0].id)).first()
    mark.value = Decimal("10")
    db.session.commit()
    second = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert len(calls) == 2 and first != second   # a changed mark is a new input, ranked afresh


def without_message_codes(result: dict) -> dict:
    """A ranking as the engine answered before it gave message codes."""
    old = {key: value for key, value in result.items() if key not in ("problem_codes", "warning_codes")}
    old["judges"] = [{k: v for k, v in row.items() if k != "outlier_codes"} for row in result["judges"]]
    return old


def test_verify_passes_a_version_published_before_message_codes(runner, organizer, scored, client):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    assert "problem_codes" in snapshot.result
    snapshot.result_json = json.dumps(without_message_codes(snapshot.result), sort_keys=True)
    db.session.commit()
    clean = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert clean.exit_code == 0 and "1 published rankings checked, 0 differences" in clean.output
    result = snapshot.result
    result["warnings"] = ["the stored warnings were edited"]
    snapshot.result_json = json.dumps(result, sort_keys=True)
    db.session.commit()
    tampered = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert tampered.exit_code == 1 and "differs from a recomputation" in tampered.output


@pytest.mark.parametrize("engine_version", [1, 2])
def test_verify_recomputes_a_version_published_by_an_earlier_engine_with_that_engine(runner, organizer, scored,
                                                                                     client, engine_version):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    assert snapshot.result["engine_version"] == scoring.VERSION
    published = json.loads(json.dumps(scoring.rank(snapshot.instance, version=engine_version), sort_keys=True))
    if engine_version == 1:
        del published["engine_version"]             # version 1 answers did not carry the key
    assert [row["p_top"] for row in published["ranking"]] != [row["p_top"] for row in snapshot.result["ranking"]]
    # Versions before 3 hashed the canonical JSON of their input.
    assert published["inputs_hash"] == scoring.inputs_hash(snapshot.instance, engine_version) != snapshot.inputs_hash
    snapshot.result_json = json.dumps(published, sort_keys=True)
    snapshot.inputs_hash = published["inputs_hash"]
    db.session.commit()
    clean = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert clean.exit_code == 0 and "1 published rankings checked, 0 differences" in clean.output
    published["ranking"][0]["p_top"] = 0.5
    snapshot.result_json = json.dumps(published, sort_keys=True)
    db.session.commit()
    tampered = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert tampered.exit_code == 1 and "differs from a recomputation" in tampered.output


@pytest.mark.parametrize("language", ["ru", "uz"])
def test_a_problem_is_shown_in_the_readers_language_with_entry_code_and_judge_name(client, organizer, scored,
                                                                                  language):
    contest, _judges, entries = scored
    mark, params = mark_outside_the_scale(entries[3], language)
    client.post(f"/auth/language/{language}")
    shown = problems_shown(client.get(f"/results/contests/{contest.id}").get_data(as_text=True))
    expected = catalog(language).gettext(OFF_SCALE) % params
    assert expected != OFF_SCALE % params, "the catalog has no translation for this problem"
    assert str(escape(expected)) in shown
    assert "outside its scale" not in shown and not engine_keys_in(shown, mark)


def test_a_panel_judge_without_sheets_is_named_in_uzbek(client, organizer, scored, make_user):
    contest, _judges, _entries = scored
    silent = make_user(Role.JUDGE, full_name="Dilnoza Karimova")
    db.session.add(ContestJudge(contest=contest, judge=silent))
    db.session.commit()
    client.post("/auth/language/uz")
    shown = problems_shown(client.get(f"/results/contests/{contest.id}").get_data(as_text=True))
    counted = SCORING_MESSAGES["judges_silent_counted"]
    singular, plural = counted.singular, counted.plural
    expected = catalog("uz").ngettext(singular, plural, 1) % {"num": 1, "judges": silent.full_name}
    assert expected != singular % {"num": 1, "judges": silent.full_name}
    assert expected in shown and f"j{silent.id}" not in shown


def test_an_outlier_judges_reasons_are_translated(client, organizer, scored):
    contest, judges, _entries = scored
    backwards = db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.judge_id == judges[0].id)).all()
    for mark in backwards:
        mark.value = 11 - mark.value            # the best entries get the worst marks
    db.session.commit()
    client.post("/auth/language/ru")
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    row = re.search(rf"<td>{judges[0].full_name}</td>.*?</tr>", html, flags=re.S).group(0)
    english = "low agreement with the other judges"
    assert catalog("ru").gettext(english) != english
    assert catalog("ru").gettext(english) in row and english not in row


def test_a_snapshot_shows_its_problems_and_one_published_before_codes_keeps_its_english(client, organizer, scored):
    contest, _judges, entries = scored
    _mark, params = mark_outside_the_scale(entries[3], "ru")
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    client.post("/auth/language/ru")
    page = client.get(f"/results/snapshots/{snapshot.id}")
    assert str(escape(catalog("ru").gettext(OFF_SCALE) % params)) in problems_shown(page.get_data(as_text=True))
    snapshot.result_json = json.dumps(without_message_codes(snapshot.result), sort_keys=True)
    db.session.commit()
    page = client.get(f"/results/snapshots/{snapshot.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert str(escape(snapshot.result["problems"][0])) in problems_shown(html) and entries[11].code in html


def test_an_unknown_code_keeps_the_engines_english(client, organizer, scored):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    result = snapshot.result
    result.update(problems=["something new"], problem_codes=[{"code": "from_the_future"}])
    snapshot.result_json = json.dumps(result, sort_keys=True)
    db.session.commit()
    client.post("/auth/language/ru")
    assert "something new" in problems_shown(client.get(f"/results/snapshots/{snapshot.id}").get_data(as_text=True))


def test_every_scoring_message_code_has_its_own_russian_and_uzbek_sentence(app):
    from flask_babel import force_locale

    from contest.engines.scoring import rank
    from contest.engines.scoring.messages import explain
    from contest.services.result_messages import result_messages
    from tests.engines.test_scoring_messages import MESSAGE_INSTANCES, OUTLIERS, REASON_INSTANCES

    answers = [rank(make()) for make in [*MESSAGE_INSTANCES.values(), *REASON_INSTANCES.values()]]
    outliers = [{"code": code} for code in sorted(OUTLIERS)]
    answers.append({"problems": [], "problem_codes": [], "warnings": [], "warning_codes": [],
                    "judges": [{"judge": "j1", "outlier_reasons": [explain(c) for c in outliers],
                                "outlier_codes": outliers}]})
    for language in ("ru", "uz"):
        with app.test_request_context(), force_locale(language):
            for answer in answers:
                shown = result_messages(answer)
                english = answer["problems"] + answer["warnings"] + [
                    reason for row in answer.get("judges", []) for reason in row["outlier_reasons"]]
                rendered = shown.problems + shown.warnings + [
                    reason for row in answer.get("judges", []) for reason in shown.outliers[row["judge"]]]
                assert len(rendered) == len(english) and english
                assert not set(rendered) & set(english), (language, answer["problem_codes"])


def test_a_contest_with_nothing_to_rank_says_so_on_every_results_action(client, organizer, make_season, make_user):
    contest = make_season().contests[0]
    author = make_user(full_name="Author")
    entry = Entry(contest=contest, lead_author=author, field=contest.fields[0], status=EntryStatus.SUBMITTED)
    entry.set_title("Unscored")
    db.session.add(entry)
    db.session.commit()
    page = client.get(f"/results/contests/{contest.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing can be ranked yet" in html and "Traceback" not in html
    published = client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"}, follow_redirects=True)
    assert published.status_code == 200 and ResultSnapshot.latest(contest.id) is None
    opened = client.post(f"/results/contests/{contest.id}/final-round",
                         data={"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00", "confirm": "yes"},
                         follow_redirects=True)
    assert opened.status_code == 422 and "Final round open" not in opened.get_data(as_text=True)
    assert "Nothing can be ranked yet" in opened.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0
    assert client.get(f"/results/contests/{contest.id}/entries/{entry.id}").status_code == 404


def test_the_results_refusals_are_catalogue_codes(app):
    from contest.catalogue import MESSAGES, Message, Refusal
    from contest.services import results as service

    latest = ResultSnapshot(version=3)
    nothing = service.NothingToRank([Message("judge_scored_nothing", {"judge": "Dilnoza Karimova"})])
    refusals = [service.NotCurrent(), service.RankingPending(), service.NothingScored(),
                service.AlreadyPublished(latest), nothing]
    for refusal in refusals:
        assert isinstance(refusal, Refusal) and refusal.codes and all(code in MESSAGES() for code in refusal.codes)
    assert str(service.AlreadyPublished(latest)).startswith("This ranking is identical to version 3,")
    with app.test_request_context():
        assert nothing.problems == ["judge Dilnoza Karimova scored nothing"]


def test_verify_names_a_stored_answer_that_is_no_ranking(runner, organizer, scored, client):
    contest, _judges, _entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    result = snapshot.result
    result["ranking"] = [row["entry"] for row in result["ranking"]]
    snapshot.result_json = json.dumps(result, sort_keys=True)
    db.session.commit()
    broken = runner.invoke(args=["results", "verify", str(contest.season.year)])
    assert broken.exit_code == 1 and "cannot be read as a ranking" in broken.output
