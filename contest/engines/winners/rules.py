"""The winners rule applied to a typed instance (see the package's docstring and docs/prizes.md)."""
from __future__ import annotations

from fractions import Fraction

from contest.engines.winners.model import Instance, Outcome, Selected, Skipped


def quotas(places: int, weights: list[int]) -> list[int]:
    """Largest remainder method: whole parts, then the largest remainders; exact arithmetic."""
    total = sum(weights)
    if places <= 0 or total <= 0:
        return [0] * len(weights)
    whole = [places * w // total for w in weights]
    remainders = [places * w % total for w in weights]  # numerators over `total`
    left = places - sum(whole)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:left]:
        whole[i] += 1
    return whole


def select(instance: Instance) -> Outcome:
    """Apply the rule to a well-formed instance (:mod:`.codec` checks one read from JSON)."""
    places, contests = instance.places, instance.contests
    weights = [c.entries if instance.share == "proportional" else 1 for c in contests]
    quota = quotas(places, weights)
    total = sum(weights)
    chosen: dict[int, dict] = {}
    reasons: dict[int, dict] = {}
    skipped: list[Skipped] = []
    unfilled: dict[int, int] = {}
    for position, (contest, q) in enumerate(zip(contests, quota)):
        left = q
        for row in contest.ranking:
            if left == 0:
                break
            new = tuple(a for a in row.authors if a not in chosen)
            if not new:
                continue
            if len(new) > left:
                skipped.append(Skipped(contest.id, row.entry, row.rank, len(new), left, new))
                continue
            passed = [{"entry_rank": s.entry_rank, "team": s.team, "left": s.left}
                      for s in skipped if s.contest == contest.id and s.entry_rank < row.rank]
            for person in new:
                left -= 1
                chosen[person] = {"person": person, "contest": contest.id, "entry": row.entry, "entry_rank": row.rank,
                                  "key": (row.rank, position, row.authors.index(person))}
                reasons[person] = {"code": "selected", "contest": contest.id, "entry_rank": row.rank,
                                   "place": q - left, "quota": q, "team": len(row.authors), "passed": passed}
        if left:
            unfilled[contest.id] = left
    for s in skipped:
        for person in s.authors:
            if person not in chosen:
                reasons[person] = {"code": "team_did_not_fit", "contest": s.contest, "entry_rank": s.entry_rank,
                                   "team": s.team, "left": s.left}
    order = sorted(chosen.values(), key=lambda w: w["key"])
    winners = [Selected(w["person"], w["contest"], w["entry"], w["entry_rank"], n)
               for n, w in enumerate(order, start=1)]
    shares = {c.id: Fraction(places * w, total) if total else Fraction(0) for c, w in zip(contests, weights)}
    return Outcome(places=places, share=instance.share, quotas={c.id: q for c, q in zip(contests, quota)},
                   shares=shares, winners=winners, skipped=skipped, unfilled=unfilled, reasons=reasons)
