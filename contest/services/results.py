"""Rankings: stored marks in, the scoring engine's answer out, published as frozen versions.

Engine ids are neutral codes: entries ``e<id>``, judges ``j<id>``, criteria ``c<id>``; the
same stored marks always give the same instance, hence the same inputs hash.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contest.engines import scoring
from contest.engines.cli import InputError
from contest.extensions import db
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import (
    FINAL_ROUND, Assignment, Contest, ContestJudge, Entry, EntryAuthor, EntryStatus, Mark, RankingAnswer,
    ResultSnapshot, Season,
    SheetRevision, SheetStatus, User, utcnow,
)
from contest.services import audit
from contest.services.judging import format_value
from contest.services.result_messages import result_messages

PRIZE_ZONE = 10


def entry_key(entry_id: int) -> str:
    return f"e{entry_id}"


def judge_key(judge_id: int) -> str:
    return f"j{judge_id}"


def key_id(key: str) -> int:
    return int(key[1:])


def build_instance(contest: Contest, method: str | None = None) -> dict:
    """Every submitted score sheet and final-round ballot of the contest's submitted entries, in a canonical order."""
    rows = db.session.execute(
        db.select(Assignment.entry_id, Assignment.judge_id, Assignment.round, Mark.criterion_id, Mark.value)
        .join(Mark, Mark.assignment_id == Assignment.id).join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED,
               Assignment.status == SheetStatus.SUBMITTED)
        .order_by(Assignment.entry_id, Assignment.judge_id, Assignment.round, Mark.criterion_id)).all()
    panel = db.session.scalars(db.select(ContestJudge.judge_id).where(ContestJudge.contest_id == contest.id)
                               .order_by(ContestJudge.judge_id)).all()
    entries = db.session.scalars(db.select(Entry.id).where(Entry.contest_id == contest.id,
                                                           Entry.status == EntryStatus.SUBMITTED)
                                 .order_by(Entry.id)).all()
    instance = {
        "criteria": [{"id": f"c{c.id}", "weight": float(c.weight), "min": c.scale_min, "max": c.scale_max}
                     for c in contest.criteria],
        "scores": [{"entry": entry_key(e), "judge": judge_key(j), "criterion": f"c{c}", "value": float(v),
                    "round": r} for e, j, r, c, v in rows],
        "prize_zone": PRIZE_ZONE,
        "judges": [judge_key(j) for j in panel],
        "entries": [entry_key(e) for e in entries],
    }
    # The final round's ranking ballots, submitted places only; the key is left out when there
    # are none, so instances (and hashes) of contests without ballots stay exactly as they were.
    ballots = db.session.execute(
        db.select(Assignment.judge_id, Assignment.entry_id, Assignment.ballot_position)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED,
               Assignment.round == FINAL_ROUND, Assignment.status == SheetStatus.SUBMITTED,
               Assignment.ballot_position.is_not(None))
        .order_by(Assignment.judge_id, Assignment.entry_id)).all()
    if ballots:
        instance["ballots"], given = _ballots(ballots)
        if given:
            instance["final_round"] = {"given": given}
    if method:
        instance["method"] = method
    return instance


def _ballots(rows) -> tuple[list[dict], dict[str, list[str]]]:
    """Each judge's submitted places, renumbered 1..k in their order (a finalist withdrawn after
    the ballot leaves no gap), and the finalists given to judges who did not rank them all (a
    conflict kept them from one)."""
    by_judge: dict[int, list[tuple[int, int]]] = {}
    for judge_id, entry_id, position in rows:
        by_judge.setdefault(judge_id, []).append((position, entry_id))
    everyone = {entry_id for _judge, entry_id, _position in rows}
    ballots, given = [], {}
    for judge_id, places in sorted(by_judge.items()):
        for place, (_stored, entry_id) in enumerate(sorted(places), start=1):
            ballots.append({"judge": judge_key(judge_id), "entry": entry_key(entry_id), "position": place})
        mine = {entry_id for _stored, entry_id in places}
        if mine != everyone:
            given[judge_key(judge_id)] = [entry_key(e) for e in sorted(mine)]
    return ballots, given


class RankingCache:
    """The last few rankings, keyed by the hash of their exact input (in front of the answers
    ranking jobs store in the database, :class:`RankingAnswer`).

    Ranking a national-size contest takes seconds; the engine is deterministic, so the same
    input always gives the same answer and a changed mark changes the key. Answers are shared:
    callers must not modify them. ``flask results verify`` never reads from here.
    """

    def __init__(self, size: int = 16):
        self.size = size
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
            return self._answers.get(key)

    def put(self, key: str, answer: dict) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def rank(self, instance: dict) -> dict:
        key = scoring.inputs_hash(instance)
        answer = self.get(key)
        if answer is None:
            answer = scoring.rank(instance)
            self.put(key, answer)
        return answer


rankings = RankingCache()


class NothingToRank(ValueError):
    """The contest has nothing the engine can rank yet; ``problems`` say why, in the reader's language."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class RankingPending(Exception):
    """The ranking is too large to compute in a request and no job has computed it yet."""


def compute(contest: Contest, method: str | None = None, inline_limit: int | None = None) -> tuple[dict, dict]:
    """The contest's instance and its ranking; :class:`NothingToRank` before any sheet is usable.

    With ``inline_limit``, an instance of more score rows than that whose answer is not at hand
    raises :class:`RankingPending` instead of keeping the request waiting: a ranking job computes it.
    """
    instance = build_instance(contest, method)
    key = scoring.inputs_hash(instance)
    answer = rankings.get(key)
    if answer is None and (stored := db.session.get(RankingAnswer, key)) is not None:
        answer = json.loads(stored.result_json)
        rankings.put(key, answer)
    if answer is not None:
        return instance, answer
    if inline_limit is not None and len(instance["scores"]) > inline_limit:
        raise RankingPending()
    try:
        answer = scoring.rank(instance)
    except InputError as error:
        raise NothingToRank(result_messages({"problems": error.problems, "problem_codes": error.codes}).summary
                            ) from error
    rankings.put(key, answer)
    return instance, answer


@job_kind("ranking", _l("Ranking"), result_endpoint="results.contest")
def ranking_job(context: JobContext, contest_id: int, method: str) -> dict:
    """Rank a contest in the background, by ``method`` and by the default method (which proposes the
    final round), and store the answers where every server finds them."""
    contest = db.session.get(Contest, contest_id)
    methods = list(dict.fromkeys([method, scoring.DEFAULT_METHOD]))
    for done, each in enumerate(methods):
        context.progress(done, len(methods))
        instance = build_instance(contest, each)
        key = scoring.inputs_hash(instance)
        if db.session.get(RankingAnswer, key) is None:
            try:
                answer = scoring.rank(instance)
            except InputError:  # nothing to rank (any more): the results page says why
                continue
            db.session.add(RankingAnswer(inputs_hash=key, result_json=json.dumps(answer)))
            db.session.flush()
    context.progress(len(methods), len(methods))
    return {"contest_id": contest_id}


@dataclass
class Publication:
    """A ranking as publishing it now would store it, beside the latest published version."""

    instance: dict
    result: dict
    latest: ResultSnapshot | None

    @property
    def version(self) -> int:
        return self.latest.version + 1 if self.latest else 1

    @property
    def instance_json(self) -> str:
        return json.dumps(self.instance, sort_keys=True)

    @property
    def result_json(self) -> str:
        return json.dumps(self.result, sort_keys=True)

    @property
    def identical(self) -> bool:
        """The latest version already stores exactly this input and this answer."""
        return self.latest is not None and (self.latest.instance_json, self.latest.result_json) == (
            self.instance_json, self.result_json)


class AlreadyPublished(ValueError):
    """Publishing would store the latest version again: no new version is made."""

    def __init__(self, latest: ResultSnapshot):
        self.latest = latest
        super().__init__(_("This ranking is identical to version %(n)d, the latest published: publishing it again "
                           "makes no new version.", n=latest.version))


def prepare_publication(contest: Contest, method: str | None = None) -> Publication:
    """What publishing now would store; :class:`NothingToRank` or ValueError when there is nothing to publish."""
    instance, result = compute(contest, method)
    if not result["ranking"]:
        raise ValueError(_("There are no submitted scores to rank yet."))
    return Publication(instance, result, ResultSnapshot.latest(contest.id))


def publish(contest: Contest, organizer: User, method: str | None = None) -> ResultSnapshot:
    """Freeze the ranking as a new version; earlier versions stay as they were.

    A ranking identical to the latest version raises :class:`AlreadyPublished`: a second copy
    would only make the versions harder to read.
    """
    publication = prepare_publication(contest, method)
    if publication.identical:
        raise AlreadyPublished(publication.latest)
    snapshot = ResultSnapshot(contest=contest, version=publication.version, method=publication.result["method"],
                              inputs_hash=publication.result["inputs_hash"], instance_json=publication.instance_json,
                              result_json=publication.result_json, published_by=organizer, published_at=utcnow())
    db.session.add(snapshot)
    db.session.flush()
    audit.record("ranking.published", snapshot, actor=organizer, after={
        "contest_id": contest.id, "version": snapshot.version, "method": snapshot.method,
        "inputs_hash": snapshot.inputs_hash, "entries_ranked": len(publication.result["ranking"])})
    return snapshot


def participants_seeing(result: dict) -> int:
    """How many participants (authors with an account) of the ranked entries see their result once it is published."""
    entry_ids = [key_id(row["entry"]) for row in result["ranking"]]
    if not entry_ids:
        return 0
    return db.session.scalar(db.select(db.func.count(db.distinct(EntryAuthor.user_id))).where(
        EntryAuthor.entry_id.in_(entry_ids), EntryAuthor.user_id.is_not(None)))


@dataclass
class Discrepancy:
    contest: str
    version: int
    message: str


def verify(season: Season) -> tuple[int, list[Discrepancy]]:
    """Recompute every published version from the stored marks; report each difference by name."""
    checked, found = 0, []
    for contest in season.contests:
        snapshots = db.session.scalars(db.select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
                                       .order_by(ResultSnapshot.version)).all()
        latest_version = snapshots[-1].version if snapshots else None
        current_instance = build_instance(contest) if snapshots else None
        for snapshot in snapshots:
            checked += 1
            label = str(contest.title)
            stored = snapshot.result
            # A version is recomputed, and its input hashed, by the engine version it was published
            # with (1 before the key).
            engine_version = stored.get("engine_version", 1)
            recomputation = scoring.rank(snapshot.instance, version=engine_version)
            if _as_stored(recomputation, stored) != stored:
                found.append(Discrepancy(label, snapshot.version, "the stored answer differs from a recomputation "
                                                                  "of its own stored input"))
            if scoring.inputs_hash(snapshot.instance, engine_version) != snapshot.inputs_hash:
                found.append(Discrepancy(label, snapshot.version, "the stored input does not match its hash"))
            if snapshot.version != latest_version:
                continue
            current = dict(current_instance, **({"method": snapshot.instance["method"]}
                                                if "method" in snapshot.instance else {}))
            if scoring.inputs_hash(current, engine_version) != snapshot.inputs_hash:
                found += [Discrepancy(label, snapshot.version, line)
                          for line in _describe_changes(snapshot.instance, current)
                          + _revisions_since(contest, snapshot.published_at)]
                try:
                    recomputed = scoring.rank(current, version=engine_version)
                except InputError as error:
                    found.append(Discrepancy(label, snapshot.version, "the current marks cannot be ranked: "
                                                                      + "; ".join(error.problems)))
                    continue
                found += [Discrepancy(label, snapshot.version, line)
                          for line in _describe_rank_changes(stored, recomputed)]
    return checked, found


# Keys the scoring engine added to its answer after rankings had been published, by the key
# that marks a version as published with them. They only restate or extend what such a version
# holds (problems in codes; the judges the panel suggestion was the head of; the engine version,
# which verify() reads to recompute with the same method), so an older version is compared
# without them and everything it does hold is compared as ever.
_ADDED_LATER = (
    ("problem_codes", ("problem_codes", "warning_codes"), ("outlier_codes",)),
    ("panel_candidates", ("panel_candidates",), ()),
    ("engine_version", ("engine_version",), ()),
)


def _as_stored(result: dict, stored: dict) -> dict:
    """The recomputed answer as it would have been stored when ``stored`` was published."""
    recomputed = json.loads(json.dumps(result, sort_keys=True))
    for marker, keys, judge_keys in _ADDED_LATER:
        if marker in stored:
            continue
        for key in keys:
            recomputed.pop(key, None)
        for row in recomputed.get("judges", []):
            for key in judge_keys:
                row.pop(key, None)
    return recomputed


def _describe_changes(published: dict, current: dict) -> list[str]:
    def sheet_marks(instance):
        return {(s["entry"], s["judge"], s.get("round", 1), s["criterion"]): s["value"] for s in instance["scores"]}

    before, after = sheet_marks(published), sheet_marks(current)
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            entry, judge, round_, criterion = key
            lines.append(f"mark of {_entry_code(entry)} by judge {judge} (round {round_}, criterion {criterion}) "
                         f"was {before.get(key)} when published, is {after.get(key)} now")
    def places(instance):
        return {(b["judge"], b["entry"]): b["position"] for b in instance.get("ballots", [])}

    placed_then, placed_now = places(published), places(current)
    for key in sorted(set(placed_then) | set(placed_now)):
        if placed_then.get(key) != placed_now.get(key):
            judge, entry = key
            lines.append(f"place of {_entry_code(entry)} on the final ballot of judge {judge} "
                         f"was {placed_then.get(key)} when published, is {placed_now.get(key)} now")
    if published["criteria"] != current["criteria"]:
        lines.append("the rubric changed after publication")
    return lines or ["the stored scores differ from the published input"]


def _revisions_since(contest: Contest, published_at: datetime) -> list[str]:
    """Which judge changed a submitted sheet or ballot place after publication, and when."""
    rows = db.session.execute(
        db.select(Assignment.entry_id, Assignment.judge_id, Assignment.round, SheetRevision.number,
                  SheetRevision.submitted_at)
        .join(SheetRevision, SheetRevision.assignment_id == Assignment.id).join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, SheetRevision.submitted_at > published_at)
        .order_by(SheetRevision.submitted_at, Assignment.id)).all()
    return [f"judge {judge_key(judge)} submitted revision {number} of their round {round_} sheet of "
            f"{_entry_code(entry_key(entry))} at {when:%Y-%m-%d %H:%M} UTC, after publication"
            for entry, judge, round_, number, when in rows]


def _describe_rank_changes(stored: dict, recomputed: dict) -> list[str]:
    ranks = {row["entry"]: row["rank"] for row in recomputed["ranking"]}
    return [f"{_entry_code(row['entry'])} was published at rank {row['rank']}, recomputes to "
            f"{ranks.get(row['entry'], 'unranked')}" for row in stored["ranking"]
            if ranks.get(row["entry"]) != row["rank"]]


def _entry_code(key: str) -> str:
    return f"E-{key_id(key):05d}"


@dataclass
class MarkedCriterion:
    """A criterion as its authors read it under a judge's comment: its name and that judge's mark."""

    name: str
    mark: str
    scale_max: int


@dataclass
class Comment:
    """One comment of a judge, with the criteria it was written on (none: the overall comment)."""

    text: str
    criteria: list[MarkedCriterion]


@dataclass
class JudgeComments:
    """One judge's comments, under a neutral name ("Judge A") that says nothing of who they are."""

    label: str
    comments: list[Comment]


def entry_comments(entry: Entry, published_at: datetime) -> list[JudgeComments]:
    """The judges' comments on an entry as its authors may read them: grouped by judge, without any
    judge's name, each under the criteria it was written on with their marks, and never twice (a
    judge's text repeated on another criterion, sheet or as the overall comment is shown once)."""
    sheets = db.session.scalars(db.select(Assignment).where(
        Assignment.entry_id == entry.id, Assignment.status == SheetStatus.SUBMITTED,
        Assignment.submitted_at <= published_at).order_by(Assignment.id)).all()
    by_judge: dict[int, dict[str, Comment]] = {}
    for sheet in sheets:
        said = by_judge.setdefault(sheet.judge_id, {})
        for mark in sorted(sheet.marks, key=lambda m: (m.criterion.position, m.criterion_id)):
            text = mark.comment.strip()
            if text:
                comment = said.setdefault(text, Comment(text, []))
                if all(c.name != mark.criterion.local_name for c in comment.criteria):
                    comment.criteria.append(MarkedCriterion(mark.criterion.local_name, format_value(mark.value),
                                                            mark.criterion.scale_max))
        if sheet.overall_comment.strip():
            said.setdefault(sheet.overall_comment.strip(), Comment(sheet.overall_comment.strip(), []))
    said_something = [said for said in by_judge.values() if said]
    return [JudgeComments(_("Judge %(letter)s", letter=judge_letter(n)), list(said.values()))
            for n, said in enumerate(said_something)]


def judge_letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: a neutral name for the n-th judge of an entry."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def published_standing(entry: Entry) -> tuple[ResultSnapshot, dict] | None:
    """The entry's row in the latest published ranking of its contest, if any."""
    snapshot = ResultSnapshot.latest(entry.contest_id)
    if snapshot is None:
        return None
    for row in snapshot.result["ranking"]:
        if row["entry"] == entry_key(entry.id):
            return snapshot, row
    return None
