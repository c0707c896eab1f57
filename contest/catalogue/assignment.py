"""The assignment engine's problems and warnings, worded once (docs/assignment.md, *Problems and warnings*).

The engine answers with its documented codes (``capacity``, ``entry_short``, ...) and their
parameters; :func:`sentence` turns one into the catalogue message that words it, choosing the
wording its parameters need (a locked count or none, eligible judges named or not, a list cut
short with "and N more") with those parts as messages of their own. The English is the command
line's, word for word (``problems`` and ``warnings`` of its answer). :func:`presenter` writes the
parameters: ids through the caller's labels (the web: entry codes and judges' names), and the
inner messages in the same language.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contest.catalogue import N_, NP_, Message, Presenter, plain

MAX_LISTED = 8  # ids a message names before "and N more" (the engine lists at most this many)

#: The parameters that hold ids, and whose: what a label writes and the JSON names.
ID_PARAMS = {"judge": "judge", "entry": "entry", "judges": "judge", "entries": "entry", "eligible": "judge"}

MESSAGES = {
    "assignment_key_ignored": N_("unknown key %(key)s ignored"),
    "entry_above_active_judges": NP_("entry %(entry)s needs k=%(k)s judges but only %(possible)s active judges exist",
                                     "entry %(entry)s needs k=%(k)s judges but only %(possible)s active judges exist",
                                     "possible"),
    "entry_above_listed_judges": NP_(
        "entry %(entry)s needs k=%(k)s judges but only %(possible)s active judges listed for it in 'affinity' exist",
        "entry %(entry)s needs k=%(k)s judges but only %(possible)s active judges listed for it in 'affinity' exist",
        "possible"),
    "locked_inactive_released": N_("locked pair [%(judge)s, %(entry)s] released: judge %(judge)s is no longer "
                                   "active, so %(entry)s gets another judge in their place"),
    "locked_conflict_released": N_("locked pair [%(judge)s, %(entry)s] released: it is now a conflict, so "
                                   "%(entry)s gets another judge and %(judge)s's scores for it need review"),
    "locked_kept_unlisted": N_("locked pair [%(judge)s, %(entry)s] is not listed in 'affinity'; it is kept with "
                               "affinity 0"),
    "entry_keeps_locked": NP_("entry %(entry)s keeps %(locked)s locked judges, more than k=%(k)s; all are kept and "
                              "none is added",
                              "entry %(entry)s keeps %(locked)s locked judges, more than k=%(k)s; all are kept and "
                              "none is added", "locked"),
    "judge_keeps_locked": NP_("judge %(judge)s keeps %(locked)s locked entries, more than max_load=%(max_load)s; all "
                              "are kept and none is added",
                              "judge %(judge)s keeps %(locked)s locked entries, more than max_load=%(max_load)s; all "
                              "are kept and none is added", "locked"),
    "judges_linked_by_swaps": NP_("%(swaps)s swap(s) made to link the judges into one calibration graph",
                                  "%(swaps)s swap(s) made to link the judges into one calibration graph", "swaps"),
    "judging_graph_in_pieces": NP_(
        "the judge-entry graph has %(components)s separate components; scores cannot be calibrated across them "
        "(raise 'connect_tolerance' to trade affinity for links)",
        "the judge-entry graph has %(components)s separate components; scores cannot be calibrated across them "
        "(raise 'connect_tolerance' to trade affinity for links)", "components"),
    "judges_lack_room": NP_("the judges can take at most %(room)s more assignments in total, but the entries need "
                            "%(need)s",
                            "the judges can take at most %(room)s more assignments in total, but the entries need "
                            "%(need)s", "room"),
    "min_loads_above_need": NP_("the judges' minimum loads need %(must)s more assignments in total, but the entries "
                                "need only %(need)s",
                                "the judges' minimum loads need %(must)s more assignments in total, but the entries "
                                "need only %(need)s", "must"),
    "entry_lacks_judges": NP_("entry %(entry)s needs %(more)s more judges but only %(eligible)s",
                              "entry %(entry)s needs %(more)s more judges but only %(eligible)s", "more"),
    "entry_lacks_judges_besides_locked": NP_(
        "entry %(entry)s needs %(more)s more judges besides its %(locked)s locked but only %(eligible)s",
        "entry %(entry)s needs %(more)s more judges besides its %(locked)s locked but only %(eligible)s", "more"),
    "eligible_judges_remain": NP_("%(eligible_count)s eligible judges remain",
                                  "%(eligible_count)s eligible judges remain", "eligible_count"),
    "eligible_judges_remain_named": NP_("%(eligible_count)s eligible judges remain (%(eligible)s)",
                                        "%(eligible_count)s eligible judges remain (%(eligible)s)", "eligible_count"),
    "eligible_judges_remain_but": N_("%(remain)s; %(why)s"),
    "judges_conflicted_count": NP_("%(conflicted)s conflicted", "%(conflicted)s conflicted", "conflicted"),
    "judges_full_count": NP_("%(full)s at max_load", "%(full)s at max_load", "full"),
    "judges_inactive_count": NP_("%(inactive)s inactive", "%(inactive)s inactive", "inactive"),
    "judges_and_more": NP_("%(judges)s and %(more)s more", "%(judges)s and %(more)s more", "more"),
    "entries_and_more": NP_("%(entries)s and %(more)s more", "%(entries)s and %(more)s more", "more"),
    "no_judges_named": N_("none"),
    "judge_short_of_min_load": NP_(
        "judge %(judge)s must take %(more)s more entries to reach min_load=%(min_load)s, but only %(open)s entries "
        "still needing judges are open to them",
        "judge %(judge)s must take %(more)s more entries to reach min_load=%(min_load)s, but only %(open)s entries "
        "still needing judges are open to them", "more"),
    "entries_cannot_all_be_served": NP_(
        "entries %(entries)s cannot all get their judges: %(short)s judge slots stay empty, because the judges who "
        "could still take them (%(judges)s) are at max_load, and every other judge allowed for them already judges "
        "them",
        "entries %(entries)s cannot all get their judges: %(short)s judge slots stay empty, because the judges who "
        "could still take them (%(judges)s) are at max_load, and every other judge allowed for them already judges "
        "them", "short"),
    "judges_cannot_all_reach_min_load": NP_(
        "judges %(judges)s cannot all reach min_load (%(short)s assignments short): every entry still open to them "
        "already has its k judges",
        "judges %(judges)s cannot all reach min_load (%(short)s assignments short): every entry still open to them "
        "already has its k judges", "short"),
}


#: Why an assignment change is refused (``contest.services.judge_assignment.AssignmentError``).
REFUSALS = {
    "run_not_finished": N_("Only a finished dry run can be committed."),
    "run_infeasible": N_("This run found no feasible assignment; fix the problems it lists first."),
    "run_stale": N_("Entries, judges or conflicts changed after this dry run; run it again."),
    "judge_conflicted_with_entry": N_("%(judge)s is conflicted with %(entry)s: %(reason)s"),
    "judge_not_on_panel": N_("%(judge)s does not judge this contest."),
    "judge_already_reviews": N_("%(judge)s already reviews %(entry)s."),
    "assignment_has_marks": N_("This judge has already scored the entry; their marks would be lost."),
    "window_closes_before_it_opens": N_("Give a scoring window that closes after it opens."),
    "final_round_nothing_to_open": N_("The engine proposed no shortlist or no panel; nothing to open."),
    "too_many_seats_to_refill": NP_("%(seats)s seat is too many to refill at once; assign its judges by hand.",
                                    "%(seats)s seats are too many to refill at once; assign their judges by hand.",
                                    "seats"),
}
MESSAGES.update(REFUSALS)

#: Why the assignment and refill engines refuse an instance (``InputError``; the command lines
#: print the English). ``given`` is the offending value as the JSON gave it (its Python repr);
#: ``key`` and ``list`` are the JSON's own key names; ``id`` is the entry's or judge's JSON id;
#: ``what`` is what the input calls a pair ("conflict", "affinity", "locked pair").
INPUT_PROBLEMS = {
    "assignment_instance_not_object": N_("the instance must be an object"),
    "instance_count_not_whole": N_("'%(key)s' must be a whole number, got %(given)s"),
    "entry_count_not_whole": N_("entry %(id)s: '%(key)s' must be a whole number, got %(given)s"),
    "judge_count_not_whole": N_("judge %(id)s: '%(key)s' must be a whole number, got %(given)s"),
    "instance_count_negative": N_("'%(key)s' must not be negative, got %(given)s"),
    "entry_count_negative": N_("entry %(id)s: '%(key)s' must not be negative, got %(given)s"),
    "judge_count_negative": N_("judge %(id)s: '%(key)s' must not be negative, got %(given)s"),
    "instance_loads_crossed": N_("'min_load' (%(min_load)s) is larger than 'max_load' (%(max_load)s)"),
    "judge_loads_crossed": N_("judge %(id)s: min_load (%(min_load)s) is larger than max_load (%(max_load)s)"),
    "connect_tolerance_invalid": N_("'connect_tolerance' must be a non-negative number, got %(given)s"),
    "load_evening_invalid": N_("'load_evening' must be null or a number from 0 to 1, got %(given)s"),
    "instance_key_missing": N_("'%(key)s' is missing"),
    "instance_list_not_objects": N_("'%(key)s' must be a list of objects"),
    "instance_item_not_object": N_("%(key)s[%(index)s] must be an object with an 'id'"),
    "instance_item_without_id": N_("%(key)s[%(index)s] needs a non-empty string 'id', got %(given)s"),
    "entry_id_duplicate": N_("duplicate entry id %(given)s"),
    "judge_id_duplicate": N_("duplicate judge id %(given)s"),
    "entry_field_invalid": N_("entry %(id)s: 'field' must be a non-empty string, got %(given)s"),
    "entry_organization_invalid": N_("entry %(id)s: 'organization' must be a string or a list of strings"),
    "judge_organization_invalid": N_("judge %(id)s: 'organization' must be a string or a list of strings"),
    "judge_active_invalid": N_("judge %(id)s: 'active' must be true or false, got %(given)s"),
    "judge_fields_invalid": N_("judge %(id)s: 'fields' must be a list or an object of field: level"),
    "judge_field_name_invalid": N_("judge %(id)s: field names must be non-empty strings, got %(given)s"),
    "judge_field_level_invalid": N_("judge %(id)s: level of field %(field)s must be a number in (0, %(most)s], got "
                                    "%(given)s"),
    "judge_field_twice": N_("judge %(id)s: field %(field)s is listed twice"),
    "instance_pairs_not_list": N_("'%(key)s' must be a list of %(shape)s"),
    "instance_pair_misshapen": N_("%(key)s[%(index)s] must be %(shape)s, got %(given)s"),
    "pair_unknown_judge": N_("%(what)s [%(given_judge)s, %(given_entry)s]: unknown judge %(given_judge)s"),
    "pair_unknown_entry": N_("%(what)s [%(given_judge)s, %(given_entry)s]: unknown entry %(given_entry)s"),
    "pair_unknown_judge_and_entry": N_("%(what)s [%(given_judge)s, %(given_entry)s]: unknown judge %(given_judge)s "
                                       "and unknown entry %(given_entry)s"),
    "affinity_value_invalid": N_("affinity [%(judge_id)s, %(entry_id)s]: value must be a number in [-%(most)s, "
                                 "%(most)s], got %(given)s"),
    "affinity_listed_twice": N_("affinity [%(judge_id)s, %(entry_id)s] is listed twice"),
    "affinity_given_twice": N_("give 'affinity' or 'affinity_matrix', not both"),
    "locked_listed_twice": N_("locked pair [%(judge_id)s, %(entry_id)s] is listed twice"),
    "matrix_not_object": N_("'affinity_matrix' must be an object with 'entries', 'judges' and values"),
    "matrix_entries_not_ids": N_("'affinity_matrix.entries' must be a list of entry ids"),
    "matrix_judges_not_ids": N_("'affinity_matrix.judges' must be a list of judge ids"),
    "matrix_unknown_entries": N_("'affinity_matrix.entries' names unknown entries %(given)s"),
    "matrix_unknown_judges": N_("'affinity_matrix.judges' names unknown judges %(given)s"),
    "matrix_id_twice": N_("'affinity_matrix.%(key)s' lists an id twice"),
    "matrix_misses_entries": NP_("'affinity_matrix.entries' misses %(missing)s of the instance's entries",
                                 "'affinity_matrix.entries' misses %(missing)s of the instance's entries", "missing"),
    "matrix_misses_judges": NP_("'affinity_matrix.judges' misses %(missing)s of the instance's judges",
                                "'affinity_matrix.judges' misses %(missing)s of the instance's judges", "missing"),
    "matrix_values_ambiguous": N_("'affinity_matrix' needs exactly one of 'values' and 'values_base64'"),
    "matrix_values_unreadable": N_("'affinity_matrix.%(key)s' must hold %(rows)s x %(cols)s numbers"),
    "matrix_values_misshapen": N_("'affinity_matrix.%(key)s' must hold %(rows)s x %(cols)s numbers (one row per "
                                  "entry), got shape %(given)s"),
    "matrix_values_out_of_range": N_("'affinity_matrix' values must be finite numbers in [-%(most)s, %(most)s]"),
    "pair_outside_problem": N_("%(what)s [%(pair)s] names a judge or an entry the problem does not have"),
    "matrix_ids_mismatch": N_("the affinity matrix must name every entry and judge of the problem once"),
    "refill_too_many_seats": N_("too many seats to refill at once for the engine's affinity range"),
    "refill_pairs_not_list": N_("%(list)s must be a list of [judge, entry] pairs"),
    "refill_pair_invalid": N_("%(list)s[%(index)s] must be [judge id, entry id] (integers)"),
    "refill_item_not_object": N_("%(list)s[%(index)s] must be an object"),
    "refill_count_invalid": N_("%(list)s[%(index)s].%(key)s must be a whole number ≥ 0"),
    "refill_levels_invalid": N_("judges[%(index)s].levels must map field names to integer levels"),
    "refill_field_invalid": N_("vacancies[%(index)s].field must be a field name or null"),
}
MESSAGES.update(INPUT_PROBLEMS)


def _listed(ids: list, total: int, kind: str) -> list | Message:
    """Ids as a sentence lists them: all of them, or the first ones "and N more"."""
    if total > len(ids):
        return Message(f"{kind}_and_more", {kind: ids, "more": total - len(ids)})
    return ids


def _entry_short(m: Mapping[str, Any]) -> Message:
    if m["eligible_count"]:
        remain = Message("eligible_judges_remain_named", {
            "eligible_count": m["eligible_count"], "eligible": _listed(m["eligible"], m["eligible_count"], "judges")})
    else:
        remain = Message("eligible_judges_remain", {"eligible_count": m["eligible_count"]})
    why = [Message(f"judges_{key}_count", {key: m[key]}) for key in ("conflicted", "full", "inactive") if m[key]]
    if why:
        remain = Message("eligible_judges_remain_but", {"remain": remain, "why": why})
    params = {"entry": m["entry"], "more": m["more"], "eligible": remain}
    if m["locked"]:
        return Message("entry_lacks_judges_besides_locked", {**params, "locked": m["locked"]})
    return Message("entry_lacks_judges", params)


def _pair(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"judge": m["judge"], "entry": m["entry"]}


#: Each engine code and how its parameters become the catalogue message that words it.
SENTENCES: dict[str, Callable[[Mapping[str, Any]], Message]] = {
    "unknown_key": lambda m: Message("assignment_key_ignored", {"key": repr(m["key"])}),
    "k_above_judges": lambda m: Message("entry_above_listed_judges" if m["listed"] else "entry_above_active_judges",
                                        {key: m[key] for key in ("entry", "k", "possible")}),
    "locked_released_inactive": lambda m: Message("locked_inactive_released", _pair(m)),
    "locked_released_conflict": lambda m: Message("locked_conflict_released", _pair(m)),
    "locked_not_listed": lambda m: Message("locked_kept_unlisted", _pair(m)),
    "entry_over_locked": lambda m: Message("entry_keeps_locked", {key: m[key] for key in ("entry", "locked", "k")}),
    "judge_over_locked": lambda m: Message("judge_keeps_locked",
                                           {key: m[key] for key in ("judge", "locked", "max_load")}),
    "linking_swaps": lambda m: Message("judges_linked_by_swaps", {"swaps": m["swaps"]}),
    "components": lambda m: Message("judging_graph_in_pieces", {"components": m["components"]}),
    "capacity": lambda m: Message("judges_lack_room", {"room": m["room"], "need": m["need"]}),
    "min_loads_exceed_need": lambda m: Message("min_loads_above_need", {"must": m["must"], "need": m["need"]}),
    "entry_short": _entry_short,
    "judge_below_min_load": lambda m: Message("judge_short_of_min_load",
                                              {key: m[key] for key in ("judge", "more", "min_load", "open")}),
    "entries_unserved": lambda m: Message("entries_cannot_all_be_served", {
        "entries": _listed(m["entries"], m["entries_count"], "entries"), "short": m["short"],
        "judges": _listed(m["judges"], m["judges_count"], "judges") if m["judges_count"]
        else Message("no_judges_named")}),
    "judges_unfilled": lambda m: Message("judges_cannot_all_reach_min_load", {
        "judges": _listed(m["judges"], m["judges_count"], "judges"), "short": m["short"]}),
}


def sentence(message: Message) -> Message:
    """The catalogue message that words an engine code (KeyError for a code the engine never gives)."""
    return SENTENCES[message.code](message.params)


Speak = Callable[[Message, Presenter], str]


def presenter(speak: Speak, judge: Callable[[Any], str], entry: Callable[[Any], str]) -> Presenter:
    """Writes an assignment message's parameters: ``judge`` and ``entry`` label an id, ``speak``
    renders an inner message in the same language."""
    def present(name: str, value: Any) -> str:
        if isinstance(value, Message):
            return speak(value, present)
        if isinstance(value, list) and value and isinstance(value[0], Message):
            return ", ".join(speak(item, present) for item in value)
        label = {"judge": judge, "entry": entry}.get(ID_PARAMS.get(name, ""))
        if label is None:
            return plain(value)
        return ", ".join(label(item) for item in value) if isinstance(value, list) else label(value)
    return present

