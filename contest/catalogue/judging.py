"""Why a judge's score sheet, ballot or declared conflict is refused (contest.services.judging).

The English is the sheet's wording as judges have always read it; numbers are written by the
presenter, so every parameter is a ``%(name)s``.
"""
from contest.catalogue import N_

MESSAGES = {
    # the round's window
    "round_dates_unset": N_("Scoring is not open: no dates are set yet for round %(n)s of this contest."),
    "round_not_open_yet": N_("Scoring is not open yet: round %(n)s opens on %(date)s."),
    "round_closed": N_("Round %(n)s closed on %(date)s; the scores are final and can no longer be changed."),
    "sheet_gone": N_("This entry is no longer in your queue."),
    # the score sheet
    "final_round_is_a_ballot": N_("The final round is judged on a ranking ballot, not on the rubric."),
    "rubric_missing": N_("This contest has no rubric yet, so there is nothing to submit."),
    "criteria_unscored": N_("Every criterion needs a score before the sheet can be submitted."),
    "scores_to_correct": N_("Some scores need correcting."),
    "score_missing": N_("Give a score from %(min)s to %(max)s."),
    "score_needed_for_comment": N_("Give a score too, so that the comment can be kept."),
    "score_not_a_number": N_("Type a number, such as 7 or 7.5."),
    "score_off_scale": N_("The score must be from %(min)s to %(max)s."),
    "score_too_precise": N_("Use at most two decimal places."),
    # the final round's ballot
    "no_finalists": N_("You have no finalists to rank."),
    "ballot_incomplete": N_("Every finalist needs its own place from 1 to %(n)s before the ballot can be submitted."),
    "places_to_correct": N_("Some places need correcting."),
    "place_missing": N_("Give this finalist a place from 1 to %(n)s."),
    "place_not_whole": N_("Type a whole number from 1 to %(n)s."),
    "place_repeated": N_("Place %(p)s is given to more than one finalist; use each place once."),
    # a conflict declared on an entry
    "conflict_reason_missing": N_("Say why you cannot judge this entry."),
    "conflict_after_close": N_("Round %(n)s has closed, so the scores can no longer change. "
                               "Please tell the organizers about the conflict."),
}
