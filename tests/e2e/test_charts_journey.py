"""The organizer looks at the season's charts in a real browser: Chart.js draws every canvas, the
numbers under each chart are the seeded ones, and nothing runs inline. (axe audits these pages in
test_accessibility_journey.)"""
from __future__ import annotations

import os
from collections import Counter

import pytest
from babel.support import Translations

from contest import PROJECT_ROOT
from contest.extensions import db
from contest.money import soums
from contest.models import DEFAULT_BUDGET, Assignment, Category, Entry, EntryAuthor, EntryStatus, Role, User, utcnow
from contest.services.prizes import CAR_COST
from tests.e2e.conftest import person, sign_in
from tests.e2e.test_organizer_journey import contest_with_entries_and_panel

CHART_JS = PROJECT_ROOT / "static" / "vendor" / "chart.umd.min.js"
ARTIFACTS = PROJECT_ROOT / "test-results"
RU = Translations.load(str(PROJECT_ROOT / "contest" / "translations"), ["ru"])
# What the pages would refuse once a strict policy is on: any script not served from the site.
STRICT_SCRIPTS = "script-src 'self'; object-src 'none'; base-uri 'self'"
# Round one of the seed: entry n is scored by judges (n + j) % 4, j = 0, 1, 2.
SHEETS_PER_JUDGE = Counter(f"Judge {(n + j) % 4}" for n in range(6) for j in range(3))


@pytest.fixture(autouse=True)
def _static_deps():
    if not CHART_JS.exists():
        if os.environ.get("CI"):
            pytest.fail("the browser libraries are missing; `make static-deps` installs them")
        pytest.skip("the browser libraries are not installed (make static-deps installs them)")


def six_scored_and_one_waiting(season) -> None:
    """The Best Idea: six Khorezm entries, all scored (organizer journey's seed); The Best Project:
    one Samarkand entry whose sheet Judge 0 has not started."""
    contest_with_entries_and_panel(season, scored=True)
    lead = person("p-sam@example.uz", Role.PARTICIPANT, "Samarkand author", category=Category.STUDENT,
                  organization="SamDU", region="samarkand")
    project = season.contests[1]
    entry = Entry(contest=project, lead_author=lead, field=project.fields[0], status=EntryStatus.SUBMITTED,
                  submitted_at=utcnow())
    entry.set_title("Waiting project")
    entry.authors.append(EntryAuthor.from_user(lead, 0))
    db.session.add(entry)
    db.session.add(Assignment(judge=db.session.scalar(db.select(User).where(User.email == "j0@example.uz")),
                              entry=entry))


@pytest.fixture
def live_server_setup():
    return six_scored_and_one_waiting


@pytest.fixture
def strict_page(page):
    """The page under a strict script policy, with every console error and page error kept."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def with_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_SCRIPTS})

    page.route("**/*", lambda route: with_policy(route) if route.request.resource_type == "document"
               else route.continue_())
    page.errors = errors
    return page


def drawn_charts(page, count: int) -> list[dict]:
    """Wait until Chart.js owns each canvas; each chart's labels, data and painted pixels."""
    page.wait_for_function("n => window.Chart && document.querySelectorAll('figure.chart canvas').length === n && "
                           "[...document.querySelectorAll('figure.chart canvas')].every(c => Chart.getChart(c))",
                           arg=count)
    return page.evaluate("""() => [...document.querySelectorAll('figure.chart')].map(figure => {
        const canvas = figure.querySelector('canvas');
        const chart = Chart.getChart(canvas);
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i]) painted++; }
        const labels = chart.data.labels.map(label => [].concat(label).join(' '));  // wrapped: lines
        return {id: figure.id, labels: labels, painted: painted,
                data: Object.fromEntries(chart.data.datasets.map(d => [d.label, d.data]))};
    })""")


def numbers(page, figure_id: str) -> list[list[str]]:
    """Open the chart's table of numbers, as a reader would, and read its rows."""
    page.locator(f"#{figure_id} summary").click()
    table = page.locator(f"#{figure_id}-numbers")
    assert table.is_visible()
    return [row.split("\t") for row in table.locator("tbody tr").all_inner_texts()]


def test_the_organizer_reads_the_season_in_charts(live_server, strict_page):
    page = strict_page
    sign_in(page, live_server, "org@example.uz")
    page.goto(live_server + "/organizer/")
    charts = {c["id"]: c for c in drawn_charts(page, 3)}
    assert all(c["painted"] > 500 for c in charts.values()), {k: c["painted"] for k, c in charts.items()}
    assert charts["entries-by-contest"]["labels"] == ["The Best Idea", "The Best Project", "The Best Invention"]
    assert charts["entries-by-contest"]["data"] == {"Submitted entries": [6, 1, 0]}
    assert charts["entries-by-region"]["labels"] == ["Khorezm region", "Samarkand region"]
    assert numbers(page, "entries-by-region") == [["Khorezm region", "6"], ["Samarkand region", "1"]]
    assert charts["judging-progress"]["data"] == {"Submitted": [18, 0, 0], "Draft": [0, 0, 0],
                                                  "Not started": [0, 1, 0]}
    assert numbers(page, "judging-progress") == [["The Best Idea", "18", "0", "0"],
                                                 ["The Best Project", "0", "0", "1"],
                                                 ["The Best Invention", "0", "0", "0"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "organizer-overview-charts-1440.png"), full_page=True)

    page.get_by_role("link", name="Window, fields, rubric").first.click()
    page.get_by_role("link", name="Judges panel and scoring window").click()
    panel = drawn_charts(page, 1)[0]
    assert dict(zip(panel["labels"], panel["data"]["Submitted"])) == SHEETS_PER_JUDGE
    assert panel["data"]["Not started"] == [0, 0, 0, 0]  # Judge 0's waiting sheet is in the other contest

    page.goto(live_server + "/organizer/")
    page.get_by_role("link", name="Results", exact=True).first.click()
    distribution, calibration, forecast = drawn_charts(page, 3)  # the finalist round's forecast too
    assert forecast["id"] == "forecast-chart"
    assert sum(distribution["data"]["Entries"]) == 6 and distribution["painted"] > 500
    assert sum(len(points) for points in calibration["data"].values()) == 4 and calibration["painted"] > 500
    assert sum(int(row[1]) for row in numbers(page, "score-distribution")) == 6
    page.screenshot(path=str(ARTIFACTS / "results-charts-1440.png"), full_page=True)

    page.get_by_role("link", name="Prizes").click()  # no ranking is published: nobody is funded yet
    budget = drawn_charts(page, 1)[0]
    assert budget["data"] == {"Fixed prizes": [3 * CAR_COST], "Internships": [0],
                              "Remaining": [DEFAULT_BUDGET - 3 * CAR_COST]}
    assert numbers(page, "budget-use") == [["Season budget", soums(3 * CAR_COST), soums(0),
                                            soums(DEFAULT_BUDGET - 3 * CAR_COST)]]
    page.screenshot(path=str(ARTIFACTS / "budget-chart-1440.png"), full_page=True)

    page.get_by_role("button", name="Русский").click()
    page.goto(live_server + "/organizer/")
    in_russian = {c["id"]: c for c in drawn_charts(page, 3)}
    assert in_russian["entries-by-region"]["labels"] == [RU.gettext("Khorezm region"),
                                                         RU.gettext("Samarkand region")]
    assert list(in_russian["judging-progress"]["data"]) == [RU.gettext(s) for s in ("Submitted", "Draft",
                                                                                     "Not started")]
    assert page.errors == []
