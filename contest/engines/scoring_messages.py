"""The scoring engine's problems, warnings and outlier reasons: codes first, English from them.

Every message is a code from a closed set with named parameters: judge, entry and criterion
ids as in the input, numbers exactly as given (whole numbers stay whole), lists of ids, and
``given``, the Python ``repr`` of a value the engine could not use. :func:`explain` renders a
code as the English sentence of ``problems``, ``warnings`` and ``outlier_reasons``; it is the
only place that wording lives, so the two cannot drift. The web layer renders the same codes in
the reader's language (contest/services/result_messages.py), so nothing parses the English.

Codes and their parameters (``where``: P problem, W warning, O outlier reason, B reason inside
``ballot_dropped``, E the ``InputError`` of an instance with no usable sheet):

============================  ========================================================  =====
code                          parameters                                                where
============================  ========================================================  =====
``id_invalid``                ``list`` ("judges" or "entries"), ``index``, ``given``    P
``mark_not_object``           ``index``                                                 P
``mark_without_ids``          ``index``                                                 P
``mark_round_invalid``        ``index``, ``judge``, ``entry``, ``given``                P
``criterion_unknown``         ``judge``, ``entry``, ``round``, ``given``                P
``value_not_number``          ``judge``, ``entry``, ``round``, ``criterion``, ``given`` P
``value_off_scale``           ``judge``, ``entry``, ``round``, ``criterion``,           P
                              ``value``, ``min``, ``max``
``marked_twice_same``         ``judge``, ``entry``, ``round``, ``criterion``            P
``marked_twice_different``    ``judge``, ``entry``, ``round``, ``criterion``,           P
                              ``first``, ``second``
``sheet_incomplete``          ``judge``, ``entry``, ``round``, ``criteria``             P
``judge_sheets_dropped``      ``judge``                                                 P
``judge_scored_nothing``      ``judge``                                                 P
``entry_unranked``            ``entry``                                                 P
``ballot_entry_unranked``     ``entry``                                                 P
``ballot_not_object``         ``index``                                                 P
``ballot_without_ids``        ``index``                                                 P
``ballot_round_invalid``      ``index``, ``judge``, ``entry``, ``given``                P
``ballot_position_invalid``   ``judge``, ``entry``, ``given``                           P
``ballot_placed_twice_same``  ``judge``, ``entry``                                      P
``ballot_dropped``            ``judge``, ``reasons`` (codes marked B, in order)         P
``position_not_whole``        (none)                                                    B
``placed_more_than_once``     ``entry``, ``positions``                                  B
``not_finalists``             ``entries``                                               B
``finalists_missing``         ``entries``                                               B
``position_shared``           ``position``, ``entries``                                 B
``position_beyond``           ``position``, ``finalists`` (how many)                    B
``components``                ``components``, ``sizes`` (entries per piece)             W
``no_extra_review``           (none)                                                    W
``panel_unaffordable``        ``budget`` (extra reviews allowed), ``finalists``,        W
                              ``panel`` (the least a final round needs of each)
``no_valid_ballot``           (none)                                                    W
``low_agreement``, ``noisy``, ``lenient``, ``harsh``, ``compressed``, ``stretched``     O
``nothing_to_rank``           (none)                                                    E
============================  ========================================================  =====
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Mapping


def plain(x: float) -> str:
    """A number as written on a scale: 10.0 -> "10", 2.5 -> "2.5"."""
    return str(int(x)) if float(x).is_integer() else str(x)


def _sheet(m: Mapping) -> str:
    return f"judge {m['judge']}, entry {m['entry']}, round {m['round']}"


def _ids(values: Iterable) -> str:
    return ", ".join(map(str, values))


ENGLISH: dict[str, Callable[[Mapping], str]] = {
    # problems: marks and sheets
    "id_invalid": lambda m: f"{m['list']}[{m['index']}]: not an id: {m['given']}",
    "mark_not_object": lambda m: f"scores[{m['index']}]: must be an object",
    "mark_without_ids": lambda m: f"scores[{m['index']}]: entry and judge must be non-empty ids; mark ignored",
    "mark_round_invalid": lambda m: (f"scores[{m['index']}]: judge {m['judge']}, entry {m['entry']}: round must be "
                                     f"1 or 2, got {m['given']}; mark ignored"),
    "criterion_unknown": lambda m: f"{_sheet(m)}: unknown criterion {m['given']}; mark ignored",
    "value_not_number": lambda m: (f"{_sheet(m)}: criterion {m['criterion']}: value {m['given']} is not a number; "
                                   f"sheet dropped"),
    "value_off_scale": lambda m: (f"{_sheet(m)}: criterion {m['criterion']}: value {m['value']} is outside its "
                                  f"scale {plain(m['min'])}..{plain(m['max'])}; sheet dropped"),
    "marked_twice_same": lambda m: f"{_sheet(m)}: criterion {m['criterion']} marked twice with the same value; "
                                   f"counted once",
    "marked_twice_different": lambda m: (f"{_sheet(m)}: criterion {m['criterion']} marked twice with different "
                                         f"values ({plain(m['first'])} and {plain(m['second'])}); sheet dropped"),
    "sheet_incomplete": lambda m: f"{_sheet(m)}: no mark for criterion {_ids(m['criteria'])}; sheet dropped",
    "judge_sheets_dropped": lambda m: f"judge {m['judge']} has no usable sheet (all dropped)",
    "judge_scored_nothing": lambda m: f"judge {m['judge']} scored nothing",
    "entry_unranked": lambda m: f"entry {m['entry']} has no usable sheet; not ranked",
    "ballot_entry_unranked": lambda m: (f"entry {m['entry']} is on the ballots but has no usable round-1 sheet; "
                                        f"not ranked"),
    "nothing_to_rank": lambda m: "no usable score sheet: nothing to rank",
    # problems: ballots
    "ballot_not_object": lambda m: f"ballots[{m['index']}]: must be an object",
    "ballot_without_ids": lambda m: f"ballots[{m['index']}]: entry and judge must be non-empty ids; position ignored",
    "ballot_round_invalid": lambda m: (f"ballots[{m['index']}]: judge {m['judge']}, entry {m['entry']}: ballots "
                                       f"belong to round 2, got round {m['given']}; position ignored"),
    "ballot_position_invalid": lambda m: (f"ballot of judge {m['judge']}: entry {m['entry']}: position must be a "
                                          f"whole number from 1, got {m['given']}; ballot dropped"),
    "ballot_placed_twice_same": lambda m: (f"ballot of judge {m['judge']}: entry {m['entry']} placed twice at the "
                                           f"same position; counted once"),
    "ballot_dropped": lambda m: (f"ballot of judge {m['judge']}: {'; '.join(explain(r) for r in m['reasons'])}; "
                                 f"ballot dropped"),
    # why a ballot is dropped
    "position_not_whole": lambda m: "a position is not a whole number from 1",
    "placed_more_than_once": lambda m: f"entry {m['entry']} placed more than once ({_ids(m['positions'])})",
    "not_finalists": lambda m: f"not a finalist: {_ids(m['entries'])}",
    "finalists_missing": lambda m: f"finalist not placed: {_ids(m['entries'])}",
    "position_shared": lambda m: f"position {m['position']} given to {_ids(m['entries'])}",
    "position_beyond": lambda m: f"position {m['position']} is beyond the {m['finalists']} finalists",
    # warnings
    "components": lambda m: (f"the judge-entry graph has {m['components']} separate pieces (entries per piece: "
                             f"{_ids(m['sizes'])}): scores are not comparable across pieces"),
    "no_extra_review": lambda m: "extra_load allows no extra review: no finalist round proposed",
    "panel_unaffordable": lambda m: (f"extra_load allows {m['budget']} extra reviews, fewer than "
                                     f"{m['finalists']} finalists ranked by a panel of {m['panel']} judges need: "
                                     f"no finalist round proposed"),
    "no_valid_ballot": lambda m: "no valid ballot: the final round is ranked from round-2 marks, if any",
    # outlier reasons
    "low_agreement": lambda m: "low agreement with the other judges",
    "noisy": lambda m: "noisy marks",
    "lenient": lambda m: "much more lenient than the others",
    "harsh": lambda m: "much harsher than the others",
    "compressed": lambda m: "marks compressed: hardly separates entries",
    "stretched": lambda m: "marks stretched far more than the others'",
}


def explain(message: Mapping[str, Any]) -> str:
    """The English sentence of a problem, warning or outlier reason code."""
    code = message["code"]
    if code not in ENGLISH:
        raise ValueError(f"unknown message code {code!r}")
    return ENGLISH[code](message)


def sorted_messages(codes: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[dict]]:
    """Distinct messages sorted by their English, and their codes in the same order.

    Codes that read the same in English count once (the first in canonical JSON order), as
    the English list always did.
    """
    by_text: dict[str, dict] = {}
    for code in sorted(codes, key=lambda c: json.dumps(c, sort_keys=True)):
        by_text.setdefault(explain(code), dict(code))
    texts = sorted(by_text)
    return texts, [by_text[text] for text in texts]
