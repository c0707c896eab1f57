"""What the prize services refuse."""
from __future__ import annotations

class PrizeError(ValueError):
    """A change the rules refuse, or an allocation that cannot be computed; names every problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))

