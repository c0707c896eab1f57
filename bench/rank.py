"""How long and how much memory one national-size ranking takes, cold, in a fresh process.

A contest of ENTRIES entries, JUDGES judges, 3 sheets an entry and a 4-criterion rubric is built
and ranked once by the scoring engine in a child process, first as the typed input a service
hands over (one line), then as the JSON instance of the command line (the figures below it):
what the first ranking after a change of marks costs a worker. The child reports the ranking's
CPU and wall seconds and its peak resident memory (``ru_maxrss`` of the child: everything it
ever held, the instance's Python objects included, so nothing allocated outside Python's view is
missed). The child runs BLAS on
one thread, as the workers of a shared machine should.

Targets (issue 13): at most MAX_SECONDS wall and MAX_PEAK_MB peak; the exit status is 1 when
either is missed. Last line: ``rank: seconds=... cpu_seconds=... peak_mb=... entries=...``.

    python bench/rank.py [--entries 20000] [--judges 600]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 2.0
MAX_PEAK_MB = 400.0


def instance(entries: int, judges: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    criteria = [{"id": f"c{i}", "weight": 0.25, "min": 1, "max": 10} for i in range(4)]
    leniency = [rng.gauss(0, 0.8) for _ in range(judges)]
    scores = []
    for e in range(entries):
        quality = rng.gauss(6, 1.5)
        for k in range(3):
            j = (e * 7 + k * 13) % judges
            for c in criteria:
                value = min(10, max(1, round(quality + leniency[j] + rng.gauss(0, 0.9))))
                scores.append({"entry": f"e{e}", "judge": f"j{j}", "criterion": c["id"], "value": value})
    return {"criteria": criteria, "scores": scores}


def typed(data: dict):
    """The same contest as the typed input a service builds from its rows (integer ids)."""
    from contest.engines import scoring

    marks = data["scores"]
    return scoring.ScoringInput(
        tuple(scoring.Criterion(k, c["weight"], c["min"], c["max"]) for k, c in enumerate(data["criteria"])),
        scoring.MarkTable.of([int(m["entry"][1:]) for m in marks], [int(m["judge"][1:]) for m in marks],
                             [int(m["criterion"][1:]) for m in marks], [m["value"] for m in marks], [1] * len(marks),
                             [True] * len(marks)))


def child(entries: int, judges: int, face: str) -> None:
    """Build the instance, rank it once, print the figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from contest.engines import scoring

    data = instance(entries, judges)
    if face == "typed":
        data = typed(data)
    built_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu, wall = time.process_time(), time.perf_counter()
    answer = scoring.rank(data) if face == "json" else scoring.codec.write_result(scoring.rank_input(data))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert len(answer["ranking"]) == entries
    start = time.process_time()
    scoring.inputs_hash(data) if face == "json" else scoring.codec.input_hash(data)
    hashing = time.process_time() - start
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "hashing_seconds": hashing, "built_mb": built_mb,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "method": answer["method"], "version": answer["engine_version"],
                      "contenders": sum(row["p_top"] > 0 for row in answer["ranking"])}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--judges", type=int, default=600)
    parser.add_argument("--child", choices=("json", "typed"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.entries, args.judges, args.child)
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

    def run(face: str) -> dict:
        done = subprocess.run([sys.executable, __file__, "--child", face, "--entries", str(args.entries),
                               "--judges", str(args.judges)], env=env, capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    service = run("typed")
    print(f"typed input, as the results service hands it over: {service['cpu_seconds']:.2f} s CPU, "
          f"peak {service['peak_mb']:.0f} MB (built {service['built_mb']:.0f} MB)")
    found = run("json")
    print(f"entries={args.entries} judges={args.judges} sheets={3 * args.entries} method={found['method']} "
          f"engine_version={found['version']}")
    load = os.getloadavg()[0]
    print(f"cold ranking in a fresh process: {found['seconds']:.2f} s wall, {found['cpu_seconds']:.2f} s CPU "
          f"(of which hashing the input about {found['hashing_seconds']:.2f} s CPU); "
          f"{found['contenders']} entries with a chance of the prize zone")
    print(f"peak memory (ru_maxrss of the process) {found['peak_mb']:.0f} MB, of which the instance's Python "
          f"objects and the interpreter {found['built_mb']:.0f} MB")
    print(f"machine: load average {load:.1f} over {os.cpu_count()} CPUs"
          + ("; the wall time is inflated by other work, the CPU seconds less so" if load > os.cpu_count() else ""))
    missed = [f"{name} {value:.2f} > {limit}" for name, value, limit in (
        ("seconds", found["seconds"], MAX_SECONDS), ("peak_mb", found["peak_mb"], MAX_PEAK_MB)) if value > limit]
    if missed:
        print("target missed: " + "; ".join(missed))
    print(f"rank: seconds={found['seconds']:.2f} cpu_seconds={found['cpu_seconds']:.2f} "
          f"peak_mb={found['peak_mb']:.0f} entries={args.entries}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
