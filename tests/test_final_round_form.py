"""The final round's form on the results page: shown only when a round can be opened, otherwise one
reason why not; a refused window comes back with its errors beside its fields and what was typed."""
from __future__ import annotations

import re
from html import unescape

from contest.catalogue import Message, english
from contest.extensions import db
from contest.models import Assignment, ContestJudge

WINDOW = {"opens_at": "2026-06-01T09:00", "closes_at": "2026-06-10T18:00"}
TOO_SMALL = english(Message("panel_unaffordable", {"budget": 7, "finalists": 10, "panel": 3}))


def page_of(client, url, **kwargs):
    response = client.get(url, **kwargs)
    return response.status_code, unescape(response.get_data(as_text=True))


def final_section(html: str) -> str:
    return html[html.index("<h2>Finalist round</h2>"):]


def field_block(html: str, name: str) -> str:
    """The ``.field`` block of one input: its label, the input and the errors shown beside it."""
    blocks = re.findall(r'<div class="field[^"]*">.*?</div>\s*(?=<div class="field|<button|<input type="submit")',
                        html, re.S)
    return next(block for block in blocks if f'name="{name}"' in block)


def final_reviews() -> int:
    return db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.round == 2))


def test_a_contest_too_small_for_a_final_round_says_why_once_and_shows_no_form(client, organizer, scored):
    contest, _judges, _entries = scored
    status, html = page_of(client, f"/results/contests/{contest.id}")
    assert status == 200
    assert html.count(TOO_SMALL) == 1 and TOO_SMALL in final_section(html)
    assert "Final round opens" not in html and "Open the final round" not in html
    assert "Shortlist proposed" not in html
    # Asked for anyway, the confirmation page says the same and offers no button.
    _status, confirm = page_of(client, f"/results/contests/{contest.id}/final-round", query_string=WINDOW)
    assert TOO_SMALL in confirm and 'name="confirm"' not in confirm
    assert final_reviews() == 0


def test_a_shortlist_without_a_panel_says_so_and_shows_no_form(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    db.session.execute(db.delete(ContestJudge).where(ContestJudge.contest_id == contest.id))
    db.session.commit()
    _status, html = page_of(client, f"/results/contests/{contest.id}")
    section = final_section(html)
    assert section.count("No judge can sit on the final panel") == 1
    assert "no longer serves on this contest" in section
    assert "Final round opens" not in section and "Shortlist proposed" not in section


def test_a_contest_ready_for_a_final_round_shows_the_form(client, organizer, finalist_ready):
    contest, _judges, _entries = finalist_ready
    _status, html = page_of(client, f"/results/contests/{contest.id}")
    section = final_section(html)
    assert "Shortlist proposed: 10 entries, a common panel of 3 judges" in section    # at 10 %, the proposal
    assert "Final round opens (Tashkent time)" in section and "Open the final round" in section
    assert "no final round" not in section.lower()


def test_a_refused_window_shows_its_errors_beside_its_fields_and_keeps_what_was_typed(client, organizer,
                                                                                      finalist_ready):
    contest, _judges, _entries = finalist_ready
    backwards = {"opens_at": "2026-06-10T18:00", "closes_at": "2026-06-01T09:00"}
    status, html = page_of(client, f"/results/contests/{contest.id}/final-round", query_string=backwards)
    assert status == 422
    closes = field_block(final_section(html), "closes_at")
    assert "has-error" in closes and "Give a scoring window that closes after it opens." in closes
    assert 'value="2026-06-01T09:00"' in closes
    opens = field_block(final_section(html), "opens_at")
    assert 'value="2026-06-10T18:00"' in opens and "has-error" not in opens
    status, html = page_of(client, f"/results/contests/{contest.id}/final-round",
                           query_string={"opens_at": "2026-06-01T09:00"})
    assert status == 422
    closes = field_block(final_section(html), "closes_at")
    assert "has-error" in closes and "This field is required." in closes
    assert 'value="2026-06-01T09:00"' in field_block(final_section(html), "opens_at")
    assert final_reviews() == 0
    # The same from a POST: nothing is opened, the page comes back with the errors beside the fields.
    response = client.post(f"/results/contests/{contest.id}/final-round", data={**backwards, "confirm": "yes"})
    assert response.status_code == 422
    closes = field_block(final_section(unescape(response.get_data(as_text=True))), "closes_at")
    assert "closes after it opens" in closes and 'value="2026-06-01T09:00"' in closes
    assert final_reviews() == 0
