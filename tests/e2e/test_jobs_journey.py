"""The organizer watches a background job in a real browser: static/jobs.js polls its status, and
when the job ends the page shows the outcome by itself, with nothing run inline (CSP holds)."""
from __future__ import annotations

import pytest
from flask import current_app

from contest.extensions import db
from contest.jobs import queue
from contest.models import Role
from tests.e2e.conftest import person
from tests.job_kinds import steps  # noqa: F401  (registers the "test_steps" kind)

STEPS, PAUSE = 15, 0.6   # about 9 s of work: the page opens while the job runs


@pytest.fixture
def live_server_setup():
    def setup(season):
        current_app.config["JOBS_RUNNER"] = "threads"   # as without Redis: a thread beside the server
        organizer = person("organizer@example.uz", Role.ORGANIZER, "Olim Organizer")
        db.session.flush()
        queue.enqueue("test_steps", steps=STEPS, pause=PAUSE, created_by=organizer)
    return setup


def test_the_job_page_follows_the_job_to_its_end_without_a_reload(browse, live_server):
    page = browse("organizer@example.uz")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(live_server + "/organizer/jobs/")
    page.get_by_role("link", name="Test steps").click()
    assert page.locator("[data-job-running] progress").count() == 1       # still running when opened
    page.wait_for_selector(".job-progress:not([data-job-running])", timeout=STEPS * PAUSE * 1000 + 20000)
    assert page.locator(".job-status").inner_text().startswith("done")
    assert page.locator("progress").get_attribute("value") == "100"
    assert problems == []
