"""What the prize services refuse (``contest.services.prizes.PrizeError``), worded once.

Sums in these messages are written when the refusal is raised (``contest.money.soums``: the
same in every language).
"""
from __future__ import annotations

from contest.catalogue import N_

MESSAGES = {
    "prize_places_negative": N_("The number of internship places cannot be negative."),
    "prize_share_rule_unknown": N_("Choose how the places are shared between the contests."),
    "prize_needs_name": N_("Every prize needs a name."),
    "prize_country_places_negative": N_("%(country)s: the number of places cannot be negative."),
    "prize_country_needs_name": N_("Every country needs a name."),
    "prize_cost_missing": N_("%(what)s: give the cost in whole soums."),
    "prize_cost_negative": N_("%(what)s: a cost cannot be negative."),
    "prize_country_code_and_name": N_("Give the country a code and a name."),
    "prize_country_code_taken": N_("A country with the code %(code)s is already in the catalogue."),
    "prize_fixed_over_budget": N_("The fixed prizes cost %(fixed)s, more than the season's budget of %(budget)s."),
    "preferences_closed": N_("Preferences are closed: the deadline has passed or is not set yet."),
    "preference_unknown_country": N_("%(code)s is not a country of this season's internships."),
    "preference_country_twice": N_("Name each country once."),
    "what_if_target_missing": N_("Choose a country or a prize to change."),
    "what_if_cost_negative": N_("A cost cannot be negative."),
    "what_if_places_negative": N_("The number of places cannot be negative."),
    "what_if_prize_places": N_("A fixed prize has no places; change only its cost."),
    "allocation_budget_below_fixed": N_("The season's budget is smaller than the fixed prizes (%(detail)s); raise "
                                        "the budget or lower the prizes' costs."),
}
