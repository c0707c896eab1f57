"""The scoring engine's problems, warnings and outlier reasons, worded once.

The English is the engine's own, word for word: stored rankings and published versions carry it
(``problems``, ``warnings``, ``outlier_reasons``), and ``flask results verify`` compares it. Ids
are the engine's (an organizer's page writes them as entry codes, judges' names and criteria's
names); ``reasons`` is a list of the codes marked B below, each rendered and joined by "; ".
contest/engines/scoring/messages.py lists every code with its parameters.
"""
from __future__ import annotations

from contest.catalogue import N_, NP_


ENGINE = {
    # problems: marks and sheets
    "id_invalid": N_("%(list)s[%(index)s]: not an id: %(given)s"),
    "mark_not_object": N_("scores[%(index)s]: must be an object"),
    "mark_without_ids": N_("scores[%(index)s]: entry and judge must be non-empty ids; mark ignored"),
    "mark_round_invalid": N_("scores[%(index)s]: judge %(judge)s, entry %(entry)s: round must be 1 or 2, got "
                             "%(given)s; mark ignored"),
    "criterion_unknown": N_("judge %(judge)s, entry %(entry)s, round %(round)s: unknown criterion %(given)s; "
                            "mark ignored"),
    "value_not_number": N_("judge %(judge)s, entry %(entry)s, round %(round)s: criterion %(criterion)s: value "
                           "%(given)s is not a number; sheet dropped"),
    "value_off_scale": N_("judge %(judge)s, entry %(entry)s, round %(round)s: criterion %(criterion)s: value "
                          "%(value)s is outside its scale %(min)s..%(max)s; sheet dropped"),
    "marked_twice_same": N_("judge %(judge)s, entry %(entry)s, round %(round)s: criterion %(criterion)s marked "
                            "twice with the same value; counted once"),
    "marked_twice_different": N_("judge %(judge)s, entry %(entry)s, round %(round)s: criterion %(criterion)s "
                                 "marked twice with different values (%(first)s and %(second)s); sheet dropped"),
    "sheet_incomplete": N_("judge %(judge)s, entry %(entry)s, round %(round)s: no mark for criterion "
                           "%(criteria)s; sheet dropped"),
    "judge_sheets_dropped": N_("judge %(judge)s has no usable sheet (all dropped)"),
    "judge_scored_nothing": N_("judge %(judge)s scored nothing"),
    "entry_unranked": N_("entry %(entry)s has no usable sheet; not ranked"),
    "ballot_entry_unranked": N_("entry %(entry)s is on the ballots but has no usable round-1 sheet; not ranked"),
    "nothing_to_rank": N_("no usable score sheet: nothing to rank"),
    # problems: ballots
    "ballot_not_object": N_("ballots[%(index)s]: must be an object"),
    "ballot_without_ids": N_("ballots[%(index)s]: entry and judge must be non-empty ids; position ignored"),
    "ballot_round_invalid": N_("ballots[%(index)s]: judge %(judge)s, entry %(entry)s: ballots belong to round 2, "
                               "got round %(given)s; position ignored"),
    "ballot_position_invalid": N_("ballot of judge %(judge)s: entry %(entry)s: position must be a whole number "
                                  "from 1, got %(given)s; ballot dropped"),
    "ballot_placed_twice_same": N_("ballot of judge %(judge)s: entry %(entry)s placed twice at the same position; "
                                   "counted once"),
    "ballot_dropped": N_("ballot of judge %(judge)s: %(reasons)s; ballot dropped"),
    # why a ballot is dropped (B)
    "position_not_whole": N_("a position is not a whole number from 1"),
    "placed_more_than_once": N_("entry %(entry)s placed more than once (%(positions)s)"),
    "not_finalists": N_("not a finalist: %(entries)s"),
    "finalists_missing": N_("finalist not placed: %(entries)s"),
    "position_shared": N_("position %(position)s given to %(entries)s"),
    "position_beyond": N_("position %(position)s is beyond the %(finalists)s finalists"),
    # warnings
    "components": N_("the judge-entry graph has %(components)s separate pieces (entries per piece: %(sizes)s): "
                     "scores are not comparable across pieces"),
    "no_extra_review": N_("extra_load allows no extra review: no finalist round proposed"),
    "panel_unaffordable": N_("extra_load allows %(budget)s extra reviews, fewer than %(finalists)s finalists ranked "
                             "by a panel of %(panel)s judges need: no finalist round proposed"),
    "no_valid_ballot": N_("no valid ballot: the final round is ranked from round-2 marks, if any"),
    # outlier reasons
    "low_agreement": N_("low agreement with the other judges"),
    "noisy": N_("noisy marks"),
    "lenient": N_("much more lenient than the others"),
    "harsh": N_("much harsher than the others"),
    "compressed": N_("marks compressed: hardly separates entries"),
    "stretched": N_("marks stretched far more than the others'"),
}

# A results page counts the most frequent problems in one line each, naming the first few.
COUNTED = {
    "entries_unranked_counted": NP_("%(num)s submitted entry has no complete score sheet yet, so it is not ranked: "
                                    "%(entries)s.",
                                    "%(num)s submitted entries have no complete score sheet yet, so they are not "
                                    "ranked: %(entries)s.", "count"),
    "judges_silent_counted": NP_("%(num)s judge of the panel has submitted no score sheet yet: %(judges)s.",
                                 "%(num)s judges of the panel have submitted no score sheet yet: %(judges)s.",
                                 "count"),
    "names_and_more": NP_("%(names)s and %(num)s more", "%(names)s and %(num)s more", "count"),
}

# Why a ranking cannot be shown or published now (the results service's refusals).
REFUSALS = {
    "ranking_identical": N_("This ranking is identical to version %(n)s, the latest published: publishing it again "
                            "makes no new version."),
    "ranking_not_current": N_("The marks changed since this ranking was computed, and it is being recomputed: "
                              "publish it once it is current."),
    "ranking_pending": N_("This contest is large: its ranking is computed in the background and is not ready yet."),
    "nothing_scored_yet": N_("There are no submitted scores to rank yet."),
    "engine_problem_text": N_("The scoring engine said: %(text)s"),
}

# Why an instance cannot be read at all (the InputError of the codec and of rank); the CLI prints them.
INPUT = {
    "instance_not_object": N_("the instance must be a JSON object"),
    "version_unknown": N_("version: must be one of %(versions)s, got %(given)s"),
    "entry_not_ranked": N_("entry %(entry)s is not ranked"),
    "no_round_one_sheets": N_("there are no usable round-1 sheets to plan from"),
    "criteria_not_list": N_("criteria: must be a non-empty list of {id, weight, min, max}"),
    "criteria_item_not_object": N_("criteria[%(index)s]: must be an object"),
    "criteria_item_without_id": N_("criteria[%(index)s]: id must be a non-empty string"),
    "criterion_duplicate": N_("criterion %(criterion)s: duplicate id"),
    "criterion_weight_invalid": N_("criterion %(criterion)s: weight must be a positive number, got %(given)s"),
    "criterion_bounds_not_numbers": N_("criterion %(criterion)s: min and max must be numbers, got %(low)s and "
                                       "%(high)s"),
    "criterion_bounds_reversed": N_("criterion %(criterion)s: min (%(low)s) must be below max (%(high)s)"),
    "scores_not_list": N_("scores: must be a list of {entry, judge, criterion, value, round}"),
    "method_unknown": N_("method: must be one of %(methods)s, got %(given)s"),
    "prize_zone_invalid": N_("prize_zone: must be a positive integer, got %(given)s"),
    "final_round_not_object": N_('final_round: must be an object like {"extra_load": 0.1}'),
    "extra_load_invalid": N_("final_round.extra_load: must be a number >= 0, got %(given)s"),
    "ids_not_list": N_("%(list)s: must be a list of ids"),
    "ballots_not_list": N_("ballots: must be a list of {judge, entry, position}"),
    "finalists_invalid": N_("final_round.finalists: must be a list of entry ids"),
    "given_invalid": N_("final_round.given: must map judge ids to lists of entry ids"),
}

MESSAGES = {**ENGINE, **COUNTED, **REFUSALS, **INPUT}
