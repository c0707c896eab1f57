"""Why a season, a contest or a rubric cannot be changed as asked (contest.services.seasons)."""
from contest.catalogue import N_

MESSAGES = {
    "season_exists": N_("A season for %(year)s already exists."),
    "contest_window_inverted": N_("The window must close after it opens."),
    "entries_per_author_below_one": N_("Allow at least one entry per author."),
    "scale_top_not_above_bottom": N_("The top of the scale must be above its bottom."),
    "weight_not_positive": N_("A weight must be positive."),
    "rubric_frozen": N_("Scoring has started for %(contest)s: judges have already given marks against this rubric, so "
                        "changing it would make their scores incomparable."),
    "budget_negative": N_("The budget cannot be negative."),
    "field_names_too_many": N_("“%(line)s” has more than three names: write Uzbek | Russian | English."),
    "field_without_uzbek_name": N_("“%(line)s” has no Uzbek name: write it first, then the Russian and English."),
    "field_in_use": N_("The field “%(name)s” is used by %(n)s entries and cannot be removed."),
    "field_name_too_long": N_("The name “%(name)s” is longer than %(max)s characters."),
}
