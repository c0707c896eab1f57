"""Synthetic contests with known truth, to measure how well the scoring engine ranks.

What makes the problem hard in real contests is built in on purpose: judges differ in leniency,
scale and noise; judges are experts of one field and are mostly assigned within it; fields
differ in mean quality (so a field's judges look "harsh" or "lenient" to a z-score when their
entries are simply better or worse); marks are integers on 1-10 and clip at the ends. Every
parameter is in :class:`ContestShape`, documented in docs/scoring.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from contest.engines.scoring.model import Judges


@dataclass(frozen=True)
class ContestShape:
    """Parameters of a synthetic contest. Quality is in units of the within-field spread."""

    entries: tuple[int, int] = (300, 1000)        # drawn uniformly per contest
    judges: tuple[int, int] = (30, 60)            # clip of entries * per_entry / sheets_per_judge
    sheets_per_judge: tuple[int, int] = (30, 50)  # a judge's load, drawn per contest
    per_entry: int = 3                            # judges per entry in round 1
    fields: int = 6
    field_quality_sd: float = 0.5                 # spread of the fields' mean quality
    field_share_concentration: float = 3.0        # Dirichlet: field sizes differ
    in_field_share: float = 0.85                  # a slot goes to a judge of the entry's field
    weights: tuple[float, ...] = (0.3, 0.3, 0.2, 0.2)
    low: int = 1
    high: int = 10
    facet_sd: float = 0.5                         # criterion-specific part of an entry's quality
    midpoint: float = 5.5                         # the mark of an average entry by a neutral judge
    points_per_sd: float = 1.3                    # rubric points per unit of quality
    leniency_sd: float = 0.8                      # rubric points
    scale_log_sd: float = 0.25                    # judge's scale b ~ LogNormal(0, 0.25)
    noise_median: float = 0.9                     # rubric points per criterion
    noise_log_sd: float = 0.3
    halo: float = 0.5                             # share of noise variance common to a whole sheet
    erratic_share: float = 0.05                   # judges whose noise is erratic_factor larger
    erratic_factor: float = 2.5
    out_of_field_noise: float = 1.3               # noise multiplier outside one's own field


@dataclass
class Contest:
    """A simulated contest: the engine's instance plus the truth it is measured against."""

    shape: ContestShape
    instance: dict
    entry_ids: list[str]
    judge_ids: list[str]
    quality: np.ndarray                    # true weighted quality per entry (ranking truth)
    facets: np.ndarray                     # (entries, criteria) per-criterion quality
    entry_field: np.ndarray
    judge_field: np.ndarray
    leniency: np.ndarray                   # rubric points
    scale: np.ndarray
    noise: np.ndarray                      # rubric points per criterion
    rng: np.random.Generator = field(repr=False)

    def oracle_judges(self):
        """The judges' true parameters, expressed on the engine's 0-100 total scale."""
        span = self.shape.high - self.shape.low
        w = np.asarray(self.shape.weights) / np.sum(self.shape.weights)
        centre = self.shape.midpoint - self.shape.low
        leniency = 100.0 / span * (self.leniency + centre * (1.0 - self.scale))
        sheet_sd = self.noise * np.sqrt(self.shape.halo + (1 - self.shape.halo) * np.sum(w**2))
        return Judges(leniency, self.scale.copy(), 100.0 / span * sheet_sd)

    def perceived(self, entries: np.ndarray, judges: np.ndarray) -> np.ndarray:
        """(pairs, criteria) what each judge perceives of each entry, in rubric points, before
        the rubric rounds and clips it: leniency, scale, noise (with halo), out-of-field factor."""
        s = self.shape
        n_c = len(s.weights)
        noise = self.noise[judges] * np.where(
            self.entry_field[entries] == self.judge_field[judges], 1.0, s.out_of_field_noise
        )
        common = self.rng.standard_normal(len(entries))[:, None] * np.sqrt(s.halo)
        own = self.rng.standard_normal((len(entries), n_c)) * np.sqrt(1 - s.halo)
        return (
            s.midpoint
            + self.leniency[judges][:, None]
            + self.scale[judges][:, None] * s.points_per_sd * self.facets[entries]
            + noise[:, None] * (common + own)
        )

    def marks(self, entries: np.ndarray, judges: np.ndarray, round_no: int) -> list[dict]:
        """Integer rubric marks of each (entry, judge) pair, as the engine's score records."""
        s = self.shape
        n_c = len(s.weights)
        latent = self.perceived(entries, judges)
        value = np.clip(np.rint(latent), s.low, s.high).astype(int)
        records = []
        for row, (e, j) in enumerate(zip(entries, judges)):
            for c in range(n_c):
                records.append({
                    "entry": self.entry_ids[e], "judge": self.judge_ids[j],
                    "criterion": f"c{c + 1}", "value": int(value[row, c]), "round": round_no,
                })
        return records


def simulate_contest(seed: int, shape: ContestShape | None = None) -> Contest:
    """Draw a whole round-1 contest (entries, judges, assignment, marks) from ``seed``."""
    s = shape or ContestShape()
    rng = np.random.default_rng(seed)
    n_e = int(rng.integers(s.entries[0], s.entries[1] + 1))
    load = int(rng.integers(s.sheets_per_judge[0], s.sheets_per_judge[1] + 1))
    n_j = int(np.clip(round(n_e * s.per_entry / load), s.judges[0], s.judges[1]))

    shares = rng.dirichlet(np.full(s.fields, s.field_share_concentration))
    entry_field = np.sort(rng.choice(s.fields, size=n_e, p=shares))
    field_mean = rng.normal(0.0, s.field_quality_sd, s.fields)
    base = field_mean[entry_field] + rng.standard_normal(n_e)
    n_c = len(s.weights)
    facets = base[:, None] + s.facet_sd * rng.standard_normal((n_e, n_c))
    w = np.asarray(s.weights) / np.sum(s.weights)
    quality = facets @ w

    counts = np.bincount(entry_field, minlength=s.fields)
    judge_field = _judges_by_field(counts, n_j)
    leniency = rng.normal(0.0, s.leniency_sd, n_j)
    scale = np.exp(rng.normal(0.0, s.scale_log_sd, n_j))
    noise = s.noise_median * np.exp(rng.normal(0.0, s.noise_log_sd, n_j))
    noise = np.where(rng.random(n_j) < s.erratic_share, noise * s.erratic_factor, noise)

    contest = Contest(
        shape=s, instance={}, entry_ids=[f"e{i:04d}" for i in range(n_e)],
        judge_ids=[f"j{i:03d}" for i in range(n_j)], quality=quality, facets=facets,
        entry_field=entry_field, judge_field=judge_field, leniency=leniency, scale=scale,
        noise=noise, rng=rng,
    )
    entries, judges = _assign(contest, rng)
    contest.instance = {
        "criteria": [
            {"id": f"c{c + 1}", "weight": s.weights[c], "min": s.low, "max": s.high} for c in range(n_c)
        ],
        "scores": contest.marks(entries, judges, 1),
    }
    return contest


def _judges_by_field(entry_counts: np.ndarray, n_judges: int) -> np.ndarray:
    """Share judges among fields in proportion to entries (largest remainder), at least one each."""
    ideal = entry_counts / entry_counts.sum() * n_judges
    seats = np.maximum(np.floor(ideal).astype(int), 1)
    while seats.sum() < n_judges:
        seats[int(np.argmax(ideal - seats))] += 1
    while seats.sum() > n_judges:
        seats[int(np.argmax(seats))] -= 1
    return np.repeat(np.arange(len(entry_counts)), seats)


def _assign(contest: Contest, rng) -> tuple[np.ndarray, np.ndarray]:
    """k judges per entry, mostly from the entry's field, least-loaded first (random tie-break)."""
    s = contest.shape
    n_e, n_j = len(contest.entry_ids), len(contest.judge_ids)
    load = np.zeros(n_j)
    entries, judges = [], []
    for e in rng.permutation(n_e):
        chosen: list[int] = []
        for _ in range(min(s.per_entry, n_j)):
            same = contest.judge_field == contest.entry_field[e]
            pool = same if rng.random() < s.in_field_share else ~same
            pool = pool.copy()
            pool[chosen] = False
            if not pool.any():
                pool = np.ones(n_j, dtype=bool)
                pool[chosen] = False
            candidates = np.flatnonzero(pool)
            jitter = rng.random(len(candidates)) * 0.5
            j = int(candidates[np.argmin(load[candidates] + jitter)])
            chosen.append(j)
            load[j] += 1
            entries.append(e)
            judges.append(j)
    return np.asarray(entries), np.asarray(judges)


def final_round_marks(contest: Contest, finalists: list[str], panel: list[str]) -> list[dict]:
    """Round-2 marks: every judge of the panel scores every finalist."""
    index_e = {e: i for i, e in enumerate(contest.entry_ids)}
    index_j = {j: i for i, j in enumerate(contest.judge_ids)}
    entries = np.repeat([index_e[e] for e in finalists], len(panel))
    judges = np.tile([index_j[j] for j in panel], len(finalists))
    return contest.marks(entries, judges, 2)


def final_round_perception(contest: Contest, finalists: list[str], panel: list[str]) -> np.ndarray:
    """(panel, finalists) weighted totals each panel judge perceives of each finalist, in rubric points.

    The same judge as in round 1 (leniency, scale, noise with halo, out-of-field factor, the
    rubric's weights), perceiving each finalist once; only the rubric's rounding and clipping
    are gone, because an ordering has no scale to round to or clip at. No judge is made more
    accurate than in round 1.
    """
    index_e = {e: i for i, e in enumerate(contest.entry_ids)}
    w = np.asarray(contest.shape.weights) / np.sum(contest.shape.weights)
    entries = np.asarray([index_e[e] for e in finalists])
    return np.asarray([
        contest.perceived(entries, np.full(len(entries), contest.judge_ids.index(judge))) @ w for judge in panel
    ]).reshape(len(panel), len(finalists))


def ballots_from(perception: np.ndarray, finalists: list[str], panel: list[str]) -> list[dict]:
    """Round-2 ranking ballots: every panel judge orders the finalists by what they perceive, best first."""
    records = []
    for judge, totals in zip(panel, perception):
        for position, k in enumerate(np.argsort(-totals, kind="stable"), start=1):
            records.append({"judge": judge, "entry": finalists[k], "position": position})
    return records


def final_round_ballots(contest: Contest, finalists: list[str], panel: list[str]) -> list[dict]:
    """Round-2 ranking ballots drawn from :func:`final_round_perception`."""
    return ballots_from(final_round_perception(contest, finalists, panel), finalists, panel)


def oracle_final_order(contest: Contest, finalists: list[str], panel: list[str], perception: np.ndarray) -> list[str]:
    """The finalists ordered by an oracle that sees what the ranking ballots cannot.

    The best any aggregation of this final round could do: it knows every judge's true leniency,
    scale and noise, including the out-of-field factor, reads the panel's perceived totals as
    numbers rather than an order, and combines them with every round-1 sheet of the finalist,
    each weighted by its true precision, under the true spread of quality as prior. It ignores
    only round 1's rounding and clipping. Used by bench/simulate.py as the ceiling of the
    finalist round for the given shortlist and panel.
    """
    s = contest.shape
    index_e = {e: i for i, e in enumerate(contest.entry_ids)}
    index_j = {j: i for i, j in enumerate(contest.judge_ids)}
    w = np.asarray(s.weights) / np.sum(s.weights)
    halo = np.sqrt(s.halo + (1 - s.halo) * np.sum(w**2))
    entries = np.asarray([index_e[e] for e in finalists], dtype=int)
    prior_mean, prior_var = float(np.mean(contest.quality)), float(np.var(contest.quality))
    signal = np.full(len(entries), prior_mean / prior_var)
    precision = np.full(len(entries), 1.0 / prior_var)

    def observe(k: np.ndarray, judges: np.ndarray, totals: np.ndarray) -> None:
        unit = contest.scale[judges] * s.points_per_sd
        own = contest.entry_field[entries[k]] == contest.judge_field[judges]
        sd = contest.noise[judges] * np.where(own, 1.0, s.out_of_field_noise) * halo / unit
        np.add.at(signal, k, (totals - s.midpoint - contest.leniency[judges]) / unit / sd**2)
        np.add.at(precision, k, 1.0 / sd**2)

    where = {e: k for k, e in enumerate(finalists)}
    sheets: dict[tuple[int, int], float] = {}
    weight = {f"c{c + 1}": w[c] for c in range(len(w))}
    for mark in contest.instance["scores"]:
        if mark["entry"] in where and mark.get("round", 1) == 1:
            key = (where[mark["entry"]], index_j[mark["judge"]])
            sheets[key] = sheets.get(key, 0.0) + weight[mark["criterion"]] * mark["value"]
    if sheets:
        keys = np.asarray(list(sheets))
        observe(keys[:, 0], keys[:, 1], np.asarray(list(sheets.values())))
    panel_j = np.asarray([index_j[j] for j in panel], dtype=int)
    k, row = np.meshgrid(np.arange(len(entries)), np.arange(len(panel_j)))
    observe(k.ravel(), panel_j[row.ravel()], perception.ravel())
    posterior = signal / precision
    return [finalists[k] for k in np.argsort(-posterior, kind="stable")]


# --- how good is a ranking ----------------------------------------------------------------------

def top_recall(truth: np.ndarray, ranked: list[int], k: int = 10) -> float:
    """Share of the true top-k found in the predicted top-k (``ranked`` = entry indices, best first)."""
    true_top = set(np.argsort(-truth, kind="stable")[:k].tolist())
    return len(true_top & set(ranked[:k])) / k


def kendall_tau(truth: np.ndarray, score: np.ndarray) -> float:
    return float(stats.kendalltau(truth, score).statistic)


def winner_hit(truth: np.ndarray, ranked: list[int]) -> float:
    return float(int(np.argmax(truth)) == ranked[0])
