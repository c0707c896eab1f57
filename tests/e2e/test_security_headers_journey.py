"""The real Content-Security-Policy, as the server sends it, breaks nothing: the pages people use most
(the login page, the organizer's overview and results with their charts, a judge's score sheet)
draw and run with no violation reported by Chromium."""
from __future__ import annotations

import pytest

from contest.security import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import PASSWORD, sign_in
from tests.e2e.test_charts_journey import CHART_JS, six_scored_and_one_waiting
from tests.e2e.test_judge_journey import judge_with_one_entry

JUDGE_EMAIL = "judge.policy@example.uz"

# Registered before any page script runs (through the devtools, so the policy does not apply to it).
RECORD_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));"""


@pytest.fixture(autouse=True)
def _chart_library():
    if not CHART_JS.exists():
        pytest.skip("the chart library is not installed (make static-deps installs it)")


def scored_season_and_a_judge_with_an_open_sheet(season) -> None:
    six_scored_and_one_waiting(season)
    judge_with_one_entry(season, JUDGE_EMAIL, PASSWORD, "Judge Policy")


@pytest.fixture
def live_server_setup():
    return scored_season_and_a_judge_with_an_open_sheet


@pytest.fixture
def watched(browser):
    """A fresh page keeping policy violations (reported as events and on the console), script errors, and
    the policy each page came with."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_errors = []
    page.policies = []
    page.on("console", lambda message: page.console_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))  # a script the policy broke
    page.on("response", lambda response: page.policies.append(response.headers.get("content-security-policy"))
            if response.request.resource_type == "document" else None)
    yield page
    context.close()


def wait_for_charts(page, count: int) -> None:
    page.wait_for_function("n => window.Chart && document.querySelectorAll('figure.chart canvas').length === n && "
                           "[...document.querySelectorAll('figure.chart canvas')].every(c => Chart.getChart(c))",
                           arg=count)


def assert_no_violation(page) -> None:
    assert page.evaluate("window.cspViolations") == [], page.url
    assert page.console_errors == [], page.url


def test_the_main_pages_run_under_the_real_policy(live_server, watched):
    page = watched
    page.goto(live_server + "/auth/login")
    page.get_by_role("button", name="Sign in").wait_for()
    assert_no_violation(page)

    sign_in(page, live_server, "org@example.uz")
    page.goto(live_server + "/organizer/")
    wait_for_charts(page, 3)
    assert_no_violation(page)
    page.get_by_role("link", name="Results", exact=True).first.click()
    wait_for_charts(page, 3)  # the scores, the judges' calibration and the finalist round's forecast
    assert page.get_by_role("heading", name="The Best Idea").first.is_visible()
    assert_no_violation(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, JUDGE_EMAIL)
    page.get_by_role("link", name="Wind-powered water pump").click()
    page.get_by_role("heading", name="Wind-powered water pump").wait_for()
    assert page.get_by_role("button", name="Save draft").is_visible()
    assert_no_violation(page)

    assert page.policies and set(page.policies) == {CONTENT_SECURITY_POLICY}  # the real header, on every page
