"""The season workbook, filled from the database: winners, internships, budget, rankings, scores.

The prize sheets come from the latest committed allocation when there is one (what was
published), otherwise from the allocation computed now. Judges appear only as codes
(``J-001``, ``J-002``, ... numbered by account within the season's marks), never by name.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contest.downloads import XLSX
from contest.excel import build_season_workbook
from contest.extensions import db
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.money import soums
from contest.models import (
    AllocationSnapshot,
    Assignment,
    Criterion,
    Entry,
    EntryStatus,
    Mark,
    ResultSnapshot,
    Season,
    SheetStatus,
)
from contest.services import prizes
from contest.services.results import read_ranking

# How often a workbook job reports progress while it writes the score rows.
PROGRESS_EVERY_ROWS = 2000

def prize_data(state: prizes.PrizeState) -> dict:
    """The plain form of a computed state, the same shape a committed snapshot keeps."""
    return {"people": {k: p.as_dict() for k, p in state.selection.people.items()},
            "selection": state.selection.result, "cars": state.selection.cars, "prizes": state.prizes,
            "countries": state.countries, "allocation": state.result or {}}


def snapshot_data(snapshot: AllocationSnapshot) -> dict:
    kept = snapshot.selection
    return {"people": kept["people"], "selection": kept["result"], "cars": kept["cars"], "prizes": kept["prizes"],
            "countries": kept["countries"], "allocation": snapshot.result}


def budget_lines(state_or_data) -> list[dict]:
    """What is spent: each fixed prize, then each country's internships (persons x cost)."""
    data = prize_data(state_or_data) if isinstance(state_or_data, prizes.PrizeState) else state_or_data
    lines = [{"label": p["name"], "amount": p["cost"]} for p in data["prizes"]]
    persons = _persons_by_country(data)
    for country in data["countries"]:
        n = persons.get(country["id"], 0)
        if n:
            lines.append({"label": _("Internships: %(country)s, %(n)d × %(cost)s",
                                     country=prizes.country_name(country["id"], country["name"]), n=n,
                                     cost=soums(country["cost"])),
                          "amount": n * country["cost"]})
    return lines


def _persons_by_country(data: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for award in data["allocation"].get("awards", []):
        counts[award["country"]] = counts.get(award["country"], 0) + 1
    return counts


def winner_rows(data: dict) -> Iterator[dict]:
    people = data["people"]

    def person_row(key: str) -> dict:
        p = people[key]
        return {"rank": p["entry_rank"], "person": p["name"], "category": p["category"],
                "organization": p["organization"], "region": p["region"], "contest": p["contest"],
                "entry": p["entry"], "score": p["score"]}

    for car in data["cars"]:
        for n, key in enumerate(car["persons"]):  # one car per entry: its cost on the first author's row
            yield {**person_row(key), "prize": car["prize"], "cost": car["cost"] if n == 0 else None}
    names = prizes.country_names(data["countries"])
    awards = {a["winner"]: a for a in data["allocation"].get("awards", [])}
    for winner in data["selection"]["winners"]:
        award = awards.get(winner["person"])
        if award:
            yield {**person_row(winner["person"]), "prize": _("Internship abroad"),
                   "country": names.get(award["country"], award["country"]), "cost": award["cost"]}
        else:
            yield {**person_row(winner["person"]), "prize": _("Internship abroad: not funded")}


def internship_rows(data: dict) -> list[dict]:
    persons = _persons_by_country(data)
    return [{"country": prizes.country_name(c["id"], c["name"]), "places": c["capacity"],
             "persons": persons.get(c["id"], 0), "cost_per_person": c["cost"]} for c in data["countries"]]


def ranking_rows(season: Season) -> Iterator[dict]:
    for contest in season.contests:
        snapshot = ResultSnapshot.latest(contest.id)
        if snapshot is None:
            continue
        ranking = read_ranking(snapshot.result)
        entries = {e.id: e for e in db.session.scalars(
            db.select(Entry).where(Entry.id.in_([row.entry for row in ranking.rows])))}
        for row in ranking.rows:
            entry = entries.get(row.entry)
            yield {"contest": str(contest.title), "rank": row.rank,
                   "entry": f"{entry.code} {entry.title}" if entry else ranking.entry_name(row.entry),
                   "score": row.score, "score_low": row.score_low, "score_high": row.score_high,
                   "p_top": row.p_top, "judges": row.judges}


def score_rows(season: Season, locale: str | None = None) -> Iterator[dict]:
    contest_ids = [c.id for c in season.contests]
    where = (Entry.contest_id.in_(contest_ids), Entry.status == EntryStatus.SUBMITTED,
             Assignment.status == SheetStatus.SUBMITTED)
    judge_ids = db.session.scalars(db.select(Assignment.judge_id).join(Entry, Assignment.entry_id == Entry.id)
                                   .where(*where).distinct().order_by(Assignment.judge_id)).all()
    codes = {judge_id: f"J-{n:03d}" for n, judge_id in enumerate(judge_ids, start=1)}
    rows = db.session.execute(
        db.select(Entry.id, Assignment.judge_id, Criterion, Mark.value, Assignment.round)
        .join(Mark, Mark.assignment_id == Assignment.id).join(Entry, Assignment.entry_id == Entry.id)
        .join(Criterion, Mark.criterion_id == Criterion.id).where(*where)
        .order_by(Entry.id, Assignment.round, Assignment.judge_id, Criterion.position, Criterion.id))
    for entry_id, judge_id, criterion, value, round_ in rows:
        yield {"entry": f"E-{entry_id:05d}", "judge": codes[judge_id],
               "criterion": criterion.in_language("name", locale), "value": float(value), "round": round_}


def workbook(season: Season, locale: str, progress: Callable[[int, int], None] | None = None):
    """The workbook in ``locale`` (its sheet names, headers, titles and words), in a temporary
    file, rewound, for a streamed download. ``progress(done, total)`` is told how many of the
    season's marks are written, the bulk of a large workbook."""
    snapshot = AllocationSnapshot.latest(season.id)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  (closed by send_file)
    scores: Iterable[dict] = score_rows(season, locale)
    if progress is not None:
        scores = _counted(scores, mark_count(season), progress)
    with force_locale(locale):  # the rows are generators: they are worded while the workbook is written
        # Computed in the workbook's language too: default prize and country names are worded as they are read.
        data = snapshot_data(snapshot) if snapshot is not None else prize_data(prizes.compute(season))
        build_season_workbook({
            "title": str(season.title), "budget": season.budget, "winners": winner_rows(data),
            "internships": internship_rows(data), "budget_lines": budget_lines(data),
            "rankings": ranking_rows(season), "scores": scores}, out=out, translate=_)
    out.seek(0)
    return out


def mark_count(season: Season) -> int:
    """The rows of the scores sheet: submitted marks on submitted entries."""
    return db.session.scalar(
        db.select(db.func.count(Mark.id)).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id.in_([c.id for c in season.contests]), Entry.status == EntryStatus.SUBMITTED,
               Assignment.status == SheetStatus.SUBMITTED))


def _counted(rows: Iterable[dict], total: int, progress: Callable[[int, int], None]) -> Iterator[dict]:
    progress(0, total)
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY_ROWS == 0:
            progress(done, total)
    progress(done, total)


def workbook_name(season: Season) -> str:
    return f"season-{season.year}-prizes.xlsx"


@job_kind("season_workbook", _l("Season workbook"))
def workbook_job(context: JobContext, season_id: int, locale: str) -> dict:
    """Build the season workbook in the background; the organizer downloads it from the job's page."""
    season = db.session.get(Season, season_id)
    with workbook(season, locale, context.progress) as out:
        context.attach(out.read(), workbook_name(season), XLSX)
    return {"season_id": season_id}
