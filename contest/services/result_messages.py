"""The scoring engine's problems, warnings and outlier reasons in the reader's language.

The engine gives each as a code (contest/engines/scoring/messages.py lists them) worded once in
the catalogue (contest/catalogue/scoring.py); here a code becomes that sentence in the reader's
language, naming entries by their code, judges by their full name and criteria by their name,
never by engine id. Rankings stored before the engine gave codes (published versions keep theirs
as they were), and codes the engine does not give, keep the engine's English.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from typing import Any

from contest.catalogue import Message
from contest.engines.scoring.messages import CODES
from contest.extensions import db
from contest.i18n import coded_text, say
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
    ``summary`` is the problems as a page lists them, the per-entry and per-judge ones counted
    (``summary_messages``: the same as catalogue messages, for a refusal to carry)."""

    problems: list[str]
    warnings: list[str]
    outliers: dict[str, list[str]]
    summary_messages: list[Message]

    @property
    def summary(self) -> list[str]:
        return [say(message) for message in self.summary_messages]


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


def _summary(problems: list[tuple[Mapping | None, str]], labels: Mapping[str, Mapping[str, str]]) -> list[Message]:
    """The problems with each counted kind in one line, where its first one was. "Nothing to rank"
    is left out: the page that shows this summary says so in its own words."""
    counted: dict[str, list[str]] = {}
    lines: list[Message | tuple[str, list[str]]] = []
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
        elif isinstance(code, Mapping) and code.get("code") in CODES:
            lines.append(_labelled(code, labels))
        else:   # a stored answer from before the codes, or a code the engine no longer gives
            lines.append(Message("engine_problem_text", {"text": text}))
    return [_counted_line(*line) if isinstance(line, tuple) else line for line in lines]


def _counted_line(kind: str, names: list[str]) -> Message:
    names = sorted(names)  # codes in their order (E-00002 before E-00010), judges by name
    shown = ", ".join(names[:_NAMED])
    if len(names) > _NAMED:
        shown = say(Message("names_and_more", {"names": shown, "count": len(names) - _NAMED}))
    if kind == "entry_unranked":
        return Message("entries_unranked_counted", {"count": len(names), "entries": shown})
    return Message("judges_silent_counted", {"count": len(names), "judges": shown})


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
    """One problem, warning or outlier reason in the reader's language (the catalogue's wording, ids
    written as an organizer knows them); ``english`` for unknown codes and stored answers without."""
    if isinstance(code, Mapping) and code.get("code") not in CODES:
        return english
    return coded_text(code, lambda m: say(_labelled(m, labels)), english)


def _labelled(code: Mapping, labels: Mapping[str, Mapping[str, str]]) -> Message:
    """An engine code as a catalogue message whose ids are written as an organizer knows them (entry
    codes, judges' names, criteria's names), a dropped ballot's reasons as sentences."""
    params: dict[str, Any] = {}
    for name, value in code.items():
        kind = _ID_PARAMS.get(name)
        if name == "reasons":
            params[name] = "; ".join(say(_labelled(reason, labels)) for reason in value)
        elif kind is not None:
            params[name] = ([labels[kind].get(key, str(key)) for key in value] if isinstance(value, list)
                            else labels[kind].get(value, str(value)))
        elif name != "code":
            params[name] = value
    return Message(code["code"], params)
