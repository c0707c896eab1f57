"""The pages people read most, on a seeded season, in a real browser: saved as screenshots
(test-results/screenshots/, kept as the run's artifacts) and checked for what a reader would
notice first: a code, an interval or a sum broken over two lines, a field too narrow for its
value, a page wider than the phone it is on."""
from __future__ import annotations

from pathlib import Path

import pytest

from contest.extensions import db
from contest.models import Entry, ResultSnapshot
from contest.services.demo import DEMO_PASSWORD
from contest.services.results import key_id
from tests.e2e.conftest import PHONE, replace_with_demo_season

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
LAPTOP = {"width": 1440, "height": 900}

# Elements whose text must stay on one line: entry codes, numbers, intervals and sums.
ONE_LINE = ".code, td.num"

# How many of the matching elements' text runs over more than one line.
WRAPPED = """selector => Array.from(document.querySelectorAll(selector)).filter(element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
  return lines.size > 1;
}).map(element => element.textContent.trim())"""


@pytest.fixture
def first_place() -> dict:
    """Filled in by the seed: the first-placed entry of the judged contest and its lead author's email."""
    return {}


@pytest.fixture
def live_server_setup(first_place):
    """The small demo season (replace_with_demo_season), and its first place."""

    def seed(season):
        judged = replace_with_demo_season(season).contests[0]
        row = min(ResultSnapshot.latest(judged.id).result["ranking"], key=lambda row: row["rank"])
        entry = db.session.get(Entry, key_id(row["entry"]))
        first_place.update(entry=entry.id, email=entry.lead_author.email)

    return seed


@pytest.fixture
def browse(browse):
    """Signed in as a demo account."""
    return lambda email, viewport: browse(email, viewport, DEMO_PASSWORD)


def save(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def page_overflow(page) -> int:
    """How many pixels the page is wider than its window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def wrapped(page, selector: str = ONE_LINE) -> list[str]:
    return page.evaluate(WRAPPED, selector)


def test_the_organizers_pages_at_laptop_width(browse):
    page = browse("organizer@demo.uz", LAPTOP)

    page.get_by_role("navigation").get_by_role("link", name="Entries").click()
    page.get_by_text("entries found").wait_for()
    save(page, "organizer-entries-1440")
    codes = page.locator("tbody td.code")
    assert codes.count() == 45 and codes.first.inner_text().startswith("E-")
    assert wrapped(page) == [] and page_overflow(page) == 0

    page.get_by_role("navigation").get_by_role("link", name="Season").click()
    page.get_by_role("link", name="Results", exact=True).first.click()
    page.get_by_role("heading", name="Results · The Best Idea").wait_for()
    save(page, "organizer-results-1440")
    intervals = page.locator("tbody td.num", has_text="–")
    assert intervals.count() > 0 and wrapped(page) == [] and page_overflow(page) == 0

    page.get_by_role("navigation").get_by_role("link", name="Prizes").click()
    page.get_by_role("heading", name="Current allocation").wait_for()
    save(page, "organizer-budget-1440")
    assert page.locator("td.num", has_text="UZS").count() > 0 and wrapped(page) == [] and page_overflow(page) == 0

    page.get_by_role("link", name="Prize catalogue").click()
    page.get_by_role("heading", name="Internship countries").wait_for()
    save(page, "organizer-catalogue-1440")
    cut_off = page.evaluate("""Array.from(document.querySelectorAll('main input:not([type=hidden])'))
        .filter(input => input.scrollWidth > input.clientWidth).map(input => input.name + '=' + input.value)""")
    assert cut_off == []
    removes = page.get_by_role("button", name="Remove")
    assert removes.count() == 8
    tops = {round(removes.nth(i).bounding_box()["y"]) for i in range(removes.count())}
    assert len(tops) == 8  # one country a row, not a run-on line of links
    assert wrapped(page) == [] and page_overflow(page) == 0


def test_a_wide_table_scrolls_inside_its_frame_on_a_phone(browse, live_server):
    page = browse("organizer@demo.uz", PHONE)
    page.goto(live_server + "/organizer/entries")
    page.get_by_text("entries found").wait_for()
    frame = page.locator(".table-wrap").first
    assert frame.evaluate("element => element.scrollWidth > element.clientWidth")  # the table scrolls...
    assert page_overflow(page) == 0 and wrapped(page) == []  # ...the page does not, and no code breaks
    for link in ("Season", "Prizes"):
        page.get_by_role("navigation").get_by_role("link", name=link).click()
        page.wait_for_load_state()
        assert page_overflow(page) == 0 and wrapped(page) == [], link
    page.get_by_role("link", name="Prize catalogue").click()
    page.wait_for_load_state()
    assert page_overflow(page) == 0 and wrapped(page) == []
    page.get_by_role("navigation").get_by_role("link", name="Season").click()
    page.get_by_role("link", name="Results", exact=True).first.click()
    page.wait_for_load_state()
    assert page_overflow(page) == 0 and wrapped(page) == []


def test_the_judges_queue_on_a_phone(browse):
    page = browse("judge01@demo.uz", PHONE)
    page.get_by_role("heading", name="My queue").wait_for()
    save(page, "judge-queue-360")
    states = page.locator(".queue-row .status").all_inner_texts()
    order = ["Not started", "Draft", "Submitted", "Submitted, revision in draft"]
    assert states and states == sorted(states, key=order.index)
    assert page_overflow(page) == 0 and wrapped(page) == []
    page.locator(".queue-title").first.click()  # the unscored entry, its rubric to fill in
    page.get_by_role("button", name="Submit scores").wait_for()
    save(page, "judge-entry-360")
    assert page_overflow(page) == 0 and wrapped(page) == []


def test_the_first_place_reads_what_they_won_on_a_phone(browse, live_server, first_place):
    page = browse(first_place["email"], PHONE)
    page.goto(f"{live_server}/entries/{first_place['entry']}")
    page.get_by_text("Your prize: Electric car: first place, The Best Idea").wait_for()
    save(page, "winner-entry-360")
    internship = page.locator(".internship").inner_text()
    # The demo season's allocation is committed: the first place reads the country they were given.
    assert "Your internship abroad" in internship and "Country: " in internship and "awarded" in internship
    judges = page.locator(".judge-comment h4").all_inner_texts()
    assert judges == [f"Judge {letter}" for letter in "ABC"[:len(judges)]] and judges
    assert page_overflow(page) == 0
