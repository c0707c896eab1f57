"""Money is written one way: contest.money.soums, through Babel, the same in every language."""
from __future__ import annotations

from contest.catalogue.allocation import english
from contest.money import NO_BREAK, soums


def test_whole_soums_grouped_by_no_break_spaces_in_every_language():
    assert soums(15_000_000_000) == f"15{NO_BREAK}000{NO_BREAK}000{NO_BREAK}000{NO_BREAK}UZS"
    assert soums(0) == f"0{NO_BREAK}UZS" and soums(None) == ""
    assert soums(-1_000) == f"-1{NO_BREAK}000{NO_BREAK}UZS"


def test_the_command_lines_write_plain_spaces_with_the_same_function():
    assert soums(41_000_000, " ") == "41 000 000 UZS"
    assert english({"code": "over_budget", "country": "JP", "amount": 10_000_000}, {"JP": "Japan"}) == (
        "Japan would have put the funded winners 10 000 000 UZS over budget")


def test_the_pages_use_the_same_function(app):
    assert app.jinja_env.filters["soums"] is soums
