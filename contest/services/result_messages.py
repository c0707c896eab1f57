"""The scoring engine's problems, warnings and outlier reasons in the reader's language.

The engine gives each as a code (contest/engines/scoring_messages.py lists them); here a code
becomes a sentence that names entries by their code, judges by their full name and criteria
by their name, never by engine id. Rankings stored before the engine gave codes (published
versions keep theirs as they were), and codes this layer does not know, keep the engine's
English.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from contest.engines.scoring_messages import plain
from contest.extensions import db
from contest.i18n import coded_text
from contest.models import Criterion, Entry, User

# Which parameters hold which engine ids (entries e<id>, judges j<id>, criteria c<id>).
_ID_PARAMS = {"entry": "entry", "entries": "entry", "judge": "judge", "criterion": "criterion",
              "criteria": "criterion"}


# Problems that name one entry or one judge each. Early in a round they come by the hundred, so a
# page counts each kind in one line (naming the first few) instead of showing one alert apiece.
_COUNTED = {"entry_unranked": "entry", "judge_scored_nothing": "judge"}
_NAMED = 8  # how many of the counted entries or judges a line names


@dataclass
class ResultMessages:
    """A ranking's problems, warnings and each judge's outlier reasons (by judge key), to show;
    ``summary`` is the problems as a page lists them, the per-entry and per-judge ones counted."""

    problems: list[str]
    warnings: list[str]
    outliers: dict[str, list[str]]
    summary: list[str]


def result_messages(result: Mapping) -> ResultMessages:
    """Render a ranking's message codes, falling back to its English where it has none."""
    problems = _paired(result, "problems", "problem_codes")
    warnings = _paired(result, "warnings", "warning_codes")
    outliers = {row["judge"]: _paired(row, "outlier_reasons", "outlier_codes")
                for row in result.get("judges") or [] if isinstance(row, Mapping) and "judge" in row}
    every = problems + warnings + [pair for pairs in outliers.values() for pair in pairs]
    labels = _labels([code for code, _text in every if isinstance(code, Mapping)])

    def render(pairs):
        return [message_text(code, labels, text) for code, text in pairs]

    return ResultMessages(render(problems), render(warnings),
                          {judge: render(pairs) for judge, pairs in outliers.items()},
                          _summary(problems, labels))


def _summary(problems: list[tuple[Mapping | None, str]], labels: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The problems with each counted kind in one line, where its first one was. "Nothing to rank"
    is left out: the page that shows this summary says so in its own words."""
    counted: dict[str, list[str]] = {}
    lines: list[str | tuple[str, list[str]]] = []
    for code, text in problems:
        kind = code.get("code") if isinstance(code, Mapping) else None
        if kind == "nothing_to_rank":
            continue
        if kind in _COUNTED:
            if kind not in counted:
                counted[kind] = []
                lines.append((kind, counted[kind]))
            key = code.get(_COUNTED[kind])
            counted[kind].append(labels[_COUNTED[kind]].get(key, str(key)))
        else:
            lines.append(message_text(code, labels, text))
    return [_counted_line(*line) if isinstance(line, tuple) else line for line in lines]


def _counted_line(kind: str, names: list[str]) -> str:
    names = sorted(names)  # codes in their order (E-00002 before E-00010), judges by name
    shown = ", ".join(names[:_NAMED])
    if len(names) > _NAMED:
        shown = ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", len(names) - _NAMED,
                         names=shown)
    if kind == "entry_unranked":
        return ngettext("%(num)d submitted entry has no complete score sheet yet, so it is not ranked: %(entries)s.",
                        "%(num)d submitted entries have no complete score sheet yet, so they are not ranked: "
                        "%(entries)s.", len(names), entries=shown)
    return ngettext("%(num)d judge of the panel has submitted no score sheet yet: %(judges)s.",
                    "%(num)d judges of the panel have submitted no score sheet yet: %(judges)s.", len(names),
                    judges=shown)


def _paired(holder: Mapping, text_key: str, code_key: str) -> list[tuple[Mapping | None, str]]:
    english = [str(text) for text in holder.get(text_key) or []]
    codes = holder.get(code_key)
    if not isinstance(codes, list) or len(codes) != len(english):
        codes = [None] * len(english)
    return list(zip(codes, english))


def _engine_ids(codes: list[Mapping]):
    """(kind, key) of every engine id named in the codes, reasons inside codes included."""
    for code in codes:
        for param, kind in _ID_PARAMS.items():
            value = code.get(param)
            for key in value if isinstance(value, list) else [value]:
                if isinstance(key, str) and key[:1] == kind[0] and key[1:].isdigit():
                    yield kind, key
        reasons = code.get("reasons")
        if isinstance(reasons, list):
            yield from _engine_ids([r for r in reasons if isinstance(r, Mapping)])


def _labels(codes: list[Mapping]) -> dict[str, dict[str, str]]:
    """Engine ids to what an organizer recognizes: e42 -> E-00042, j7 -> a full name, c3 -> a criterion."""
    wanted: dict[str, dict[int, str]] = {"entry": {}, "judge": {}, "criterion": {}}
    for kind, key in _engine_ids(codes):
        wanted[kind][int(key[1:])] = key
    labels: dict[str, dict[str, str]] = {kind: {} for kind in wanted}
    if wanted["entry"]:
        for entry in db.session.scalars(db.select(Entry).where(Entry.id.in_(wanted["entry"]))):
            labels["entry"][wanted["entry"][entry.id]] = entry.code
    if wanted["judge"]:
        for row_id, name in db.session.execute(db.select(User.id, User.full_name).where(User.id.in_(wanted["judge"]))):
            labels["judge"][wanted["judge"][row_id]] = name
    if wanted["criterion"]:
        for criterion in db.session.scalars(db.select(Criterion).where(Criterion.id.in_(wanted["criterion"]))):
            labels["criterion"][wanted["criterion"][criterion.id]] = criterion.local_name
    return labels


def message_text(code: Mapping | None, labels: Mapping[str, Mapping[str, str]], english: str = "") -> str:
    """One problem, warning or outlier reason in the reader's language; ``english`` for unknown codes."""
    return coded_text(code, lambda m: _message_text(m, labels), english)


def _message_text(m: Mapping, labels: Mapping[str, Mapping[str, str]]) -> str:
    def one(kind: str, param: str) -> str:
        return labels[kind].get(m[param], m[param])

    def many(kind: str, param: str) -> str:
        return ", ".join(labels[kind].get(key, key) for key in m[param])

    def sheet() -> dict:
        return {"judge": one("judge", "judge"), "entry": one("entry", "entry"), "round": plain(m["round"])}

    code = m["code"]
    # problems: marks and sheets
    if code == "id_invalid":
        if m["list"] == "judges":
            return _("Judge %(n)d in the engine's input has no usable id (%(value)s).", n=m["index"] + 1,
                     value=m["given"])
        if m["list"] == "entries":
            return _("Entry %(n)d in the engine's input has no usable id (%(value)s).", n=m["index"] + 1,
                     value=m["given"])
    if code == "mark_not_object":
        return _("Mark %(n)d in the engine's input is not a record; it is ignored.", n=m["index"] + 1)
    if code == "mark_without_ids":
        return _("Mark %(n)d in the engine's input names no entry or no judge; it is ignored.", n=m["index"] + 1)
    if code == "mark_round_invalid":
        return _("A mark by %(judge)s for %(entry)s is for round %(round)s, but there are only rounds 1 and 2; "
                 "it is ignored.", judge=one("judge", "judge"), entry=one("entry", "entry"), round=m["given"])
    if code == "criterion_unknown":
        return _("Sheet of %(judge)s for %(entry)s, round %(round)s: a mark for an unknown criterion "
                 "(%(criterion)s) is ignored.", criterion=m["given"], **sheet())
    if code == "value_not_number":
        return _("Sheet of %(judge)s for %(entry)s, round %(round)s: the mark for %(criterion)s is not a number "
                 "(%(value)s); the sheet is left out.", criterion=one("criterion", "criterion"), value=m["given"],
                 **sheet())
    if code == "value_off_scale":
        return _("Sheet of %(judge)s for %(entry)s, round %(round)s: the mark %(value)s for %(criterion)s is outside "
                 "its scale of %(min)s to %(max)s; the sheet is left out.", criterion=one("criterion", "criterion"),
                 value=plain(m["value"]), min=plain(m["min"]), max=plain(m["max"]), **sheet())
    if code == "marked_twice_same":
        return _("Sheet of %(judge)s for %(entry)s, round %(round)s: %(criterion)s is marked twice with the same "
                 "value; it counts once.", criterion=one("criterion", "criterion"), **sheet())
    if code == "marked_twice_different":
        return _("Sheet of %(judge)s for %(entry)s, round %(round)s: %(criterion)s is marked twice with different "
                 "values (%(first)s and %(second)s); the sheet is left out.",
                 criterion=one("criterion", "criterion"), first=plain(m["first"]), second=plain(m["second"]),
                 **sheet())
    if code == "sheet_incomplete":
        return ngettext("Sheet of %(judge)s for %(entry)s, round %(round)s: the criterion %(criteria)s has no mark; "
                        "the sheet is left out.",
                        "Sheet of %(judge)s for %(entry)s, round %(round)s: the criteria %(criteria)s have no mark; "
                        "the sheet is left out.", len(m["criteria"]), criteria=many("criterion", "criteria"),
                        **sheet())
    if code == "judge_sheets_dropped":
        return _("%(judge)s has no usable sheet: every sheet was left out.", judge=one("judge", "judge"))
    if code == "judge_scored_nothing":
        return _("%(judge)s has submitted no score sheet.", judge=one("judge", "judge"))
    if code == "entry_unranked":
        return _("%(entry)s has no usable sheet and is not ranked.", entry=one("entry", "entry"))
    if code == "ballot_entry_unranked":
        return _("%(entry)s is on the final ballots but has no usable round-1 sheet, so it is not ranked.",
                 entry=one("entry", "entry"))
    # problems: ballots
    if code == "ballot_not_object":
        return _("Ballot place %(n)d in the engine's input is not a record; it is ignored.", n=m["index"] + 1)
    if code == "ballot_without_ids":
        return _("Ballot place %(n)d in the engine's input names no entry or no judge; it is ignored.",
                 n=m["index"] + 1)
    if code == "ballot_round_invalid":
        return _("%(judge)s placed %(entry)s on a ballot for round %(round)s, but ballots belong to the final round; "
                 "the place is ignored.", judge=one("judge", "judge"), entry=one("entry", "entry"), round=m["given"])
    if code == "ballot_position_invalid":
        return _("Ballot of %(judge)s: the place of %(entry)s must be a whole number from 1, not %(value)s; the "
                 "ballot is left out.", judge=one("judge", "judge"), entry=one("entry", "entry"), value=m["given"])
    if code == "ballot_placed_twice_same":
        return _("Ballot of %(judge)s: %(entry)s is placed twice at the same place; it counts once.",
                 judge=one("judge", "judge"), entry=one("entry", "entry"))
    if code == "ballot_dropped":
        reasons = "; ".join(_message_text(reason, labels) for reason in m["reasons"])
        return _("The ballot of %(judge)s is left out: %(reasons)s.", judge=one("judge", "judge"), reasons=reasons)
    # why a ballot is left out
    if code == "position_not_whole":
        return _("a place is not a whole number from 1")
    if code == "placed_more_than_once":
        return _("%(entry)s is placed more than once (%(places)s)", entry=one("entry", "entry"),
                 places=", ".join(map(str, m["positions"])))
    if code == "not_finalists":
        return ngettext("%(entries)s is not a finalist", "%(entries)s are not finalists", len(m["entries"]),
                        entries=many("entry", "entries"))
    if code == "finalists_missing":
        return ngettext("the finalist %(entries)s is not placed", "the finalists %(entries)s are not placed",
                        len(m["entries"]), entries=many("entry", "entries"))
    if code == "position_shared":
        return _("place %(place)d is given to %(entries)s", place=m["position"], entries=many("entry", "entries"))
    if code == "position_beyond":
        return ngettext("place %(place)d is beyond the %(num)d finalist",
                        "place %(place)d is beyond the %(num)d finalists", m["finalists"], place=m["position"])
    # warnings
    if code == "components":
        return ngettext("The judge-entry graph falls into %(num)d separate piece (entries per piece: %(sizes)s): "
                        "scores are not comparable across pieces.",
                        "The judge-entry graph falls into %(num)d separate pieces (entries per piece: %(sizes)s): "
                        "scores are not comparable across pieces.", m["components"],
                        sizes=", ".join(map(str, m["sizes"])))
    if code == "no_extra_review":
        return _("The allowed extra load leaves no room for a single extra review: no finalist round is proposed.")
    if code == "panel_unaffordable":
        return ngettext("The allowed extra load leaves room for %(num)d extra review, fewer than "
                        "%(finalists)d finalists ranked by a panel of %(panel)d judges need: no finalist round is "
                        "proposed.",
                        "The allowed extra load leaves room for %(num)d extra reviews, fewer than "
                        "%(finalists)d finalists ranked by a panel of %(panel)d judges need: no finalist round is "
                        "proposed.",
                        m["budget"], finalists=m["finalists"], panel=m["panel"])
    if code == "no_valid_ballot":
        return _("No final ballot is valid: the final round is ranked from its round-2 marks, if there are any.")
    # outlier reasons
    if code == "low_agreement":
        return _("low agreement with the other judges")
    if code == "noisy":
        return _("noisy marks")
    if code == "lenient":
        return _("much more lenient than the others")
    if code == "harsh":
        return _("much harsher than the others")
    if code == "compressed":
        return _("marks compressed: hardly separates entries")
    if code == "stretched":
        return _("marks stretched far more than the others'")
    raise KeyError(code)
