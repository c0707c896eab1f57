"""The public side in a real browser: the season's published results from the home page, without
signing in and in another language; a winner downloads their certificate, its QR code is decoded
and opened as a stranger would, and the verification page turns to "revoked" once the entry is withdrawn."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from contest.extensions import db
from contest.models import Role, User
from contest.services import certificates, prizes, results
from tests.test_certificates import qr_payloads
from tests.e2e.conftest import accessibility_faults
from tests.e2e.test_charts_journey import _static_deps  # noqa: F401  (a fixture)
from tests.e2e.test_organizer_journey import contest_with_entries_and_panel


def published_with_certificates(season) -> None:
    """The Best Idea's six entries scored and published (Entry number 5 first), certificates issued."""
    contest_with_entries_and_panel(season, scored=True)
    db.session.flush()
    organizer = db.session.scalar(db.select(User).where(User.role == Role.ORGANIZER))
    results.publish(season.contests[0], organizer)
    prizes.catalogue(season)
    certificates.issue(season, organizer)


@pytest.fixture
def live_server_setup():
    return published_with_certificates


def test_anyone_reads_the_published_winners_from_the_home_page_in_their_language(live_server, browse):
    page = browse(None, audit=True)  # no account; a context the accessibility audit can run in
    page.goto(live_server + "/")
    page.get_by_role("link", name="Published results and winners").click()
    page.get_by_role("heading", name="The Best Idea").wait_for()
    winners = page.locator("section", has=page.get_by_role("heading", name="The Best Idea")).locator("tbody tr")
    assert winners.count() == 6
    first = winners.first.inner_text()
    assert first.startswith("1") and "Entry number 5" in first
    assert "Author 5, Urgench State University, Khorezm region" in first
    assert "Judge" not in page.locator("main").inner_text()
    assert page.get_by_text("Not published yet.").count() == 2  # the two other contests
    assert accessibility_faults(page) == []

    # A reload asks again with the page's validator; the server answers it with 304 and no body.
    with page.expect_request(lambda request: "/public/" in request.url) as asked:
        response = page.reload()
    etag = asked.value.all_headers()["if-none-match"]
    assert etag == response.headers["etag"] and "public" in response.headers["cache-control"]
    again = page.request.get(page.url, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body() == b""

    page.get_by_role("link", name="Русский").click()
    page.get_by_role("heading", name="Лучшая идея").wait_for()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Хорезмская область" in page.locator("main").inner_text()


def pdf_of(download) -> bytes:
    with open(download.path(), "rb") as file:
        return file.read()


def test_a_winner_downloads_a_certificate_whose_qr_code_verifies_it_until_the_entry_is_withdrawn(
        live_server, browse):
    winner = browse("p5@example.uz")
    winner.get_by_role("link", name="My certificates").click()
    row = winner.get_by_role("row", name="Winner's certificate")
    assert "Place 1" in row.inner_text() and "Entry number 5" in row.inner_text()
    with winner.expect_download() as download:
        row.get_by_role("link", name="Download the PDF").click()
    data = pdf_of(download.value)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "WINNER'S CERTIFICATE" in text and "Author 5" in text and "Place 1" in text
    scanned = qr_payloads(data)
    assert len(scanned) == 1 and scanned[0].startswith(live_server + "/certificates/verify/")

    stranger = browse(None, audit=True)  # anyone with the paper: no account, no cookies
    stranger.goto(scanned[0])
    stranger.get_by_text("This certificate is valid.").wait_for()
    shown = stranger.locator("main").inner_text()
    for fact in ("Author 5", "Entry number 5", "The Best Idea", "Season", "Place 1"):
        assert fact in shown
    assert accessibility_faults(stranger) == []

    winner.get_by_role("link", name="My entries").click()
    winner.get_by_role("link", name="Entry number 5").click()
    winner.get_by_role("button", name="Withdraw").click()
    winner.get_by_role("button", name="Withdraw the entry").click()
    winner.get_by_text("Your entry is withdrawn.").wait_for()

    stranger.reload()
    stranger.get_by_text("This certificate is revoked.").wait_for()
    assert "The entry was withdrawn." in stranger.locator("main").inner_text()
    stranger.close()
