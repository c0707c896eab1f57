"""The scoring engine's problems, warnings and outlier reasons: codes first, English from them.

Every message is a code from a closed set with named parameters: judge, entry and criterion
ids as in the input, numbers exactly as given (whole numbers stay whole), lists of ids, and
``given``, the Python ``repr`` of a value the engine could not use. The one wording of each code
is in the message catalogue (contest/catalogue/scoring.py); :func:`explain` renders it as the
English sentence of ``problems``, ``warnings`` and ``outlier_reasons``, and the web renders the
same codes in the reader's language (``contest.i18n.say``), so nothing parses the English.

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

An instance that cannot be read at all (the codec's and :func:`~contest.engines.scoring.rank`'s
``InputError``) is refused with the codes of ``INPUT`` in the catalogue, their parameters as given.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from contest.catalogue import ENGLISH, Message, render
from contest.catalogue import plain as _plain
from contest.catalogue.scoring import ENGINE

CODES = frozenset(ENGINE)       # every code the engine gives

# The parameters a sentence writes as numbers on a scale (10.0 -> "10"); every other one is
# written as given (a value 7.0 stays "7.0", as the engine's English always wrote it).
_ON_A_SCALE = frozenset(("min", "max", "first", "second"))


def plain(x: float) -> str:
    """A number as written on a scale: 10.0 -> "10", 2.5 -> "2.5"."""
    return _plain(float(x))


def as_written(name: str, value: Any) -> str:
    """A parameter as the engine's English writes it."""
    if name in _ON_A_SCALE:
        return plain(value)
    if name == "reasons":
        return "; ".join(explain(reason) for reason in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def message(code: Mapping[str, Any]) -> Message:
    """A code of an answer (``{"code": ..., **params}``) as a catalogue message."""
    return Message.from_json(code)


def explain(code: Mapping[str, Any]) -> str:
    """The English sentence of a problem, warning or outlier reason code."""
    if code["code"] not in CODES:
        raise ValueError(f"unknown message code {code['code']!r}")
    return render(message(code), ENGLISH, as_written)


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
