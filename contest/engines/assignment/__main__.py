"""``python -m contest.engines.assignment IN.json``: the answer as JSON (docs/assignment.md)."""
from contest.engines.assignment.codec import solve
from contest.engines.cli import exit_with

exit_with(solve)
