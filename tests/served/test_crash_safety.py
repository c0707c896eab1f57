"""A gunicorn worker killed in the middle of a change leaves all of it or none of it.

Each test stops the change's transaction after it has written and before it commits, the same way
every time: another PostgreSQL connection holds a lock the change needs only at the end. Either
``FOR UPDATE`` on the row that its last INSERT refers to (that INSERT's foreign-key check waits for
it), or ``LOCK TABLE ... IN EXCLUSIVE MODE`` on the table it writes last (readers pass, the writer
waits). The test sees the worker's backend waiting on that lock with a transaction id, a write lock
on the table, and the table's id sequence (which no rollback gives back) advanced by every row of
the change. Then it kills the worker that owns that database connection with SIGKILL, releases the
lock, and checks that none of the change reached the database, that the same change sent again
through the app does all of it, and that gunicorn replaced the worker. SIGTERM, gunicorn's graceful
stop, lets the worker finish the request it holds.
"""
from __future__ import annotations

import io
import json
import os
import signal
import time
import urllib.error
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Connection, Engine, create_engine, text

from contest.extensions import db
from contest.services.demo import DEMO_PASSWORD, build_demo_season
from tests.conftest import PDF_BYTES
from tests.served.server import Browser, Served, app_on, gunicorn, migrated_schema, production_environment

WORKERS = 2
WAIT_SECONDS = 30
JUDGES_IMPORTED = 300


@dataclass
class Scene:
    """The demo season (300 entries, 30 judges, one contest judged and an allocation committed),
    served by gunicorn, with a connection of the test's own to look at the database."""

    served: Served
    engine: Engine
    environment: dict[str, str]

    def scalar(self, sql: str, **parameters):
        with self.engine.connect() as connection:
            return connection.execute(text(sql), parameters).scalar()

    def one(self, sql: str, **parameters):
        with self.engine.connect() as connection:
            return connection.execute(text(sql), parameters).one()

    def signed_in(self, email: str = "organizer@demo.uz") -> Browser:
        browser = Browser(self.served.url)
        browser.sign_in(email, DEMO_PASSWORD)
        return browser


@pytest.fixture(scope="module")
def scene(postgres_server, tmp_path_factory) -> Iterator[Scene]:
    folder = tmp_path_factory.mktemp("crash")
    with migrated_schema(postgres_server) as url:
        environment = production_environment(url, UPLOAD_FOLDER=str(folder / "uploads"))
        with app_on(environment):
            build_demo_season()
            db.session.commit()
        engine = create_engine(url)
        try:
            with gunicorn(folder, environment, WORKERS) as served:
                yield Scene(served, engine, environment)
        finally:
            engine.dispose()


@dataclass
class Interruption:
    """What was seen while the action waited: the worker killed, the rows it had written."""

    worker: int
    rows_written: int


def row_lock(table: str, row_id: int) -> str:
    """Conflicts with the KEY SHARE lock that a foreign-key check takes on the row it refers to."""
    return f"SELECT id FROM {table} WHERE id = {int(row_id)} FOR UPDATE"


@contextmanager
def holding(engine: Engine, lock: str) -> Iterator[Connection]:
    """A transaction that keeps the lock taken by the statement ``lock`` until it is rolled back."""
    with engine.connect() as connection:
        connection.execute(text(lock))
        try:
            yield connection
        finally:
            connection.rollback()


def crash_mid_transaction(scene: Scene, action: Callable[[], tuple[int, str]], *, hold: str, writes: str | None,
                          kill: signal.Signals = signal.SIGKILL) -> tuple[Interruption, object]:
    """Run ``action`` (a request) on a thread; once its transaction has written into ``writes`` and
    waits for the lock taken by the statement ``hold``, send ``kill`` to the worker serving it, then
    release the lock.

    Returns what was seen and the action's outcome: its answer, or the error of a request that got none.
    The test checks at its end that gunicorn replaced the worker (it boots while the retry runs).
    """
    sequence_before = _sequence_value(scene, writes)
    with holding(scene.engine, hold) as holder, ThreadPoolExecutor(max_workers=1) as pool:
        holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
        answer = pool.submit(action)
        backend_pid, client_port = _wait_for_writer_blocked_by(scene, holder_pid, writes)
        rows_written = _sequence_value(scene, writes) - sequence_before
        worker = scene.served.worker_connected_from(client_port)
        os.kill(worker, kill)
        if kill is signal.SIGKILL:  # dead (reaped) before the lock goes, or it could still commit
            _wait_until(lambda: worker not in scene.served.worker_pids(), f"worker {worker} to die")
        holder.rollback()
        try:
            outcome = answer.result(timeout=WAIT_SECONDS)
        except (ConnectionError, urllib.error.URLError) as no_answer:
            outcome = no_answer
    _wait_until(lambda: not scene.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid", pid=backend_pid),
                f"backend {backend_pid} to end")
    return Interruption(worker, rows_written), outcome


def _wait_for_writer_blocked_by(scene: Scene, holder_pid: int, writes: str | None) -> tuple[int, int]:
    """The backend that waits for the held lock, once it has a transaction id (it wrote) and holds
    the write lock on ``writes``: its pid and the client port of its connection."""
    query = text("""
        SELECT a.pid, a.client_port FROM pg_stat_activity a
        WHERE :holder = ANY(pg_blocking_pids(a.pid)) AND a.wait_event_type = 'Lock' AND a.backend_xid IS NOT NULL
          AND (CAST(:writes AS text) IS NULL OR EXISTS (
              SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
              AND l.relation = CAST(:writes AS regclass)))""")
    found = []

    def blocked() -> bool:
        with scene.engine.connect() as connection:
            found[:] = connection.execute(query, {"holder": holder_pid, "writes": writes}).all()
        return bool(found)

    _wait_until(blocked, f"a transaction writing {writes} to wait for the held lock")
    assert len(found) == 1, found
    return found[0].pid, found[0].client_port


def _sequence_value(scene: Scene, table: str | None) -> int:
    """How many ids ``table`` has handed out: sequences are not rolled back, so they count rows written."""
    if table is None:
        return 0
    return scene.scalar(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {table}_id_seq")


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(0.05)


def assert_no_answer(outcome) -> None:
    assert isinstance(outcome, (ConnectionError, urllib.error.URLError)), outcome


def assert_replaced(scene: Scene, seen: Interruption) -> None:
    assert seen.worker not in scene.served.wait_for_workers(WORKERS, gone=seen.worker)


# -- an import ----------------------------------------------------------------------------------


def judges_workbook(rows: list[list[str | None]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Judges"
    sheet.append(["full_name", "email", "organization", "region", "expertise"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_import_killed_mid_transaction_leaves_no_account_and_its_retry_imports_every_row(scene):
    # Hundreds of new judges and, last, an existing judge whose expertise the file replaces: the
    # new expertise rows refer to that judge's account, which the test holds.
    existing = scene.one("SELECT id, full_name, email, organization, region FROM users WHERE email = 'judge30@demo.uz'")
    rows = [[f"Imported Judge {n}", f"imported{n:03d}@example.uz", "Tashkent State Technical University",
             "tashkent_city", "Energetika:3; Qurilish:2"] for n in range(JUDGES_IMPORTED)]
    rows.append([existing.full_name, existing.email, existing.organization, existing.region, "Robototexnika:2"])
    data = judges_workbook(rows)
    judges_before = scene.scalar("SELECT count(*) FROM users WHERE role = 'JUDGE'")
    user_ids_before = _sequence_value(scene, "users")
    expertise_before = scene.scalar("SELECT count(*) FROM judge_expertise")
    browser = scene.signed_in()
    token = browser.csrf_token("/organizer/import/judges")

    def upload() -> tuple[int, str]:
        return browser.post_file("/organizer/import/judges", {"csrf_token": token}, "file", "judges.xlsx", data)

    seen, outcome = crash_mid_transaction(scene, upload, hold=row_lock("users", existing.id),
                                          writes="judge_expertise")

    assert_no_answer(outcome)
    # Every account and every expertise row had been written, uncommitted, when the worker died.
    assert _sequence_value(scene, "users") - user_ids_before == JUDGES_IMPORTED
    assert seen.rows_written == 2 * JUDGES_IMPORTED + 1
    assert scene.scalar("SELECT count(*) FROM users WHERE role = 'JUDGE'") == judges_before
    assert scene.scalar("SELECT count(*) FROM users WHERE email LIKE 'imported%'") == 0
    assert scene.scalar("SELECT count(*) FROM judge_expertise") == expertise_before
    assert scene.scalar("SELECT count(*) FROM judge_expertise WHERE judge_id = :id", id=existing.id) == 3

    status, page = upload()
    assert status == 200, page[:500]
    assert scene.scalar("SELECT count(*) FROM users WHERE role = 'JUDGE'") == judges_before + JUDGES_IMPORTED
    assert scene.scalar("SELECT count(*) FROM users WHERE email LIKE 'imported%' AND invite_token_hash IS NOT NULL") \
        == JUDGES_IMPORTED
    assert scene.scalar("SELECT count(*) FROM judge_expertise") == expertise_before + 2 * JUDGES_IMPORTED + 1 - 3
    assert scene.scalar("SELECT string_agg(field || ':' || level, ';') FROM judge_expertise WHERE judge_id = :id",
                        id=existing.id) == "Robototexnika:2"


# -- an assignment commit -------------------------------------------------------------------------


def unassigned_contest(scene: Scene) -> int:
    return scene.scalar("SELECT min(c.id) FROM contests c WHERE NOT EXISTS (SELECT 1 FROM assignments a "
                        "JOIN entries e ON e.id = a.entry_id WHERE e.contest_id = c.id)")


def assigned_pairs(scene: Scene, contest_id: int) -> set[tuple[int, int]]:
    with scene.engine.connect() as connection:
        return set(connection.execute(text(
            "SELECT a.judge_id, a.entry_id FROM assignments a JOIN entries e ON e.id = a.entry_id "
            "WHERE e.contest_id = :contest"), {"contest": contest_id}).tuples())


def dry_run(scene: Scene, browser: Browser, contest_id: int) -> tuple[int, set[tuple[int, int]]]:
    """A dry run started from the assignment page, as an organizer starts it: its id and its pairs."""
    page, action = f"/organizer/contests/{contest_id}/assignment", f"/organizer/contests/{contest_id}/assignment/run"
    status, answer = browser.post(action, browser.hidden_fields(page, action))
    assert status == 302, answer[:500]
    run_id = scene.scalar("SELECT max(id) FROM assignment_runs WHERE contest_id = :contest", contest=contest_id)
    _wait_until(lambda: run_status(scene, run_id) != "RUNNING", f"dry run {run_id} to finish")
    assert run_status(scene, run_id) == "DONE"
    pairs = json.loads(scene.scalar("SELECT result_json FROM assignment_runs WHERE id = :id", id=run_id))["pairs"]
    return run_id, {(int(judge[1:]), int(entry[1:])) for judge, entry in pairs}


def run_status(scene: Scene, run_id: int) -> str:
    return scene.scalar("SELECT status FROM assignment_runs WHERE id = :id", id=run_id)


def committing(browser: Browser, run_id: int) -> Callable[[], tuple[int, str]]:
    """The commit button of the run's confirmation page, read once and pressed on each call."""
    path = f"/organizer/assignment-runs/{run_id}/commit"
    confirmation = browser.hidden_fields(path, path)
    return lambda: browser.post(path, confirmation)


def test_an_assignment_commit_killed_mid_transaction_assigns_nothing_and_its_retry_assigns_every_pair(scene):
    contest_id = unassigned_contest(scene)
    browser = scene.signed_in()
    run_id, pairs = dry_run(scene, browser, contest_id)
    commit = committing(browser, run_id)
    # The pairs are inserted in judge order: the last judge's rows are the last the commit writes.
    last_judge = max(judge for judge, _entry in pairs)

    seen, outcome = crash_mid_transaction(scene, commit, hold=row_lock("users", last_judge), writes="assignments")

    assert_no_answer(outcome)
    assert seen.rows_written == len(pairs) > 200             # every pair was written, uncommitted
    assert assigned_pairs(scene, contest_id) == set()
    assert run_status(scene, run_id) == "DONE"

    status, answer = commit()
    assert status == 302, answer[:500]
    assert assigned_pairs(scene, contest_id) == pairs
    assert run_status(scene, run_id) == "COMMITTED"
    assert_replaced(scene, seen)

def test_a_worker_told_to_stop_mid_commit_finishes_the_request_first(scene):
    """SIGTERM is gunicorn's graceful stop: the worker answers the request it holds, then exits."""
    contest_id = unassigned_contest(scene)
    browser = scene.signed_in()
    run_id, pairs = dry_run(scene, browser, contest_id)

    seen, outcome = crash_mid_transaction(scene, committing(browser, run_id), hold=row_lock("users", max(pairs)[0]),
                                          writes="assignments", kill=signal.SIGTERM)

    assert seen.rows_written == len(pairs)
    assert outcome[0] == 302, outcome
    assert assigned_pairs(scene, contest_id) == pairs
    assert run_status(scene, run_id) == "COMMITTED"
    assert_replaced(scene, seen)



# -- a declared conflict: its judge's entries released and their seats refilled -----------------


def test_a_declaration_killed_before_its_refill_releases_nothing_and_its_retry_reassigns(scene):
    """A judge declares an entrant's organization: the declaration and the conflicts it finds are
    written and the judge's assignments on those entries deleted before the refill locks the contest,
    which the test holds."""
    held = scene.one("SELECT a.judge_id, e.contest_id, u.organization FROM assignments a "
                     "JOIN entries e ON e.id = a.entry_id JOIN users u ON u.id = e.lead_author_id "
                     "ORDER BY a.id LIMIT 1")
    counts = ("SELECT (SELECT count(*) FROM conflict_declarations), (SELECT count(*) FROM conflicts), "
              "(SELECT count(*) FROM reassignments), (SELECT count(*) FROM assignment_runs)")
    before, pairs_before = scene.one(counts), assigned_pairs(scene, held.contest_id)
    browser = scene.signed_in()
    path = f"/organizer/judges/{held.judge_id}"
    form = {"csrf_token": browser.csrf_token(path), "kind": "organization", "value": held.organization,
            "declare": "Declare"}

    def declare() -> tuple[int, str]:
        return browser.post(path, form)

    seen, outcome = crash_mid_transaction(scene, declare, hold=row_lock("contests", held.contest_id),
                                          writes="conflicts")

    assert_no_answer(outcome)
    assert seen.rows_written >= 1
    assert scene.one(counts) == before
    assert assigned_pairs(scene, held.contest_id) == pairs_before

    status, answer = declare()
    assert status == 302, answer[:500]
    declarations, conflicts, reassignments, runs = scene.one(counts)
    assert (declarations, runs) == (before[0] + 1, before[3] + 1)
    assert conflicts - before[1] == seen.rows_written          # the same conflicts, found again
    released = {entry for judge, entry in pairs_before - assigned_pairs(scene, held.contest_id)
                if judge == held.judge_id}
    assert released and reassignments - before[2] == len(released)
    assert_replaced(scene, seen)

# -- an allocation commit -------------------------------------------------------------------------


def test_an_allocation_commit_killed_mid_transaction_stores_no_version_and_its_retry_stores_it(scene):
    season_id = scene.scalar("SELECT id FROM seasons")
    versions = "SELECT count(*), max(version) FROM allocation_snapshots WHERE season_id = :season"
    before = scene.one(versions, season=season_id)
    browser = scene.signed_in()
    path = f"/prizes/seasons/{season_id}/commit"
    confirmation = browser.hidden_fields(path, path)

    def commit() -> tuple[int, str]:
        return browser.post(path, confirmation)

    # The new version refers to its season: its foreign-key check waits for the held season.
    seen, outcome = crash_mid_transaction(scene, commit, hold=row_lock("seasons", season_id),
                                          writes="allocation_snapshots")

    assert_no_answer(outcome)
    assert seen.rows_written == 1
    assert scene.one(versions, season=season_id) == before

    status, answer = commit()
    assert status == 302, answer[:500]
    assert tuple(scene.one(versions, season=season_id)) == (before[0] + 1, before[1] + 1)
    assert_replaced(scene, seen)


# -- an upload ------------------------------------------------------------------------------------


def test_an_upload_killed_before_its_row_commits_leaves_a_file_that_the_sweep_removes(scene):
    """The file reaches the disk before its row is written; a killed worker cannot delete it again,
    so it outlives the transaction until `flask files sweep` removes it. The retry attaches the file."""
    entry = scene.one("SELECT e.id, u.email FROM entries e JOIN users u ON u.id = e.lead_author_id "
                      "JOIN contests c ON c.id = e.contest_id WHERE c.closes_at > now() ORDER BY e.id LIMIT 1")
    folder = Path(scene.environment["UPLOAD_FOLDER"])
    files_before, rows_before = set(folder.iterdir()), scene.scalar("SELECT count(*) FROM attachments")
    browser = scene.signed_in(entry.email)
    form = {"csrf_token": browser.csrf_token(f"/entries/{entry.id}")}

    def upload() -> tuple[int, str]:
        return browser.post_file(f"/entries/{entry.id}/attachments", form, "file", "appendix.pdf", PDF_BYTES)

    # Readers pass; the INSERT of the attachment row waits, after the file is written.
    seen, outcome = crash_mid_transaction(scene, upload, hold="LOCK TABLE attachments IN EXCLUSIVE MODE", writes=None)

    assert_no_answer(outcome)
    assert scene.scalar("SELECT count(*) FROM attachments") == rows_before
    left = set(folder.iterdir()) - files_before
    assert len(left) == 1 and next(iter(left)).read_bytes() == PDF_BYTES

    with app_on(scene.environment) as app:
        swept = app.test_cli_runner().invoke(args=["files", "sweep", "--older-than", "0"])
    assert swept.output.splitlines() == [f"deleted {next(iter(left)).name}", "1 unreferenced files deleted"]
    assert set(folder.iterdir()) == files_before

    status, answer = upload()
    assert status == 302, answer[:500]
    stored = scene.scalar("SELECT stored_name FROM attachments WHERE entry_id = :entry ORDER BY id DESC LIMIT 1",
                          entry=entry.id)
    assert scene.scalar("SELECT count(*) FROM attachments") == rows_before + 1
    assert set(folder.iterdir()) == files_before | {folder / stored}
    assert_replaced(scene, seen)
