"""Export benchmark: a 100 000-row ranking through the season workbook builder, against a
bare openpyxl write-only dump of the same cells, each in its own fresh process.

Run as ``python bench/export.py [ROWS]``. Seconds are wall time of building the workbook
(rows are generated lazily in both, the same way; CPU seconds are printed too, as the ratio of
wall times suffers on a shared machine); peak memory is the process's maximum
resident set size (ru_maxrss, includes the interpreter and openpyxl). The last line is
``export: seconds=... baseline_seconds=... ratio=... peak_mb=...``.
Targets: ratio <= 1.5, peak under 200 MB.
"""
from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONTESTS = ("The Best Idea", "The Best Project", "The Best Invention")
KEYS = ("contest", "rank", "entry", "score", "score_low", "score_high", "p_top", "judges")


def ranking(n: int):
    """Deterministic ranking rows, a few with text that a spreadsheet would take for a formula."""
    per = n // len(CONTESTS) + 1
    for i in range(n):
        c, rank = divmod(i, per)
        score = 95.0 - rank * 0.00071
        entry = f"=Solar dryer {i}" if i % 997 == 0 else f"Smart irrigation controller no. {i}"
        yield {"contest": CONTESTS[c], "rank": rank + 1, "entry": entry, "score": score,
               "score_low": score - 1.25, "score_high": score + 1.25,
               "p_top": 1.0 / (rank + 1), "judges": 5 + i % 3}


def run_project(n: int) -> bytes:
    from contest.excel import build_season_workbook
    return build_season_workbook({"title": "Season 2025", "budget": 15_000_000_000,
                                  "rankings": ranking(n)})


def run_baseline(n: int) -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    for title in ("Winners", "Internships", "Budget"):
        wb.create_sheet(title)
    ws = wb.create_sheet("Rankings")
    ws.append([k for k in KEYS])
    for row in ranking(n):
        ws.append([row[k] for k in KEYS])
    wb.create_sheet("Scores")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def one(mode: str, n: int) -> None:
    import openpyxl  # noqa: F401 - imported before the clock starts, in both modes
    if mode == "project":
        import contest.excel  # noqa: F401
    start, cpu = time.perf_counter(), time.process_time()
    data = (run_project if mode == "project" else run_baseline)(n)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "bytes": len(data)}))


def measure(mode: str, n: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", mode, str(n)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(sys.argv[2], int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    baseline = measure("baseline", n)
    project = measure("project", n)
    ratio = project["seconds"] / baseline["seconds"]
    print(f"rows={n}")
    for name, m in (("baseline", baseline), ("project", project)):
        print(f"{name}: seconds={m['seconds']:.2f} cpu_seconds={m['cpu']:.2f} "
              f"peak_mb={m['peak_mb']:.1f} bytes={m['bytes']}")
    print(f"cpu_ratio={project['cpu'] / baseline['cpu']:.2f} (less disturbed by other load)")
    print(f"export: seconds={project['seconds']:.2f} baseline_seconds={baseline['seconds']:.2f} "
          f"ratio={ratio:.2f} peak_mb={project['peak_mb']:.1f}")


if __name__ == "__main__":
    main()
