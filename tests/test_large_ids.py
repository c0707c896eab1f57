"""An id no database column can hold names nothing: 404, never a 500 from the database driver."""
from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import NotFound

from contest.extensions import db
from contest.models import Role
from contest.services import api_tokens

LARGEST_ID = 2**31 - 1  # the id columns are INTEGER on PostgreSQL


def _int_routes(app) -> list[tuple[str, str]]:
    """(rule, method) for every route with an `<int:...>` part."""
    return [(rule.rule, method) for rule in app.url_map.iter_rules() if "<int:" in rule.rule
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def _url(rule: str, ids: int) -> str:
    """The rule with every int part set to ``ids`` and any other part to a valid value."""
    url = re.sub(r"<int:\w+>", str(ids), rule)
    url = re.sub(r"<any\((\w+)[^>]*>", r"\1", url)
    return re.sub(r"<(?:\w+:)?\w+>", "u1", url)


@pytest.mark.parametrize("role", [None, Role.PARTICIPANT, Role.JUDGE, Role.ORGANIZER, Role.ADMIN])
def test_ids_beyond_the_columns_answer_404_on_every_int_route(app, client, make_user, login, role):
    if role is not None:
        login(make_user(role))
    routes = _int_routes(app)
    assert len({rule for rule, _method in routes}) >= 30  # pages, files and actions of every blueprint
    for too_large in (LARGEST_ID + 1, 999999999999999999999999999999):
        answers = {f"{method} {_url(rule, too_large)}": client.open(_url(rule, too_large), method=method).status_code
                   for rule, method in routes}
        assert {request: status for request, status in answers.items() if status != 404} == {}


def test_the_largest_id_reaches_the_view_and_finds_nothing(app, client, make_user, login):
    """The bound sits at the columns' limit, not below it: there the database answers "no such row" (or the
    role check refuses first, on another role's pages). The API reads the organizer's token, not the cookie."""
    organizer = make_user(Role.ORGANIZER)
    login(organizer)
    _token, secret = api_tokens.issue(organizer, "large ids", ["read"], by=organizer)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    adapter = app.url_map.bind("localhost")
    for rule, method in _int_routes(app):
        adapter.match(_url(rule, LARGEST_ID), method=method)  # routed to its view
        with pytest.raises(NotFound):
            adapter.match(_url(rule, LARGEST_ID + 1), method=method)
        if method == "GET":
            headers = bearer if rule.startswith("/api/") else {}
            assert client.get(_url(rule, LARGEST_ID), headers=headers).status_code in (403, 404), rule
