"""Allocation benchmark: a season of 1 000 ranked winners competing for 8 countries.

Run as ``python bench/allocate.py``; the last line is ``allocate: seconds=... cpu_seconds=...``
(the medians of three runs of the engine on the same seeded instance, wall and processor time;
the machine is shared, so the processor time is the steadier figure). Target: at most 1 s.
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contest.engines.allocation import Country, FixedCost, Instance, Winner, allocate

# Price per person (soums) and places; popular places are scarce, so many compete for them.
COUNTRIES = [
    ("DE", "Germany", 95_000_000, 30, 10),
    ("JP", "Japan", 130_000_000, 15, 9),
    ("KR", "South Korea", 110_000_000, 15, 7),
    ("SG", "Singapore", 120_000_000, 10, 6),
    ("IT", "Italy", 90_000_000, 20, 5),
    ("CN", "China", 70_000_000, 25, 4),
    ("TR", "Turkey", 45_000_000, 25, 3),
    ("RU", "Russia", 55_000_000, 30, 2),
]
CARS = tuple(FixedCost(n, 450_000_000) for n in range(3))  # idea, project, invention


def season(n: int = 1000, seed: int = 2024):
    rnd = random.Random(seed)
    countries = tuple(Country(n, cost, cap) for n, (_cid, _name, cost, cap, _) in enumerate(COUNTRIES))
    weights = {n: w for n, (_, _, _, _, w) in enumerate(COUNTRIES)}
    winners = []
    for rank in range(1, n + 1):
        pool = list(weights)
        prefs = []
        for _ in range(rnd.randint(1, len(pool))):  # popularity-weighted order, 1..8 accepted
            pick = rnd.choices(pool, [weights[c] for c in pool])[0]
            pool.remove(pick)
            prefs.append(pick)
        winners.append(Winner(rank, rank, tuple(prefs)))
    return Instance(15_000_000_000, CARS, countries, tuple(winners))


def main() -> None:
    instance = season()
    runs, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = allocate(instance)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    moved = sum(reason["code"] != "first_choice" for reason in result.reasons.values())
    print(f"winners=1000 countries=8 funded={len(result.awards)} unfunded={len(result.unfunded)} "
          f"with_shortfall={len(result.shortfall)} not_first_choice_or_unfunded={moved}")
    print(f"spent={result.spent} remaining={result.remaining}")
    print("runs: " + " ".join(f"{r:.3f}" for r in runs))
    print(f"allocate: seconds={statistics.median(runs):.3f} cpu_seconds={statistics.median(cpu):.3f}")


if __name__ == "__main__":
    main()
