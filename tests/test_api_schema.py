"""Schemathesis against /api/v1/openapi.json: no server error and no answer the document does not describe.

Every operation is called, with an organizer's token and with a judge's (who may score), on the scene the
authorization matrix seeds (a contest in both rounds, a conflict, a published ranking, a committed
allocation, a token for each caller), so the answers include real rows, refusals and missing ones. Hypothesis is
derandomized and the examples per operation are few, so the run is the same every time and short.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from contest import create_app
from tests.conftest import config_for_tests, database_of_its_own
from tests.test_authorization_matrix import ASSIGNED, ORGANIZER, UNKNOWN_ID, seed

CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]
EXAMPLES = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def api_scene(tmp_path_factory):
    with database_of_its_own(tmp_path_factory, "api_schema") as app:
        app.config["API_RATE_LIMIT"] = "1000000 per minute"  # the run is hundreds of requests a minute
        scene = seed()
        tokens = {caller: scene.tokens[caller] for caller in (ORGANIZER, ASSIGNED)}
        rows = {name: sorted({v for v in scene.ids[name].values() if isinstance(v, int) and v < UNKNOWN_ID})
                for name in ("season_id", "contest_id", "entry_id", "assignment_id")}
        yield app, tokens, rows


def the_document() -> dict:
    """The document as the app serves it (it needs no database); the calls go to the seeded app."""
    app = create_app(config_for_tests())
    return app.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(the_document())


def isolated(app):
    """The app as a server runs it: each request in an app context of its own (a fresh `g`, where Flask-Login
    keeps the signed-in user, and a fresh database session), not in the fixture's, which every call would share."""

    def wsgi(environ, start_response):
        with app.app_context():
            return app(environ, start_response)

    return wsgi


def call(case, api_scene, caller):
    """The case as generated, with the caller's token, and with every other path id turned into a row of
    the scene (ids drawn at random would almost never name one, and the answers would all be 404)."""
    app, tokens, rows = api_scene
    for name, value in (case.path_parameters or {}).items():
        if name in rows and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = rows[name][value // 2 % len(rows[name])]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[caller]}"}
    case.call_and_validate(app=isolated(app), checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_as_an_organizer(case, api_scene):
    call(case, api_scene, ORGANIZER)


@schema.parametrize()
@EXAMPLES
def test_as_a_judge(case, api_scene):
    call(case, api_scene, ASSIGNED)


def test_without_a_token_every_operation_answers_401_in_json(api_scene):
    app = api_scene[0]
    client = app.test_client()
    for operation in schema.get_all_operations():
        operation = operation.ok()
        path = operation.path.replace("{", "").replace("}", "")  # any id: the token is checked first
        for name in ("season_id", "contest_id", "entry_id", "assignment_id"):
            path = path.replace(name, "1")
        response = client.open(f"/api/v1{path}" if not path.startswith("/api/v1") else path,
                               method=operation.method.upper(), json={} if operation.method == "put" else None)
        assert response.status_code == 401, (operation.method, path)
        assert response.get_json()["code"] == 401
