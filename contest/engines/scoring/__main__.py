"""``python -m contest.engines.scoring IN.json``: the ranking of docs/scoring.md as JSON."""
from contest.engines.cli import exit_with
from contest.engines.scoring import rank

exit_with(rank)
