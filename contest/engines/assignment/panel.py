"""The finalist round's common panel: one panel of judges for every finalist (docs/assignment.md)."""
from __future__ import annotations


def common_panel(candidates: list[str], size: int, finalists: list[str], conflicts, serving=None) -> dict:
    """One panel of judges for every finalist of the final round, so their places compare directly.

    ``candidates`` come in order of preference (the scoring engine's ``panel_candidates``, most
    precise first). A candidate not in ``serving`` (left the contest) is passed over; so is a
    candidate conflicted with any finalist while enough unconflicted candidates remain. When too
    few remain, the least-conflicted of the others take the last seats (ties by preference) and
    only their conflicted pairs are left out: that judge does not see that finalist, and everyone
    else still has the whole panel.

    ``conflicts`` is an iterable of (judge, entry) pairs. Returns ``panel`` (in preference
    order), ``passed_over`` (``{"judge", "reason": "not_serving" | "conflicted", "entries"}`` in
    preference order), ``left_out`` ([judge, entry] pairs) and ``short`` (seats nobody could fill).
    """
    finalist_set = set(finalists)
    conflicted: dict[str, set[str]] = {}
    for judge, entry in conflicts:
        if entry in finalist_set:
            conflicted.setdefault(judge, set()).add(entry)
    ordered = list(dict.fromkeys(candidates))
    able = [j for j in ordered if serving is None or j in serving]
    free = [j for j in able if j not in conflicted]
    seats = max(size, 0)
    panel = free[:seats]
    if len(panel) < seats:
        rest = sorted((j for j in able if j in conflicted), key=lambda j: len(conflicted[j]))
        panel += rest[: seats - len(panel)]
    chosen = set(panel)
    panel = [j for j in ordered if j in chosen]
    # Everyone the plain order of preference would have seated before the last seat taken.
    last = len(ordered) if len(panel) < seats else (ordered.index(panel[-1]) + 1 if panel else 0)
    passed_over = [
        {"judge": j, "reason": "not_serving" if serving is not None and j not in serving else "conflicted",
         "entries": sorted(conflicted.get(j, ()))}
        for j in ordered[:last] if j not in chosen
    ]
    left_out = [[j, e] for j in panel for e in sorted(conflicted.get(j, ()))]
    return {"panel": panel, "passed_over": passed_over, "left_out": left_out, "short": seats - len(panel)}

