"""``python -m contest.engines.winners IN.json``: the JSON answer on stdout (docs/prizes.md)."""
from contest.engines.cli import exit_with
from contest.engines.winners.codec import solve

exit_with(solve)
