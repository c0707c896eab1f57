"""How long the organizers' results page waits for a national-size ranking, cold and cached.

A contest of ENTRIES entries, JUDGES judges, 3 sheets an entry and a 4-criterion rubric goes
through the scoring engine once (what the first visit to the results page costs), then through
the service's cache (every later visit while no mark changes: hashing the input and a look-up).
Last line: ``rank: seconds=... cached_seconds=... entries=...``.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest.engines import scoring  # noqa: E402
from contest.services.results import RankingCache  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=7000, help="one contest's share of 20 000 entries")
    parser.add_argument("--judges", type=int, default=300)
    args = parser.parse_args()
    data = instance(args.entries, args.judges)
    cache = RankingCache()
    start = time.perf_counter()
    answer = cache.rank(data)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = cache.rank(data)
    warm = time.perf_counter() - start
    assert again is answer and len(answer["ranking"]) == args.entries
    start = time.perf_counter()
    scoring.inputs_hash(data)
    hashing = time.perf_counter() - start
    print(f"entries={args.entries} judges={args.judges} sheets={3 * args.entries} method={answer['method']}")
    print(f"cold ranking {cold:.2f} s; cached {warm:.3f} s (of which hashing the input {hashing:.3f} s)")
    print(f"rank: seconds={cold:.2f} cached_seconds={warm:.3f} entries={args.entries}")


if __name__ == "__main__":
    main()
