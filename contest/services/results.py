"""Rankings: stored marks in, the scoring engine's answer out, published as frozen versions.

The engine gets a typed input with the rows' ids (:func:`build_input`); its answer and the JSON
form of the input write them as neutral codes: entries ``e<id>``, judges ``j<id>``, criteria
``c<id>``. The same stored marks always give the same input, hence the same inputs hash. Refusals
are :class:`contest.catalogue.Refusal` codes. Verification: :mod:`.result_verification`; what a
participant reads of a published version: :mod:`.entry_feedback`.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from contest.catalogue import Message, Refusal
from contest.engines import scoring
from contest.engines.cli import InputError
from contest.extensions import db
from contest.i18n import say
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import (
    FINAL_ROUND, Assignment, Contest, ContestJudge, ContestRanking, Entry, EntryAuthor, EntryStatus, Mark,
    ResultSnapshot, SheetStatus, User, utcnow,
)
from contest.services import audit, notices, stored_rankings
from contest.services.result_messages import result_messages

PRIZE_ZONE = 10


def entry_key(entry_id: int) -> str:
    return f"e{entry_id}"


def judge_key(judge_id: int) -> str:
    return f"j{judge_id}"


def key_id(key: str) -> int:
    return int(key[1:])


def read_ranking(result: dict) -> scoring.Ranking:
    """A stored answer (a ranking or a published version) as the engine's typed answer, whatever
    version of the engine wrote it: the services' codes (``e42``, ``j7``) read as the rows' ids."""
    return scoring.codec.read_result(result)


def build_input(contest: Contest, method: str | None = None) -> scoring.ScoringInput:
    """Every submitted score sheet and final-round ballot of the contest's submitted entries, in a
    canonical order, as the engine's typed input (ids are the rows' ids)."""
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
    entry, judge, round_no, criterion, value = zip(*rows) if rows else ((),) * 5
    # The final round's ranking ballots, submitted places only; none (the key left out of the
    # JSON form) when there are none, so instances and hashes of contests without ballots stay
    # exactly as they were.
    ballots = db.session.execute(
        db.select(Assignment.judge_id, Assignment.entry_id, Assignment.ballot_position)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED,
               Assignment.round == FINAL_ROUND, Assignment.status == SheetStatus.SUBMITTED,
               Assignment.ballot_position.is_not(None))
        .order_by(Assignment.judge_id, Assignment.entry_id)).all()
    places, given = _ballots(ballots) if ballots else (None, None)
    return scoring.ScoringInput(
        tuple(scoring.Criterion(c.id, float(c.weight), float(c.scale_min), float(c.scale_max))
              for c in contest.criteria),
        scoring.MarkTable.of(entry, judge, criterion, [float(v) for v in value], round_no),
        entries=tuple(entries), judges=tuple(panel), ballots=places, given=given or None,
        method=method or None, prize_zone=PRIZE_ZONE)


def build_instance(contest: Contest, method: str | None = None) -> dict:
    """The JSON form of :func:`build_input`: what a ranking stores, and what ``results verify`` compares."""
    return scoring.codec.write_instance(build_input(contest, method))


def _ballots(rows) -> tuple[tuple[scoring.Place, ...], dict[int, tuple[int, ...]]]:
    """Each judge's submitted places, renumbered 1..k in their order (a finalist withdrawn after
    the ballot leaves no gap), and the finalists given to judges who did not rank them all (a
    conflict kept them from one)."""
    by_judge: dict[int, list[tuple[int, int]]] = {}
    for judge_id, entry_id, position in rows:
        by_judge.setdefault(judge_id, []).append((position, entry_id))
    everyone = {entry_id for _judge, entry_id, _position in rows}
    places, given = [], {}
    for judge_id, chosen in sorted(by_judge.items()):
        for place, (_stored, entry_id) in enumerate(sorted(chosen), start=1):
            places.append(scoring.Place(judge_id, entry_id, place))
        mine = {entry_id for _stored, entry_id in chosen}
        if mine != everyone:
            given[judge_id] = tuple(sorted(mine))
    return tuple(places), given


class RankingCache:
    """The last few rankings of small contests computed for a page, keyed by the hash of their
    exact input (national-size ones are computed once by the ranking job and stored, see
    :mod:`contest.services.stored_rankings`).

    The engine is deterministic, so the same input always gives the same answer and a changed
    mark changes the key. Answers are shared: callers must not modify them. ``flask results
    verify`` never reads from here.
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

    def rank(self, data: scoring.ScoringInput) -> tuple[scoring.Ranking, dict]:
        """The typed answer for ``data`` and its JSON, computed once per distinct input."""
        digests = scoring.Digests.of(data, scoring.VERSION)
        found = self.get(digests.full)
        if found is None:
            typed = scoring.rank_input(data, digests=digests)
            found = (typed, scoring.codec.write_result(typed))
            self.put(digests.full, found)
        return found


rankings = RankingCache()


class NothingToRank(Refusal):
    """The contest has nothing the engine can rank yet: the engine's problems, each with its entries,
    judges and criteria named as an organizer knows them (``problems``: in the reader's language);
    the engine's "nothing to rank" when no sheet at all gave a problem."""

    def __init__(self, messages: list[Message]):
        super().__init__(list(messages) or [Message("nothing_to_rank")])

    @property
    def problems(self) -> list[str]:
        return [say(message) for message in self.messages]


class RankingPending(Refusal):
    """The ranking is too large to compute in a request and none is stored yet."""

    def __init__(self):
        super().__init__("ranking_pending")


class NothingScored(Refusal):
    """Every submitted entry is unranked: there is no ranking to publish."""

    def __init__(self):
        super().__init__("nothing_scored_yet")


@dataclass
class Ranking:
    """A contest's ranking as a page shows it: the engine's answer and how current it is."""

    result: dict                               # the answer's JSON, as pages show it
    freshness: stored_rankings.Freshness
    instance_json: str | None = None           # as stored (None: written from ``data``, else read from ``row``)
    row: ContestRanking | None = None
    data: scoring.ScoringInput | None = None    # when computed here
    result_json: str | None = None             # as stored
    generation: int | None = None               # of the row, when computed here from the inputs it said
    answer: scoring.Ranking | None = None       # the typed answer (None: not read from ``result`` yet)

    @property
    def typed(self) -> scoring.Ranking:
        """The engine's typed answer: entry and judge ids are the rows' ids."""
        if self.answer is None:
            self.answer = read_ranking(self.result)
        return self.answer

    @property
    def instance(self) -> dict:
        return json.loads(self.instance_text)

    @property
    def instance_text(self) -> str:
        if self.instance_json is None:
            self.instance_json = (stored_rankings.instance_text(self.data) if self.data is not None
                                  else self.row.instance_json)
        return self.instance_json


def _from_row(row: ContestRanking) -> Ranking:
    if row.problems_json is not None:
        raise NothingToRank(result_messages(json.loads(row.problems_json)).summary_messages)
    return Ranking(json.loads(row.result_json), stored_rankings.Freshness.of(row), row=row, result_json=row.result_json)


def scored_marks(contest: Contest) -> int:
    """How many marks the contest's ranking reads (its size, counted without reading them)."""
    return db.session.scalar(
        db.select(db.func.count(Mark.id)).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED,
               Assignment.status == SheetStatus.SUBMITTED))


def current(contest: Contest, method: str | None = None, inline_limit: int | None = None) -> Ranking:
    """The contest's ranking by ``method``: the stored one when it is current; else computed here
    when the contest is small enough (at most ``inline_limit`` marks; None: any size); else the
    stored one, stale, which a job is recomputing. :class:`RankingPending` when none is stored;
    :class:`NothingToRank` before any sheet is usable.
    """
    row = stored_rankings.stored(contest, method)
    if row is not None and row.computed and not row.stale:
        return _from_row(row)
    if inline_limit is None or scored_marks(contest) <= inline_limit:
        data = build_input(contest, method)
        try:
            typed, answer = rankings.rank(data)
        except InputError as error:
            raise NothingToRank(result_messages({"problems": error.problems, "problem_codes": error.codes})
                                .summary_messages) from error
        return Ranking(answer, stored_rankings.Freshness(utcnow(), stored=False), row=row, data=data,
                       generation=row.generation if row is not None else None, answer=typed)
    if row is not None and row.computed:
        return _from_row(row)
    raise RankingPending()


def compute(contest: Contest, method: str | None = None, inline_limit: int | None = None) -> tuple[dict, dict]:
    """The contest's instance and its ranking (see :func:`current`)."""
    ranking = current(contest, method, inline_limit)
    return ranking.instance, ranking.result


@job_kind("ranking", _l("Ranking"), result_endpoint="results.contest", on_settled=stored_rankings.follow_job)
def ranking_job(context: JobContext, contest_id: int, method: str | None = None) -> dict:
    """Recompute each stale stored ranking of the contest, once: a ranking already current (another
    job stored it) is left alone, and one whose inputs changed while it was computed is not stored
    (the follow-up job this queues computes it from the new inputs)."""
    contest = db.session.get(Contest, contest_id)
    rows = db.session.scalars(db.select(ContestRanking).where(ContestRanking.contest_id == contest_id,
                                                              ContestRanking.stale.is_(True))
                              .order_by(ContestRanking.method)).all()
    seen = [(row.method or None, row.generation) for row in rows]
    moved = False
    for done, (each, generation) in enumerate(seen):
        context.progress(done, len(seen))
        columns = stored_rankings.answer_columns(build_input(contest, each))
        moved |= not stored_rankings.store(contest, each, columns, generation)
    context.progress(len(seen), len(seen))
    stored_rankings.job_done(contest_id, follow_up=moved)
    return {"contest_id": contest_id}


@dataclass
class Publication:
    """A ranking as publishing it now would store it, beside the latest published version."""

    ranking: Ranking
    latest: ResultSnapshot | None

    @property
    def result(self) -> dict:
        return self.ranking.result

    @property
    def version(self) -> int:
        return self.latest.version + 1 if self.latest else 1

    @property
    def instance_json(self) -> str:
        return self.ranking.instance_text

    @property
    def result_json(self) -> str:
        if self.ranking.result_json is None:
            self.ranking.result_json = json.dumps(self.result, sort_keys=True)
        return self.ranking.result_json

    @property
    def identical(self) -> bool:
        """The latest version already stores exactly this input and this answer."""
        return self.latest is not None and (self.latest.inputs_hash, self.latest.instance_json,
                                            self.latest.result_json) == (
            self.ranking.typed.inputs_hash, self.instance_json, self.result_json)


class AlreadyPublished(Refusal):
    """Publishing would store the latest version again: no new version is made."""

    def __init__(self, latest: ResultSnapshot):
        self.latest = latest
        super().__init__("ranking_identical", n=latest.version)


class NotCurrent(Refusal):
    """A national-size ranking whose marks changed since it was stored cannot be published until recomputed."""

    def __init__(self):
        super().__init__("ranking_not_current")


def prepare_publication(contest: Contest, method: str | None = None, inline_limit: int | None = None) -> Publication:
    """What publishing now would store: the stored ranking when current, else one computed now (a
    contest of at most ``inline_limit`` marks); :class:`NotCurrent`, :class:`NothingToRank` or
    :class:`NothingScored` when there is nothing to publish."""
    try:
        ranking = current(contest, method, inline_limit)
    except RankingPending:
        raise NotCurrent() from None
    if ranking.freshness.stale:
        raise NotCurrent()
    if not ranking.typed.rows:
        raise NothingScored()
    return Publication(ranking, ResultSnapshot.latest(contest.id))


def publish(contest: Contest, organizer: User, method: str | None = None,
            inline_limit: int | None = None) -> ResultSnapshot:
    """Freeze the stored ranking as a new version; earlier versions stay as they were.

    A ranking computed for this request (a small contest) is stored first, so the version is
    always a copy of what is stored. A ranking identical to the latest version raises
    :class:`AlreadyPublished`: a second copy would only make the versions harder to read.
    """
    publication = prepare_publication(contest, method, inline_limit)
    if publication.identical:
        raise AlreadyPublished(publication.latest)
    ranking = publication.ranking
    typed = ranking.typed
    if not ranking.freshness.stored:
        stored_rankings.store(contest, method, {
            "instance_json": publication.instance_json, "result_json": publication.result_json,
            "inputs_hash": typed.inputs_hash, "problems_json": None,
            "computed_at": ranking.freshness.computed_at}, ranking.generation)
    snapshot = ResultSnapshot(contest=contest, version=publication.version, method=typed.method,
                              inputs_hash=typed.inputs_hash, instance_json=publication.instance_json,
                              result_json=publication.result_json, published_by=organizer, published_at=utcnow())
    db.session.add(snapshot)
    db.session.flush()
    audit.record("ranking.published", snapshot, actor=organizer, after={
        "contest_id": contest.id, "version": snapshot.version, "method": snapshot.method,
        "inputs_hash": snapshot.inputs_hash, "entries_ranked": len(typed.rows)})
    notices.results_published(contest, snapshot.id, snapshot.version, [row.entry for row in typed.rows])
    return snapshot


def participants_seeing(result: dict) -> int:
    """How many participants (authors with an account) of the ranked entries see their result once it is published."""
    entry_ids = [row.entry for row in read_ranking(result).rows]
    if not entry_ids:
        return 0
    return db.session.scalar(db.select(db.func.count(db.distinct(EntryAuthor.user_id))).where(
        EntryAuthor.entry_id.in_(entry_ids), EntryAuthor.user_id.is_not(None)))
