"""Prizes: the catalogue, who wins an internship, their preferences, and the allocation.

Winners are recomputed from the latest published rankings (the winners engine); the money is
shared by the allocation engine. Nothing derived is stored, except a committed
:class:`AllocationSnapshot`, which keeps both engines' exact inputs and answers with the names
as they were, so a published prize list can be reproduced. Functions flush; views commit.

One module per job: ``seed`` (the catalogue a season starts with), ``catalogue`` (editing it),
``selection`` (who wins), ``preferences`` (winners' countries), ``allocation`` (computed,
committed, and what a winner sees), ``names`` (names and explanations in the reader's
language), ``refusals``.
"""
from contest.services.prizes.allocation import (
    AllocationOutcome,
    Change,
    Internship,
    MyPrize,
    PrizeState,
    Winnings,
    apply_change,
    commit,
    commit_outcome,
    compute,
    explain_state,
    my_prize,
    winnings,
)
from contest.services.prizes.catalogue import (
    CountryRow,
    PrizeRow,
    add_country,
    catalogue,
    countries,
    country_shown,
    fixed_prizes,
    prize_shown,
    remove_country,
    save_catalogue,
    settings_shown,
)
from contest.services.prizes.names import (
    COUNTRY_NAMES,
    Explained,
    allocation_text,
    country_name,
    country_names,
    explain,
    prize_name,
    selection_text,
)
from contest.services.prizes.preferences import preferences, set_preferences
from contest.services.prizes.refusals import PrizeError
from contest.services.prizes.seed import CAR_COST, DEFAULT_COUNTRIES, INTERNSHIP_PLACES, create_catalogue
from contest.services.prizes.selection import Person, Selection, person_key, select_winners

__all__ = [
    "CAR_COST", "COUNTRY_NAMES", "DEFAULT_COUNTRIES", "INTERNSHIP_PLACES", "AllocationOutcome", "Change", "CountryRow",
    "Explained", "Internship", "MyPrize", "Person", "PrizeError", "PrizeRow", "PrizeState", "Selection", "Winnings",
    "add_country", "allocation_text", "apply_change", "catalogue", "commit", "commit_outcome", "compute", "countries",
    "country_name", "country_names", "country_shown", "create_catalogue", "explain", "explain_state", "fixed_prizes",
    "my_prize", "person_key", "preferences", "prize_name", "prize_shown", "remove_country", "save_catalogue",
    "select_winners", "selection_text", "set_preferences", "settings_shown", "winnings",
]
