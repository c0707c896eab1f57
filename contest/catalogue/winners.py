"""The winners engine's reasons, worded once (docs/prizes.md): why a person was selected for an
internship, or why their team was not.

:func:`message` turns a reason (what the engine answers and a snapshot stores) into the
catalogue message that words it; :func:`sentence` adds, after a ``selected`` reason, the
skipped teams it names above it, joined by punctuation (nothing to translate).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contest.catalogue import ENGLISH, N_, NP_, Message, Presenter, plain, render

#: The codes of ``reasons``: a selected person, and an author of a skipped team.
REASONS = ("selected", "team_did_not_fit")

MESSAGES = {
    "winner_selected": N_("rank %(rank)s entry of %(contest)s: place %(place)s of its %(quota)s"),
    "winner_selected_team": N_("rank %(rank)s entry of %(contest)s: place %(place)s of its %(quota)s (a team of "
                               "%(team)s, each author takes a place)"),
    "team_passed_over": NP_("the rank %(rank)s entry's team of %(team)s did not fit the %(num)s place left and was "
                            "skipped",
                            "the rank %(rank)s entry's team of %(team)s did not fit the %(num)s places left and was "
                            "skipped", "left"),
    "team_did_not_fit": NP_("not selected: the rank %(rank)s entry's team of %(team)s did not fit the %(num)s place "
                            "left for %(contest)s; a team is never split",
                            "not selected: the rank %(rank)s entry's team of %(team)s did not fit the %(num)s places "
                            "left for %(contest)s; a team is never split", "left"),
    # why a JSON instance cannot be read (the codec's InputError): ids and given values as their repr
    "places_invalid": N_("'places' must be a whole number, 0 or more, got %(given)s"),
    "share_unknown": N_("'share' must be one of %(shares)s, got %(given)s"),
    "contests_not_list": N_("'contests' must be a list"),
    "contest_item_invalid": N_("contests[%(index)s] must be an object with a non-empty string 'id'"),
    "contest_twice": N_("contest %(id)s is listed twice"),
    "contest_entries_invalid": N_("contest %(id)s: 'entries' must be a whole number, 0 or more, got %(given)s"),
    "ranking_row_not_object": N_("contest %(id)s, ranking[%(index)s] must be an object"),
    "ranking_entry_invalid": N_("contest %(id)s, ranking[%(index)s]: 'entry' must be a non-empty string"),
    "ranking_rank_invalid": N_("contest %(id)s, ranking[%(index)s]: 'rank' must be a whole number from 1, got "
                               "%(given)s"),
    "ranking_authors_invalid": N_("contest %(id)s, ranking[%(index)s]: 'authors' must be a non-empty list of "
                                  "person ids"),
    "author_listed_twice": N_("contest %(id)s, ranking[%(index)s]: an author is listed twice"),
    "entry_ranked_twice": N_("contest %(id)s: entry %(entry)s is ranked twice"),
    "rank_given_twice": N_("contest %(id)s: rank %(rank)s is given twice"),
}


def _passed(skip: Mapping[str, Any]) -> Message:
    return Message("team_passed_over", {"rank": skip["entry_rank"], "team": skip["team"], "left": skip["left"]})


def sentence(reason: Mapping[str, Any], speak: Callable[[Message], str]) -> str:
    """One reason in words; ``speak`` renders a message."""
    passed = [speak(_passed(skip)) for skip in reason.get("passed", [])] if reason["code"] == "selected" else []
    return "; ".join([speak(message(reason)), *passed])


def message(reason: Mapping[str, Any]) -> Message:
    """The catalogue message of one reason (without the skipped teams of :func:`sentence`);
    ``ValueError`` for a code it does not know (``KeyError`` for a parameter missing)."""
    code = reason["code"]
    if code == "selected":
        params = {"rank": reason["entry_rank"], "contest": reason["contest"], "place": reason["place"],
                  "quota": reason["quota"]}
        if reason["team"] > 1:
            return Message("winner_selected_team", {**params, "team": reason["team"]})
        return Message("winner_selected", params)
    if code == "team_did_not_fit":
        return Message("team_did_not_fit", {"rank": reason["entry_rank"], "team": reason["team"],
                                            "left": reason["left"], "contest": reason["contest"]})
    raise ValueError(f"unknown reason code {code!r}")


def presenter(contest: Callable[[str], str]) -> Presenter:
    """Writes a winners message's parameters: ``contest`` names a contest id."""
    def present(name: str, value: Any) -> str:
        return contest(value) if name == "contest" else plain(value)
    return present


def english(reason: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """The English sentence, as the command line prints it; ``labels`` gives contest names by id."""
    present = presenter(lambda contest: (labels or {}).get(contest) or contest)
    return sentence(reason, lambda found: render(found, ENGLISH, present))
