"""Load benchmark: judges scoring at once against the app served as in production.

gunicorn (gunicorn.conf.py, workers from the CPU count unless --workers) is started on a fresh PostgreSQL
schema built by the migrations, with Redis; a season is seeded with --entries submitted entries and
--judges judges, each entry assigned to 3 of them in an open scoring round. Every judge signs in (argon2,
as in production), then loops over their queue on loopback: open the queue, open an entry, submit a score.

Phases, each bounded in time (--seconds):
  bare        as many clients as judges ask for /healthz with no pause: what the server does with no work
  paced       the judges, each pausing 1 s between requests           target: p95 <= 150 ms, 0 errors
  saturation  the same judges with no pause                            target: judges' rps >= 30 % of bare
  floor       the same judges with no pause, each opening the smallest signed-in page (their conflicts page:
              the session, the user, one query and the layout): what any judge's page costs on this stack at
              the least, so floor_ratio (its rps over bare's) is the ceiling that ratio_to_bare can reach

It prints p50/p95/p99 and requests per second for each kind of request in each phase, the errors, and a last
line ``load: p95_ms=... rps=... bare_rps=... ratio_to_bare=... errors=... floor_ratio=...`` (p95 of the paced
judges, rps of the saturated judges, bare_rps of /healthz, and the floor phase's share of bare). A missed target
makes the exit status 1.

Run as ``python bench/load.py`` with PostgreSQL and Redis on loopback (SERVED_POSTGRES_URL, SERVED_REDIS_URL).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contest import create_app  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.models import (  # noqa: E402
    Assignment, Category, ContestJudge, Entry, EntryAuthor, EntryStatus, Role, ScoringRound, User, utcnow,
)
from contest.passwords import passwords  # noqa: E402
from contest.services.seasons import create_season  # noqa: E402
from tests.served.server import (  # noqa: E402
    POSTGRES_URL, REDIS_URL, Browser, gunicorn, migrated_schema, production_environment,
)

PASSWORD = "judge-password-1"
SHEETS_PER_ENTRY = 3
PACED_P95_MS = 150
SATURATED_SHARE_OF_BARE = 0.30
JUDGE_KINDS = ("queue", "entry", "score")
FLOOR_PAGE = "/judging/declarations"


def seed(database_url: str, entries: int, judges: int) -> list[str]:
    """A season whose first contest has `entries` submitted entries, each assigned to 3 of `judges`
    judges, its first round open; returns the judges' emails."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CONTEST_ENV": "development"})
    with app.app_context():
        now = utcnow()
        season = create_season(now.year, opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10),
                               fields=("Energy", "IT", "Agriculture"))
        contest = season.contests[0]
        password_hash = passwords().hash(PASSWORD)  # one hash, as in production: every sign-in checks it
        panel = [User(email=f"judge{n:02d}@load.uz", role=Role.JUDGE, full_name=f"Judge {n}",
                      password_hash=password_hash) for n in range(judges)]
        db.session.add_all(panel)
        db.session.add_all(ContestJudge(contest=contest, judge=judge, max_load=entries) for judge in panel)
        db.session.add(ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=1),
                                    closes_at=now + timedelta(days=10)))
        rng = random.Random(10)
        for n in range(entries):
            author = User(email=f"author{n}@load.uz", role=Role.PARTICIPANT, full_name=f"Author {n}",
                          category=Category.STUDENT,
                          organization="Toshkent davlat texnika universiteti", region="tashkent_city")
            entry = Entry(contest=contest, lead_author=author, field=rng.choice(contest.fields),
                          status=EntryStatus.SUBMITTED, submitted_at=now - timedelta(days=12),
                          summary="Qisqa mazmun " * 20, description="Batafsil tavsif " * 200)
            entry.set_title(f"Quyosh energiyasida ishlaydigan qurilma {n}")
            entry.authors.append(EntryAuthor.from_user(author, 0))
            db.session.add(entry)
            for k in range(SHEETS_PER_ENTRY):
                db.session.add(Assignment(judge=panel[(n + k * 17) % judges], entry=entry, round=1))
        db.session.commit()
        emails = [judge.email for judge in panel]
        db.session.remove()
        db.engine.dispose()
    return emails


@dataclass
class Tally:
    """Latencies (ms) per kind of request, and what went wrong, for one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, kind: str, call, expected: int):
        started = time.perf_counter()
        try:
            status, page = call()
        except OSError as error:
            status, page = None, repr(error)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed)
            if status != expected:
                self.errors.append(f"{kind}: {status} {page[:200]!r}")
        return status, page


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


class Judge:
    """One judge's browser: signs in once, then opens the queue, an entry, and submits a score, in turn."""

    ASSIGNMENT = re.compile(r'href="/judging/assignments/(\d+)"')
    CRITERION = re.compile(r'name="value_(\d+)"')
    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, url: str, email: str, rng: random.Random):
        self.browser, self.email, self.rng = Browser(url), email, rng

    def sign_in(self) -> None:
        token = self.browser.csrf_token("/auth/login")
        status, page = self.browser.post("/auth/login", {"csrf_token": token, "email": self.email,
                                                         "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{self.email} could not sign in: {status} {page[:300]}")

    def one_round(self, tally: Tally, pause: float, until: float) -> bool:
        """One queue, entry, score round, pausing after each request; False when the phase ends before a pause
        is over (or the queue is empty): the judge stops then, rather than asking for the queue again at once."""
        _status, queue = tally.timed("queue", lambda: self.browser.get("/judging/"), 200)
        assignments = self.ASSIGNMENT.findall(queue)
        if not assignments or time.monotonic() + pause >= until:
            return False
        time.sleep(pause)
        assignment = self.rng.choice(assignments)
        status, page = tally.timed("entry", lambda: self.browser.get(f"/judging/assignments/{assignment}"), 200)
        if time.monotonic() + pause >= until:
            return False
        time.sleep(pause)
        if status != 200:
            return True
        form = {"csrf_token": self.CSRF.search(page).group(1), "submit_scores": "Submit scores",
                "overall_comment": "Yaxshi ishlangan loyiha."}
        for criterion in self.CRITERION.findall(page):
            form[f"value_{criterion}"] = str(self.rng.randint(4, 10))
            form[f"comment_{criterion}"] = "Aniq va asosli."
        tally.timed("score", lambda: self.browser.post(f"/judging/assignments/{assignment}/scores", form), 302)
        time.sleep(pause)
        return True


def run_judges(judges: list[Judge], seconds: float, pause: float) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    until = started + seconds

    def work(judge: Judge) -> None:
        time.sleep(judge.rng.uniform(0, pause))  # paced judges do not all start in the same instant
        while time.monotonic() < until and judge.one_round(tally, pause, until):
            pass

    threads = [threading.Thread(target=work, args=(judge,)) for judge in judges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def run_bare(browsers: list[Browser], path: str, kind: str, seconds: float) -> tuple[Tally, float]:
    """Each browser asks for ``path`` with no pause until the time is up."""
    tally = Tally()
    started = time.monotonic()
    until = started + seconds

    def work(browser: Browser) -> None:
        while time.monotonic() < until:
            tally.timed(kind, lambda: browser.get(path), 200)

    threads = [threading.Thread(target=work, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def report(phase: str, tally: Tally, elapsed: float, kinds: tuple[str, ...]) -> tuple[float, float]:
    """Prints one line per kind and one for all of them; returns (p95 ms, rps) of all of them."""
    every = [value for kind in kinds for value in tally.latencies[kind]]
    for kind, values in [(kind, tally.latencies[kind]) for kind in kinds] + [("all", every)]:
        if len(kinds) == 1 and kind == "all":
            continue
        print(f"{phase:<11} {kind:<8} n={len(values):>6} p50_ms={percentile(values, 0.50):8.1f} "
              f"p95_ms={percentile(values, 0.95):8.1f} p99_ms={percentile(values, 0.99):8.1f} "
              f"rps={len(values) / elapsed:8.1f}")
    print(f"{phase:<11} errors={len(tally.errors)}" + "".join(f"\n    {error}" for error in tally.errors[:5]))
    return percentile(every, 0.95), len(every) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=600)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    arguments = parser.parse_args()

    with migrated_schema(POSTGRES_URL) as database_url, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        emails = seed(database_url, arguments.entries, arguments.judges)
        print(f"seeded {arguments.entries} entries, {arguments.judges} judges, "
              f"{arguments.entries * SHEETS_PER_ENTRY} assignments in {time.perf_counter() - started:.1f} s")
        environment = production_environment(database_url, REDIS_URL=REDIS_URL,
                                             CREDENTIAL_LIMIT_PER_ADDRESS="100000 per minute")
        workers = arguments.workers or _configured_workers()
        with gunicorn(Path(scratch), environment, workers=workers) as served:
            print(f"gunicorn: {workers} workers at {served.url}")
            judges = [Judge(served.url, email, random.Random(n)) for n, email in enumerate(emails)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=workers) as pool:  # a rush: one sign-in per worker at a time
                list(pool.map(Judge.sign_in, judges))  # a failed sign-in ends the run
            print(f"{len(judges)} judges signed in in {time.perf_counter() - started:.1f} s")

            bare_tally, bare_elapsed = run_bare([Browser(served.url) for _ in judges], "/healthz", "healthz",
                                                arguments.seconds)
            _p95, bare_rps = report("bare", bare_tally, bare_elapsed, ("healthz",))
            paced_tally, paced_elapsed = run_judges(judges, arguments.seconds, pause=1.0)
            paced_p95, _rps = report("paced", paced_tally, paced_elapsed, JUDGE_KINDS)
            saturated_tally, saturated_elapsed = run_judges(judges, arguments.seconds, pause=0.0)
            _p95, saturated_rps = report("saturation", saturated_tally, saturated_elapsed, JUDGE_KINDS)
            floor_tally, floor_elapsed = run_bare([judge.browser for judge in judges], FLOOR_PAGE, "floor",
                                                  arguments.seconds)
            _p95, floor_rps = report("floor", floor_tally, floor_elapsed, ("floor",))

    errors = sum(len(tally.errors) for tally in (bare_tally, paced_tally, saturated_tally, floor_tally))
    ratio = saturated_rps / bare_rps if bare_rps else 0.0
    floor_ratio = floor_rps / bare_rps if bare_rps else 0.0
    missed = [f"paced p95 {paced_p95:.0f} ms > {PACED_P95_MS} ms"] if paced_p95 > PACED_P95_MS else []
    missed += [f"{errors} errors"] if errors else []
    missed += [f"saturated judges at {ratio:.0%} of bare < {SATURATED_SHARE_OF_BARE:.0%}"] \
        if ratio < SATURATED_SHARE_OF_BARE else []
    for miss in missed:
        print(f"MISSED: {miss}")
    print(f"load: p95_ms={paced_p95:.1f} rps={saturated_rps:.1f} bare_rps={bare_rps:.1f} "
          f"ratio_to_bare={ratio:.2f} errors={errors} floor_ratio={floor_ratio:.2f}")
    return 1 if missed else 0


def _configured_workers() -> int:
    """The worker count gunicorn.conf.py gives this machine (WEB_CONCURRENCY or the CPU count)."""
    settings: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    return settings["workers"]


if __name__ == "__main__":
    sys.exit(main())
