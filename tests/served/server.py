"""The app served as in production, for the served tests and the load benchmark (bench/load.py):
a PostgreSQL schema built by the migrations, gunicorn with the project's gunicorn.conf.py (or `make serve`)
started on it, its JSON output kept in files, and a client that carries the Secure session cookie over
loopback. No pytest here: the fixtures in conftest.py wrap these.
"""
from __future__ import annotations

import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text

from contest import PROJECT_ROOT, create_app
from contest.logs import ACCESS_LOGGER

POSTGRES_URL = os.environ.get("SERVED_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SERVED_REDIS_URL", "redis://127.0.0.1:6379/0")
STARTUP_SECONDS = 60


@contextmanager
def empty_schema(postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """A PostgreSQL schema of its own, dropped afterwards; yields the DATABASE_URL that points into it."""
    schema = f"served_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def migrated_schema(postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """An empty schema built by the migrations, as a deployment builds it."""
    with empty_schema(postgres_url) as url:
        flask_command(url, "db", "upgrade")
        yield url


def flask_command(database_url: str, *arguments: str) -> str:
    """Run a `flask` command as an operator would on the server; its output."""
    done = subprocess.run([sys.executable, "-m", "flask", *arguments], cwd=PROJECT_ROOT, text=True,
                          env=production_environment(database_url), capture_output=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def app_on(environment: dict[str, str]) -> Iterator[Flask]:
    """The app of a :func:`production_environment` (its database and upload folder) in this process,
    to seed it with the services or run its commands; yields inside its app context. The caller commits."""
    from contest.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": environment["DATABASE_URL"], "SECRET_KEY": environment["SECRET_KEY"],
                      "UPLOAD_FOLDER": environment["UPLOAD_FOLDER"]})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def production_environment(database_url: str, **settings: str) -> dict[str, str]:
    """What an operator sets: production mode, a real secret key, the database; nothing from tests."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("TEST_DATABASE", "CONTEST_", "REDIS_", "DATABASE_", "FLASK_"))}
    environment.update(CONTEST_ENV="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=database_url,
                       FLASK_APP="run.py", UPLOAD_FOLDER=str(Path(os.environ.get("TMPDIR", "/tmp")) / "served-uploads"))
    environment.update(settings)
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    """A running gunicorn: its address, its processes and what it wrote (JSON lines on stdout and stderr)."""

    process: subprocess.Popen
    url: str
    stdout: Path
    stderr: Path
    # `make serve` also runs the migrations and an RQ worker, whose lines are plain text: skip them.
    json_only: bool = True

    def master_pid(self) -> int | None:
        """gunicorn's arbiter: the process itself, or its child when `make serve` started it."""
        return next((record["pid"] for record in self.log_records() if record["message"].startswith("Listening at")),
                    None)

    def worker_pids(self) -> list[int]:
        master = self.master_pid()
        return sorted(int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _parent_of(pid) == master)

    def log_records(self) -> list[dict]:
        """Every line gunicorn and the app wrote, parsed: a line that is not JSON fails the test."""
        return [json.loads(line) for path in (self.stdout, self.stderr) if path.exists()
                for line in path.read_text().splitlines() if self.json_only or line.startswith("{")]

    def access_records(self) -> list[dict]:
        return [record for record in self.log_records() if record["logger"] == ACCESS_LOGGER]

    def worker_connected_from(self, local_port: int) -> int:
        """The worker that owns the TCP socket bound to ``local_port`` (a database connection's client
        port, as pg_stat_activity.client_port shows it)."""
        inodes = _socket_inodes_on_port(local_port)
        for pid in self.worker_pids():
            try:
                links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            except OSError:
                continue
            if links & {f"socket:[{inode}]" for inode in inodes}:
                return pid
        raise LookupError(f"no worker of {self.worker_pids()} has a socket on port {local_port}")

    def wait_for_workers(self, count: int, gone: int | None = None) -> list[int]:
        """The worker pids once gunicorn runs ``count`` of them again (without ``gone``, one it lost)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count and gone not in pids:
                return pids
            time.sleep(0.1)
        raise AssertionError(f"gunicorn runs {self.worker_pids()}, not {count} workers without {gone}")


def _parent_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name in parentheses may hold spaces


def gunicorn(tmp_path: Path, environment: dict[str, str], workers: int = 2):
    """gunicorn with the project's gunicorn.conf.py, as `make serve` runs it."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers)]
    return served_by(command, port, tmp_path, environment, workers)


@contextmanager
def served_by(command: list[str], port: int, tmp_path: Path, environment: dict[str, str], workers: int,
              json_only: bool = True) -> Iterator[Served]:
    """Runs `command` (gunicorn, or what starts it) until every worker is ready; its output goes to files.
    Ended with its whole process group, workers (and an RQ worker beside them) included."""
    stdout, stderr = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, start_new_session=True,
                                   stdout=out, stderr=err)
    served = Served(process=process, url=f"http://127.0.0.1:{port}", stdout=stdout, stderr=stderr,
                    json_only=json_only)
    try:
        _wait_until_healthy(served, workers)
        yield served
    finally:
        os.killpg(served.process.pid, signal.SIGTERM)
        try:
            served.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait()


def _wait_until_healthy(served: Served, workers: int) -> None:
    """Every worker has loaded the app (gunicorn.conf.py's post_worker_init says so) and /healthz answers 200."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {served.process.returncode}:\n{_tail(served.stderr)}")
        ready = {record["pid"] for record in served.log_records() if record["message"].startswith("Worker ready")}
        if len(ready & set(served.worker_pids())) == workers:
            try:
                with urllib.request.urlopen(f"{served.url}/healthz", timeout=10) as answer:
                    if answer.status == 200:
                        return
            except OSError:  # refused, reset or timed out: not yet
                pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become healthy in {STARTUP_SECONDS} s:\n{_tail(served.stderr)}")


def _socket_inodes_on_port(local_port: int) -> set[str]:
    """Inodes of the TCP sockets whose local port is ``local_port`` (from /proc/net/tcp and tcp6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                columns = line.split()
                if int(columns[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(columns[9])
    return inodes


def _tail(path: Path) -> str:
    return "\n".join(path.read_text().splitlines()[-40:]) if path.exists() else "(no log)"


@dataclass
class Browser:
    """A client that opens a new connection per request (so gunicorn may hand each to another
    worker) and carries the session cookie itself: production cookies are Secure, and a cookie jar
    would not send them back over plain-HTTP loopback."""

    url: str
    cookie: str = ""

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], **headers: str) -> tuple[int, str]:
        body = urllib.parse.urlencode(form).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **headers})

    def post_file(self, path: str, form: dict[str, str], name: str, filename: str, data: bytes) -> tuple[int, str]:
        """A multipart POST, as a browser sends a form with a file input ``name``."""
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in form.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        sent = urllib.request.Request(f"{self.url}{path}", data=body, method=method, headers=dict(headers or {}))
        if self.cookie:
            sent.add_header("Cookie", self.cookie)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            answer = opener.open(sent, timeout=30)
        except urllib.error.HTTPError as error:
            answer = error
        with answer:
            for header in answer.headers.get_all("Set-Cookie") or []:
                if header.startswith("session="):
                    self.cookie = header.split(";", 1)[0]
            return answer.status, answer.read().decode()

    def csrf_token(self, path: str) -> str:
        status, page = self.get(path)
        assert status == 200, (status, page[:500])
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def hidden_fields(self, path: str, action: str) -> dict[str, str]:
        """The hidden inputs of the form on page ``path`` that posts to ``action`` (its CSRF token,
        a confirmation's fingerprint...): what a browser would send with its button."""
        status, page = self.get(path)
        assert status == 200, (status, page[:500])
        form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.DOTALL)
        assert form, f"no form posting to {action} on {path}"
        fields = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<input[^>]*>", form.group(1))]
        return {field["name"]: html.unescape(field.get("value", "")) for field in fields
                if field.get("type") == "hidden"}

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.post("/auth/login", {"csrf_token": self.csrf_token("/auth/login"), "email": email,
                                                 "password": password})
        assert status == 302, (status, page[:500])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
