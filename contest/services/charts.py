"""Charts as data: rows in, labelled series out, in the reader's language.

One :class:`Chart` feeds both the canvas (static/charts.js draws its JSON with Chart.js) and the
table beside it (templates/charts.html), so the picture and its text alternative cannot disagree.
The builders are pure; the few loaders below them read the rows a page needs once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from contest.engines.final_forecast import Forecast
from contest.extensions import db
from contest.i18n import collation_key
from contest.models import REGIONS, Assignment, Contest, ContestKind, Entry, Mark, Season, User
from contest.services.judging import SHEET_STATE_LABELS, sheet_state

SHEET_STATES = ("submitted", "draft", "not_started")  # the order the bars stack in
# A submitted sheet whose judge has a revision open still counts as submitted (its marks rank).
CHARTED_STATE = {"revising": "submitted"}


@dataclass(frozen=True)
class Series:
    """One set of bars (a value per category) or of points (dicts with x, y and label).

    ``tone`` names the colour role charts.js gives it (submitted, draft, empty, outlier...).
    """

    label: str
    values: list
    tone: str = "primary"


@dataclass(frozen=True)
class Chart:
    """What one figure shows: charts.js reads it as JSON, the template as a table."""

    kind: str                   # "bar" or "scatter"
    title: str
    x_title: str                # axis titles carry the unit, e.g. "Score (points of 100)"
    y_title: str
    series: list[Series]
    categories: list[str] = field(default_factory=list)   # bar charts: the label of each bar
    keys: list[str] = field(default_factory=list)         # the code behind each category, for links
    stacked: bool = False
    horizontal: bool = False
    money: bool = False         # values are soums
    reference: dict | None = None   # scatter: the average judge's lines, {"x": 0, "y": 1}
    point_title: str = ""           # scatter: what each point is, the first column of the table
    value_max: int | None = None    # where the value axis ends, when a whole is known (the budget)

    @property
    def empty(self) -> bool:
        """Nothing to draw (no point, or every bar zero): the page says so in words instead."""
        if self.kind == "scatter":
            return not any(s.values for s in self.series)
        return not any(value for s in self.series for value in s.values)

    def as_json(self) -> dict:
        return asdict(self)

    def table_head(self) -> list[str]:
        """The column titles of the text alternative."""
        if self.kind == "scatter":
            return [self.point_title, self.x_title, self.y_title, _("Group")]
        return [self.y_title if self.horizontal else self.x_title] + [s.label for s in self.series]

    def table_rows(self) -> list[list]:
        """The same numbers as the picture, a row per bar (per point for a scatter)."""
        if self.kind == "scatter":
            return [[p["label"], p["x"], p["y"], s.label] for s in self.series for p in s.values]
        return [[category] + [s.values[i] for s in self.series] for i, category in enumerate(self.categories)]


# -- builders: pure -------------------------------------------------------------------------------

def entry_counts(title: str, axis: str, rows: Iterable[tuple[str, str, int]], *, horizontal: bool = False,
                 largest_first: bool = False) -> Chart:
    """(key, label, count) rows -> one bar each, in the order given or the largest first (ties in the
    reader's alphabetical order of their labels)."""
    ordered = sorted(rows, key=lambda row: (-row[2], collation_key(row[1]))) if largest_first else list(rows)
    return Chart("bar", title, x_title=_("Submitted entries (count)") if horizontal else axis,
                 y_title=axis if horizontal else _("Submitted entries (count)"),
                 categories=[label for _key, label, _n in ordered], keys=[key for key, _label, _n in ordered],
                 series=[Series(_("Submitted entries"), [n for _key, _label, n in ordered])], horizontal=horizontal)


def entries_by_contest(counts: Iterable[tuple[ContestKind, int]]) -> Chart:
    """All three contests in their usual order, a contest without entries as a zero bar."""
    found = dict(counts)
    return entry_counts(_("Submitted entries by contest"), _("Contest"),
                        [(kind.value, str(kind.label), found.get(kind, 0)) for kind in ContestKind])


def entries_by_region(counts: Iterable[tuple[str | None, int]]) -> Chart:
    """Per region of the lead author; an unknown code is shown as it is stored, a missing one as a dash."""
    return entry_counts(_("Submitted entries by region of the lead author"), _("Region"),
                        [(code or "", str(REGIONS[code]) if code in REGIONS else code or "–", n)
                         for code, n in counts], horizontal=True, largest_first=True)


def judging_progress(title: str, axis: str, sheets: Iterable[tuple[str, str, str]],
                     everyone: Iterable[tuple[str, str]] = ()) -> Chart:
    """(key, label, state) for each score sheet -> a bar per key, stacked submitted / draft / not started.

    ``everyone`` (key, label) are bars shown even without a sheet, first and in that order; other
    keys follow as they come.
    """
    labels = dict(everyone)
    counts = {key: dict.fromkeys(SHEET_STATES, 0) for key in labels}
    for key, label, state in sheets:
        labels.setdefault(key, label)
        counts.setdefault(key, dict.fromkeys(SHEET_STATES, 0))[CHARTED_STATE.get(state, state)] += 1
    return Chart("bar", title, x_title=_("Score sheets (count)"), y_title=axis,
                 categories=[labels[key] for key in counts], keys=list(counts),
                 series=[Series(str(SHEET_STATE_LABELS[state]), [c[state] for c in counts.values()],
                                tone=state) for state in SHEET_STATES],
                 stacked=True, horizontal=True)


def score_distribution(scores: Sequence[float], bins: int = 10, low: float = 0.0, high: float = 100.0) -> Chart:
    """How many entries scored in each equal band of [low, high]; the top band includes ``high``."""
    counts = [0] * bins
    width = (high - low) / bins
    for score in scores:
        counts[min(bins - 1, max(0, int((score - low) / width)))] += 1
    bands = [f"{low + i * width:g}–{low + (i + 1) * width:g}" for i in range(bins)]
    return Chart("bar", _("Score distribution"), x_title=_("Score (points of 100)"), y_title=_("Entries (count)"),
                 categories=bands, series=[Series(_("Entries"), counts)])


def judge_calibration(judges: Iterable[Mapping], names: Mapping[str, str]) -> Chart:
    """The engine's judge rows as (leniency, scale) points around the average judge (0, 1).

    Judges without sheets have no estimate and no point; ``names`` maps engine keys to names.
    """
    usual, outliers = [], []
    for row in judges:
        if row["leniency"] is None:
            continue
        point = {"label": names.get(row["judge"], row["judge"]), "x": round(row["leniency"], 2),
                 "y": round(row["scale"], 2)}
        (outliers if row["outlier"] else usual).append(point)
    return Chart("scatter", _("Judges: leniency against scale"),
                 x_title=_("Leniency (points of 100 above the average judge)"),
                 y_title=_("Scale (× the average judge's spread)"),
                 series=[Series(_("Within the usual range"), usual), Series(_("Outlier"), outliers, tone="outlier")],
                 reference={"x": 0, "y": 1}, point_title=_("Judge"))


def budget_use(budget: int, prizes: Iterable[Mapping], awards: Iterable[Mapping]) -> Chart:
    """The season's budget split into fixed prizes, internships and what remains (or the overspend)."""
    fixed = sum(p["cost"] for p in prizes)
    internships = sum(a["cost"] for a in awards)
    left = budget - fixed - internships
    parts = [Series(_("Fixed prizes"), [fixed], tone="prize"),
             Series(_("Internships"), [internships], tone="internship"),
             Series(_("Remaining"), [max(left, 0)], tone="empty")]
    if left < 0:
        parts.append(Series(_("Over the budget"), [-left], tone="outlier"))
    return Chart("bar", _("Budget use"), x_title=_("Amount (UZS)"), y_title=_("Budget"),
                 categories=[_("Season budget")], series=parts, stacked=True, horizontal=True, money=True,
                 value_max=max(budget, fixed + internships))


def effort_label(extra_load: float, own: bool = False) -> str:
    """An effort as the forecast names it: "15 %", and the organizer's own figure marked as theirs."""
    figure = f"{round(extra_load * 100, 1):g} %"
    return _("%(effort)s (yours)", effort=figure) if own else figure


def final_round_forecast(forecast: Forecast) -> Chart:
    """Forecast top-10 recall at each effort of the finalist round, beside round 1 alone (in %).

    An effort that buys no round has no bar (None: null to Chart.js, a dash in the table).
    """
    def percent(recall: float | None) -> float | None:
        return round(recall * 100, 1) if recall is not None else None

    return Chart("bar", _("Forecast top-10 recall by extra judging"), x_title=_("Extra judging (share of round 1)"),
                 y_title=_("Expected top-10 recall (%)"),
                 categories=[effort_label(e.extra_load, e.own) for e in forecast.efforts],
                 series=[Series(_("With the finalist round"), [percent(e.expected_recall) for e in forecast.efforts]),
                         Series(_("Round 1 alone"), [percent(forecast.one_round_recall)] * len(forecast.efforts),
                                tone="not_started")],
                 value_max=100)


# -- loaders: the rows a page needs, read once -----------------------------------------------------

def _round_one_sheets(*conditions) -> list[Assignment]:
    return db.session.scalars(
        db.select(Assignment).join(Entry, Assignment.entry_id == Entry.id).join(User, Assignment.judge_id == User.id)
        .where(Assignment.round == 1, *conditions)
        .options(selectinload(Assignment.marks).load_only(Mark.id), selectinload(Assignment.revisions),
                 selectinload(Assignment.judge),
                 selectinload(Assignment.entry).load_only(Entry.contest_id))
        .order_by(Entry.contest_id, User.full_name, User.id)).all()


def progress_by_contest(season: Season) -> Chart:
    """Round-one score sheets of each contest of the season, by state; every contest has its bar."""
    contests = [(str(c.id), str(c.title)) for c in season.contests]
    sheets = _round_one_sheets(Entry.contest_id.in_([c.id for c in season.contests]))
    return judging_progress(_("Judging progress by contest"), _("Contest"),
                            [(str(s.entry.contest_id), "", sheet_state(s)) for s in sheets], everyone=contests)


def progress_by_judge(contest: Contest, panel: Iterable[User]) -> Chart:
    """Round-one score sheets of each judge of the contest, by state: the panel first, then anyone
    who left it with sheets behind."""
    sheets = _round_one_sheets(Entry.contest_id == contest.id)
    return judging_progress(_("Judging progress by judge"), _("Judge"),
                            [(str(s.judge_id), s.judge.full_name, sheet_state(s)) for s in sheets],
                            everyone=[(str(judge.id), judge.full_name) for judge in panel])
