"""Charts: the series the pages draw are the right numbers, in the reader's language."""
from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from babel.support import Translations
from sqlalchemy import event

from contest import PROJECT_ROOT
from contest.extensions import db
from contest.money import soums as format_soums
from contest.models import (
    FINAL_ROUND, Assignment, ContestJudge, Entry, EntryAuthor, EntryStatus, InternshipCountry, Mark, Role,
    SheetRevision, SheetStatus, User, utcnow,
)
from contest.services import charts, season_export
from contest.services import prizes as prize_service
from tests.test_prizes import _japan_season, season_with_winners  # noqa: F401  (a fixture)

RU = Translations.load(str(PROJECT_ROOT / "contest" / "translations"), ["ru"])


class _Figure(HTMLParser):
    """The chart JSON and the rows of the numbers table of one <figure id=...> of a page."""

    def __init__(self, figure_id: str):
        super().__init__()
        self.figure_id, self.depth, self.spec, self.rows, self.canvas = figure_id, 0, None, [], False
        self._json = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and attrs.get("id") == self.figure_id:
            self.depth = 1
        elif self.depth and tag == "figure":
            self.depth += 1
        if not self.depth:
            return
        if tag == "canvas":
            self.canvas = True
        elif tag == "script" and attrs.get("type") == "application/json":
            self._json = ""
        elif tag == "tr" and self._json is None:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "figure":
            self.depth -= 1
        elif tag == "script" and self._json is not None:
            self.spec, self._json = json.loads(self._json), None
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._json is not None:
            self._json += data
        elif self._cell is not None:
            self._cell += data


def figure(html: str, figure_id: str) -> _Figure:
    parsed = _Figure(figure_id)
    parsed.feed(html)
    assert parsed.rows, f"no figure {figure_id} with a numbers table"
    return parsed


def values(chart: dict) -> dict[str, list]:
    return {s["label"]: s["values"] for s in chart["series"]}


# -- the pure builders ----------------------------------------------------------------------------

def test_score_distribution_counts_each_band_and_keeps_the_top_score_in_the_last(app):
    chart = charts.score_distribution([0, 9.99, 10, 55.5, 99.9, 100, 100])
    assert chart.categories[0] == "0–10" and chart.categories[-1] == "90–100"
    assert chart.series[0].values == [2, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert sum(row[1] for row in chart.table_rows()) == 7


def test_judge_calibration_leaves_out_judges_without_sheets_and_sets_outliers_apart(app):
    rows = [{"judge": "j1", "leniency": 2.345, "scale": 1.1, "outlier": False},
            {"judge": "j2", "leniency": -7.0, "scale": 0.4, "outlier": True},
            {"judge": "j3", "leniency": None, "scale": None, "outlier": False}]
    chart = charts.judge_calibration(rows, {"j1": "Aziza", "j2": "Bekzod"})
    usual, outliers = chart.series
    assert usual.values == [{"label": "Aziza", "x": 2.35, "y": 1.1}]
    assert outliers.values == [{"label": "Bekzod", "x": -7.0, "y": 0.4}] and outliers.tone == "outlier"
    assert chart.table_head()[0] == "Judge"
    assert chart.table_rows() == [["Aziza", 2.35, 1.1, "Within the usual range"], ["Bekzod", -7.0, 0.4, "Outlier"]]
    assert charts.judge_calibration(rows[2:], {}).empty


def test_judging_progress_stacks_each_state_per_bar_everyone_first(app):
    sheets = [("b", "Bobur", "draft"), ("a", "Aziza", "submitted"), ("b", "Bobur", "submitted"),
              ("b", "Bobur", "not_started"), ("b", "Bobur", "draft"), ("x", "Gone", "submitted")]
    chart = charts.judging_progress("t", "who", sheets, everyone=[("c", "Charos"), ("b", "Bobur"), ("a", "Aziza")])
    assert chart.categories == ["Charos", "Bobur", "Aziza", "Gone"] and chart.keys == ["c", "b", "a", "x"]
    assert [(s.tone, s.values) for s in chart.series] == [("submitted", [0, 1, 1, 1]), ("draft", [0, 2, 0, 0]),
                                                          ("not_started", [0, 1, 0, 0])]
    assert chart.stacked and not chart.empty
    assert charts.judging_progress("t", "who", [], everyone=[("c", "Charos")]).empty


def test_entry_counts_keep_their_order_or_put_the_largest_first(app):
    rows = [("b", "Beta", 2), ("c", "Gamma", 5), ("a", "Alpha", 2)]
    assert charts.entry_counts("t", "axis", rows).categories == ["Beta", "Gamma", "Alpha"]
    chart = charts.entry_counts("t", "axis", rows, largest_first=True)
    assert (chart.categories, chart.keys, chart.series[0].values) == (["Gamma", "Alpha", "Beta"], ["c", "a", "b"],
                                                                     [5, 2, 2])


def test_budget_use_parts_sum_to_the_budget_or_show_the_overspend(app):
    prizes, awards = [{"cost": 450}, {"cost": 300}], [{"cost": 100}, {"cost": 50}]
    chart = charts.budget_use(1000, prizes, awards)
    assert [s.values[0] for s in chart.series] == [750, 150, 100]
    over = charts.budget_use(800, prizes, awards)
    assert [(s.tone, s.values[0]) for s in over.series] == [("prize", 750), ("internship", 150), ("empty", 0),
                                                            ("outlier", 100)]
    assert chart.money and (chart.value_max, over.value_max) == (1000, 900)


# -- against seeded rows, through the pages --------------------------------------------------------

@pytest.fixture
def season_in_regions(make_season, make_user):
    """Idea: 3 submitted from Samarkand, 1 from Khorezm (a draft and a withdrawn one do not count);
    Project: 2 from Khorezm; Invention: none."""
    season = make_season()
    idea, project, _invention = season.contests
    made = {}
    for key, contest, region, status in [
            ("i1", idea, "samarkand", EntryStatus.SUBMITTED), ("i2", idea, "samarkand", EntryStatus.SUBMITTED),
            ("i3", idea, "samarkand", EntryStatus.SUBMITTED), ("i4", idea, "khorezm", EntryStatus.SUBMITTED),
            ("i5", idea, "khorezm", EntryStatus.DRAFT), ("i6", idea, "samarkand", EntryStatus.WITHDRAWN),
            ("p1", project, "khorezm", EntryStatus.SUBMITTED), ("p2", project, "khorezm", EntryStatus.SUBMITTED)]:
        lead = make_user(region=region)
        entry = Entry(contest=contest, lead_author=lead, field=contest.fields[0], status=status)
        entry.set_title(f"Entry {key}")
        entry.authors.append(EntryAuthor.from_user(lead, 0))
        db.session.add(entry)
        made[key] = entry
    db.session.commit()
    return season, made


@pytest.fixture
def sheets(season_in_regions, make_user):
    """Idea: Aziza submitted i1, has a draft mark on i2, has not started i3; Bobur submitted i1, has not
    started i4, and holds a final-round ballot (not a score sheet); Charos, on the panel, has no sheet yet.
    Project: Dilnoza commented on p1."""
    season, made = season_in_regions
    idea, project, _invention = season.contests
    aziza, bobur, charos, dilnoza = (make_user(Role.JUDGE, full_name=name)
                                     for name in ("Aziza", "Bobur", "Charos", "Dilnoza"))
    criterion = idea.criteria[0]

    def sheet(judge, key, status=SheetStatus.DRAFT, marked=False, **extra):
        assignment = Assignment(judge=judge, entry=made[key], status=status, **extra)
        if marked:
            assignment.marks.append(Mark(criterion=criterion, value=Decimal(7)))
        db.session.add(assignment)

    sheet(aziza, "i1", SheetStatus.SUBMITTED, marked=True, submitted_at=utcnow())
    sheet(aziza, "i2", marked=True)
    sheet(aziza, "i3")
    sheet(bobur, "i1", SheetStatus.SUBMITTED, marked=True, submitted_at=utcnow())
    sheet(bobur, "i4")
    sheet(bobur, "i2", round=FINAL_ROUND)
    sheet(dilnoza, "p1", overall_comment="Yaxshi.")
    db.session.add_all([ContestJudge(contest=idea, judge=judge) for judge in (aziza, bobur, charos)]
                       + [ContestJudge(contest=project, judge=dilnoza)])
    db.session.commit()
    return season


def test_overview_charts_count_submitted_entries_per_contest_and_region(client, organizer, season_in_regions):
    html = client.get("/organizer/").get_data(as_text=True)
    by_contest = figure(html, "entries-by-contest")
    assert by_contest.canvas
    assert dict(zip(by_contest.spec["categories"], by_contest.spec["series"][0]["values"])) == {
        "The Best Idea": 4, "The Best Project": 2, "The Best Invention": 0}
    by_region = figure(html, "entries-by-region")
    assert by_region.spec["keys"] == ["khorezm", "samarkand"]  # 3 each: by name
    assert by_region.rows[1:] == [["Khorezm region", "3"], ["Samarkand region", "3"]]
    assert 'href="/organizer/entries?region=samarkand&amp;status=submitted"' in html


def test_overview_charts_speak_the_readers_language(client, organizer, sheets):
    client.post("/auth/language/ru")
    html = client.get("/organizer/").get_data(as_text=True)
    by_region = figure(html, "entries-by-region")
    assert [row[0] for row in by_region.rows[1:]] == sorted([RU.gettext("Khorezm region"),
                                                             RU.gettext("Samarkand region")])
    assert by_region.spec["title"] == RU.gettext("Submitted entries by region of the lead author")
    assert RU.gettext("The Best Idea") in figure(html, "entries-by-contest").spec["categories"]
    progress = figure(html, "judging-progress")
    assert [s["label"] for s in progress.spec["series"]] == [RU.gettext(s) for s in ("Submitted", "Draft",
                                                                                   "Not started")]


def test_judging_progress_per_contest_and_per_judge_counts_round_one_sheets(client, organizer, sheets):
    html = client.get("/organizer/").get_data(as_text=True)
    progress = figure(html, "judging-progress")
    assert progress.spec["categories"] == ["The Best Idea", "The Best Project", "The Best Invention"]
    assert values(progress.spec) == {"Submitted": [2, 0, 0], "Draft": [1, 1, 0], "Not started": [2, 0, 0]}
    assert progress.rows == [["Contest", "Submitted", "Draft", "Not started"], ["The Best Idea", "2", "1", "2"],
                             ["The Best Project", "0", "1", "0"], ["The Best Invention", "0", "0", "0"]]
    idea = sheets.contests[0]
    assert f'href="/organizer/contests/{idea.id}/panel"' in html
    page = client.get(f"/organizer/contests/{idea.id}/panel").get_data(as_text=True)
    panel = figure(page, "judging-progress")
    assert panel.spec["categories"] == ["Aziza", "Bobur", "Charos"]
    assert values(panel.spec) == {"Submitted": [1, 1, 0], "Draft": [1, 0, 0], "Not started": [1, 1, 0]}
    charos = db.session.scalar(db.select(User).where(User.full_name == "Charos"))
    assert f'<a href="/organizer/judges/{charos.id}">Charos</a>' in page


def test_judging_progress_reads_its_rows_in_a_fixed_number_of_queries(app, sheets):
    """Per contest and per judge, however many sheets: no query per sheet, mark or judge."""
    idea = sheets.contests[0]
    panel = [m.judge_id for m in db.session.scalars(db.select(ContestJudge).where(ContestJudge.contest_id == idea.id))]

    def queries() -> tuple[int, int]:
        db.session.expire_all()
        season, contest = db.session.get(type(sheets), sheets.id), db.session.get(type(idea), idea.id)
        judges = [db.session.get(User, judge_id) for judge_id in panel]
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (the statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            charts.progress_by_contest(season)
            by_contest = len(seen)
            charts.progress_by_judge(contest, judges)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return by_contest, len(seen) - by_contest

    before = queries()
    more = Entry(contest=idea, lead_author=db.session.get(User, panel[0]), field=idea.fields[0],
                 status=EntryStatus.SUBMITTED)
    more.set_title("One more")
    db.session.add(more)
    for judge_id in panel:  # submitted sheets, one with a revision open: each reads its revisions
        sheet = Assignment(judge_id=judge_id, entry=more, status=SheetStatus.SUBMITTED, submitted_at=utcnow(),
                           marks=[Mark(criterion=idea.criteria[0], value=Decimal(5))])
        db.session.add(sheet)
    sheet.revisions.append(SheetRevision(number=1))
    db.session.commit()
    assert queries() == before and max(before) <= 7  # sheets, marks, revisions, judges, entries


def test_a_sheet_being_revised_still_counts_as_submitted(client, organizer, sheets):
    """Its submitted marks still rank while the judge drafts a revision beside them."""
    idea = sheets.contests[0]
    sheet = db.session.scalars(db.select(Assignment).join(Entry).where(
        Entry.contest_id == idea.id, Assignment.status == SheetStatus.SUBMITTED)).first()
    before = values(figure(client.get("/organizer/").get_data(as_text=True), "judging-progress").spec)
    sheet.revisions.append(SheetRevision(number=1))
    db.session.commit()
    for page in ("/organizer/", f"/organizer/contests/{idea.id}/panel"):
        assert client.get(page).status_code == 200
    after = values(figure(client.get("/organizer/").get_data(as_text=True), "judging-progress").spec)
    assert after == before


def test_a_chart_with_nothing_to_draw_says_so(client, organizer, season_in_regions):
    html = client.get("/organizer/").get_data(as_text=True)
    start = html.index('id="judging-progress"')
    assert "Nothing to show yet." in html[start:html.index("</figure>", start)]
    assert "<canvas" not in html[start:html.index("</figure>", start)]


def test_budget_chart_splits_the_budget_into_prizes_internships_and_the_rest(client, login, organizer,
                                                                            season_with_winners):  # noqa: F811
    season, people, _entries = season_with_winners
    _japan_season(season, people)  # Japan to rank 1, Turkey to rank 4, Singapore short
    costs = {c.code: c.cost for c in db.session.scalars(db.select(InternshipCountry))}
    login(organizer)
    html = client.get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    parts = values(figure(html, "budget-use").spec)
    fixed = sum(p.cost for p in prize_service.fixed_prizes(season))
    assert parts == {"Fixed prizes": [fixed], "Internships": [costs["JP"] + costs["TR"]],
                     "Remaining": [season.budget - fixed - costs["JP"] - costs["TR"]]}
    assert sum(v[0] for v in parts.values()) == season.budget
    spent = sum(line["amount"] for line in season_export.budget_lines(prize_service.compute(season)))
    assert parts["Fixed prizes"][0] + parts["Internships"][0] == spent  # the table's total spent
    assert figure(html, "budget-use").rows[1] == ["Season budget"] + [format_soums(v[0]) for v in parts.values()]


def test_results_charts_show_every_ranked_entry_and_every_judge_with_sheets(client, organizer, scored):
    contest, judges, entries = scored
    html = client.get(f"/results/contests/{contest.id}").get_data(as_text=True)
    distribution = figure(html, "score-distribution")
    assert sum(distribution.spec["series"][0]["values"]) == len(entries)
    assert sum(int(row[1]) for row in distribution.rows[1:]) == len(entries)
    calibration = figure(html, "judge-calibration")
    points = [p["label"] for s in calibration.spec["series"] for p in s["values"]]
    assert sorted(points) == sorted(j.full_name for j in judges)
    assert calibration.spec["reference"] == {"x": 0, "y": 1}
