"""Assignment benchmark: a national season of 20 000 entries and 1 000 judges, k = 3.

Run as ``python bench/assign.py``. The instance (8 fields, judges with one or two fields at
levels 1-3, 150 organizations, 1 % random conflicts plus every author-organization match) is
written to JSON and solved by the engine's own command line in a fresh process, so the time
includes start-up and JSON parsing and the peak memory (the child's ru_maxrss) includes the
solver's native memory. A greedy baseline (best free judge first, entry by entry) is run for
comparison. The last line is ``assign: seconds=... peak_mb=... gap=...``.
Target on the 2-core machine: proven optimal (gap <= 1e-6) in at most 5 s and 1 GB.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["energy", "water", "ict", "transport", "agro", "chemistry", "mining", "construction"]


def season(n_entries=20_000, n_judges=1_000, n_orgs=150, seed=2024) -> dict:
    """A seeded national-size instance in the engine's input format."""
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.full(len(FIELDS), 3.0))
    orgs = [f"org{i:03d}" for i in range(n_orgs)]
    entries = []
    for i in range(n_entries):
        authors = rng.choice(n_orgs, size=int(rng.integers(1, 3)), replace=False)
        entries.append({"id": f"e{i:05d}", "field": FIELDS[rng.choice(len(FIELDS), p=popularity)],
                        "organization": [orgs[a] for a in authors]})
    judges = []
    for i in range(n_judges):
        fields = {FIELDS[rng.choice(len(FIELDS), p=popularity)]: int(rng.integers(1, 4))}
        if rng.random() < 0.3:
            fields.setdefault(FIELDS[rng.integers(len(FIELDS))], int(rng.integers(1, 3)))
        judge = {"id": f"j{i:04d}", "fields": fields, "organization": orgs[rng.integers(n_orgs)]}
        if rng.random() < 0.1:
            judge["max_load"] = 40
        judges.append(judge)
    n_conflicts = n_entries * n_judges // 100
    cj = rng.integers(n_judges, size=n_conflicts)
    ce = rng.integers(n_entries, size=n_conflicts)
    conflicts = [[f"j{a:04d}", f"e{b:05d}"] for a, b in zip(cj.tolist(), ce.tolist())]
    return {"k": 3, "min_load": 10, "max_load": 80, "entries": entries, "judges": judges,
            "conflicts": conflicts}


def greedy(inst: dict) -> dict:
    """Entry by entry, the k judges of highest affinity who are free, not conflicted, with room."""
    judges, entries = inst["judges"], inst["entries"]
    j_index = {j["id"]: i for i, j in enumerate(judges)}
    level = {f: np.array([float(j["fields"].get(f, 0)) for j in judges]) for f in FIELDS}
    cap = np.array([j.get("max_load", inst["max_load"]) for j in judges])
    org = {}
    for i, j in enumerate(judges):
        org.setdefault(j["organization"], []).append(i)
    blocked: dict[str, list[int]] = {}
    for j, e in inst["conflicts"]:
        blocked.setdefault(e, []).append(j_index[j])
    load = np.zeros(len(judges), dtype=np.int64)
    ids = np.arange(len(judges))
    total, short, weakest = 0.0, 0, []
    for entry in entries:
        free = load < cap
        free[blocked.get(entry["id"], [])] = False
        for o in entry["organization"]:
            free[org.get(o, [])] = False
        aff = level[entry["field"]]
        cand = ids[free]
        pick = cand[np.lexsort((cand, load[cand], -aff[cand]))][:inst["k"]]
        load[pick] += 1
        total += float(aff[pick].sum())
        short += inst["k"] - len(pick)
        weakest.append(float(aff[pick].min()) if len(pick) else 0.0)
    return {"objective": total, "unfilled": short,
            "below_min_load": int((load < inst["min_load"]).sum()),
            "without_expert": int(sum(1 for w in weakest if w == 0))}


def main() -> None:
    t0 = time.perf_counter()
    inst = season()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "season.json"
        path.write_text(json.dumps(inst), encoding="utf-8")
        build = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        t1 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "contest.engines.assignment", str(path)],
                              cwd=ROOT, check=False, capture_output=True, text=True)
        seconds = time.perf_counter() - t1
    if done.returncode != 0:
        sys.exit(f"engine failed ({done.returncode}): {done.stdout[:500]} {done.stderr[-2000:]}")
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = child.ru_maxrss / 1024
    cpu = child.ru_utime + child.ru_stime  # less sensitive than wall time to a busy machine
    out = json.loads(done.stdout)
    stats = out["stats"]
    print(f"instance: {len(inst['entries'])} entries, {len(inst['judges'])} judges, "
          f"k={inst['k']}, {len(FIELDS)} fields, {len(inst['conflicts'])} random conflicts "
          f"+ organization conflicts, JSON {size_mb:.1f} MB, built in {build:.2f} s")
    print(f"engine:   status={out['status']} method={stats['method']} "
          f"objective={out['objective']:.6f} bound={out['bound']:.6f} gap={out['gap']:.3g} "
          f"components={out['components']}")
    print(f"          mean affinity={stats['mean_affinity']:.4f} weakest={stats['weakest_affinity']} "
          f"without expert={stats['entries_without_expert_count']} "
          f"conflicts avoided={stats['conflicts_avoided']} loads={stats['load_histogram'][0][0]}"
          f"..{stats['load_histogram'][-1][0]}")
    print(f"          wall {seconds:.2f} s (fresh process: start-up, JSON in and out, solve), "
          f"CPU {cpu:.2f} s, peak RSS {peak_mb:.0f} MB")
    t2 = time.perf_counter()
    base = greedy(inst)
    print(f"greedy:   objective={base['objective']:.6f} ({base['objective'] / out['bound']:.2%} "
          f"of the bound, gap={out['bound'] - base['objective']:.6g}), unfilled slots="
          f"{base['unfilled']}, judges below min_load={base['below_min_load']}, "
          f"entries without expert={base['without_expert']}, {time.perf_counter() - t2:.2f} s")
    print(f"assign: seconds={seconds:.2f} peak_mb={peak_mb:.0f} gap={out['gap']:.3g}")


if __name__ == "__main__":
    main()
