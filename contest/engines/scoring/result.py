"""The scoring engine's answer as typed data, with integer ids.

:class:`Ranking` holds exactly what the JSON answer of docs/scoring.md holds; :mod:`.codec` writes
it (:func:`~.codec.write_result`, the CLI's and the stored snapshots' JSON, byte for byte) and reads
a stored one back (:func:`~.codec.read_result`). Entries and judges are integer ids, written
through :attr:`Ranking.names` (a service's ranking: id 42 is ``e42``, so an id is the row's
primary key). Problems, warnings and outlier reasons are catalogue messages whose parameters are
the JSON's (ids as written); the English beside them is kept as published.

A field that is ``None`` where the JSON has no such key marks an answer published before the
engine gave it (``engine_version`` before version 2, the codes, ``panel_candidates``), so an
older snapshot is written back as it was stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from contest.catalogue import Message
from contest.engines.scoring.inputs import Names


class RankedEntry(NamedTuple):
    """One row of the ranking table (docs/scoring.md, ``ranking``); a named tuple, as a national
    ranking builds 20 000 of them."""

    entry: int
    rank: int
    score: float | None
    score_low: float | None
    score_high: float | None
    rank_low: int
    rank_high: int
    p_top: float | None
    tie: bool
    raw_mean: float | None
    judges: int
    sheets: int
    finalist: bool
    ballot_score: float | None     # written only when the ranking has ballot scores (Ranking.ballot_scores)
    component: int | None


class JudgeReport(NamedTuple):
    """One judge's diagnostics (``judges``); a judge who scored nothing has no figures."""

    judge: int
    leniency: float | None
    scale: float | None
    noise: float | None
    weight: float | None
    n: int
    agreement: float | None
    outlier: bool
    outlier_reasons: tuple[str, ...]              # the English, as published
    outlier_codes: tuple[Message, ...] | None     # None: published before the codes


@dataclass(frozen=True, slots=True)
class FinalRound:
    """What the finalist round held (``final_round``); ballots only when the input had any."""

    finalists: int
    round1_reviews: int
    round2_reviews: int
    extra_load: float | None
    ballots: int | None = None
    ballot_panel: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    """The whole answer. Id lists (shortlist, panel, unranked) are integer ids in the JSON's order."""

    names: Names
    engine_version: int | None      # None: published by version 1, before the key
    method: str
    inputs_hash: str
    prize_zone: int
    rows: tuple[RankedEntry, ...]
    ballot_scores: bool             # the rows carry ``ballot_score``
    unranked: tuple[int, ...]
    shortlist: tuple[int, ...]
    panel_size: int
    panel_suggestion: tuple[int, ...]
    panel_candidates: tuple[int, ...] | None
    review_budget: int
    extra_reviews: int
    shortlist_expected_recall: float | None
    final_round: FinalRound
    judges: tuple[JudgeReport, ...]
    calibration_centre: float | None
    reliability: float | None
    reliability_metric: str
    components: int
    problem_texts: tuple[str, ...]          # the English of ``problems``, as published
    warning_texts: tuple[str, ...]
    problems: tuple[Message, ...] | None    # None: published before the codes
    warnings: tuple[Message, ...] | None

    @property
    def version(self) -> int:
        """The engine version that computed it (1 before the answer said so)."""
        return self.engine_version or 1

    def entry_name(self, entry: int) -> str:
        return self.names.entry(entry)

    def judge_name(self, judge: int) -> str:
        return self.names.judge(judge)

    def row_of(self) -> dict[int, RankedEntry]:
        """The rows by entry id."""
        return {row.entry: row for row in self.rows}

    def judge_of(self) -> dict[int, JudgeReport]:
        """The judges' reports by judge id."""
        return {report.judge: report for report in self.judges}


__all__ = ["FinalRound", "JudgeReport", "RankedEntry", "Ranking"]
