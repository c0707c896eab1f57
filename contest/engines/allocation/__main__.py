"""``python -m contest.engines.allocation IN.json``: the JSON answer on stdout (docs/allocation.md)."""
from contest.engines.allocation.codec import solve
from contest.engines.cli import exit_with

exit_with(solve)
