"""What the prize services refuse."""
from __future__ import annotations

from contest.catalogue import Refusal
from contest.i18n import say


class PrizeError(Refusal):
    """A change the prize rules refuse, or an allocation that cannot be computed: one or more
    codes of ``contest/catalogue/prizes.py``, every problem named."""

    @property
    def problems(self) -> list[str]:
        """Each problem in the reader's language, as the pages list them."""
        return [say(message) for message in self.messages]
