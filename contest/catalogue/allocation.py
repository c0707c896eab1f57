"""The allocation engine's reasons, worded once (docs/allocation.md, *Reasons*).

A reason is what the engine answers and a snapshot stores: a code from a closed set and its
parameters (country ids, ranks, whole soums, a 1-based choice). :func:`message` turns one into
the catalogue message that words it, choosing the wording its parameters need (one rank or
several, a few runs of ranks or a count). :func:`sentence` writes a whole reason: a placed
winner's is the country and the choice (``Italy, your second choice``) after the preferences
passed over, joined by punctuation (nothing to translate). :func:`presenter` writes the
parameters: countries by name, ranks as runs, money through :func:`contest.money.soums`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from contest.catalogue import ENGLISH, N_, NP_, Message, Presenter, plain, render
from contest.money import soums

#: A funded winner's reason.
PLACED = ("first_choice", "later_choice")
#: Why a preference of a funded winner was passed over (the items of ``skipped``).
SKIPS = ("no_places", "full", "would_strand", "over_budget")
#: An unfunded winner's reason.
UNFUNDED = ("no_preferences", "no_place", "short")
#: A stranding reason lists up to this many runs of ranks; beyond, it gives their number.
BRIEF_RUNS = 5
#: The parameters that are sums of money.
MONEY = frozenset({"amount", "short", "extra", "left", "budget", "fixed"})

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")

MESSAGES = {
    "choice_1": N_("your first choice"),
    "choice_2": N_("your second choice"),
    "choice_3": N_("your third choice"),
    "choice_4": N_("your fourth choice"),
    "choice_5": N_("your fifth choice"),
    "choice_6": N_("your sixth choice"),
    "choice_7": N_("your seventh choice"),
    "choice_8": N_("your eighth choice"),
    "choice_9": N_("your ninth choice"),
    "choice_10": N_("your tenth choice"),
    "choice_number": N_("your choice no. %(n)s"),
    "country_no_places": N_("%(country)s has no places"),
    "country_full_after_rank": N_("%(country)s was full after rank %(ranks)s"),
    "country_full_after_ranks": N_("%(country)s was full after ranks %(ranks)s"),
    "would_strand_rank": N_("taking a %(country)s place would have left rank %(ranks)s with no place they accept"),
    "would_strand_ranks": N_("taking a %(country)s place would have left one of ranks %(ranks)s with no place "
                             "they accept"),
    "would_strand_count": NP_("taking a %(country)s place would have left one of %(num)s funded winner ranked below "
                              "you with no place they accept",
                              "taking a %(country)s place would have left one of %(num)s funded winners ranked below "
                              "you with no place they accept", "num"),
    "country_over_budget": N_("%(country)s would have put the funded winners %(amount)s over budget"),
    "unfunded_no_preferences": N_("not funded: accepts no country"),
    "unfunded_no_place": N_("not funded: no place left in the countries you accept (%(countries)s) once the "
                            "higher-ranked funded winners are placed"),
    "unfunded_short": NP_("not funded: %(short)s short (placing you alongside the %(num)s higher-ranked funded winner "
                          "costs %(extra)s more, and %(left)s was left)",
                          "not funded: %(short)s short (placing you alongside the %(num)s higher-ranked funded winners "
                          "costs %(extra)s more, and %(left)s was left)", "funded"),
    "budget_below_fixed_prizes": N_("budget %(budget)s is smaller than the fixed prizes %(fixed)s"),
    # why a JSON instance cannot be read (the codec's InputError): ids and given values as the JSON wrote
    # them (their repr), negative sums grouped as the command line writes them
    "key_missing": N_("%(key)s is missing"),
    "key_not_list": N_("%(key)s must be a list"),
    "item_not_object": N_("%(list)s[%(index)s] must be an object"),
    "item_text_invalid": N_("%(list)s[%(index)s]: %(key)s must be a non-empty string, got %(given)s"),
    "country_name_invalid": N_("countries[%(index)s]: 'name' must be a string, got %(given)s"),
    "preferences_invalid": N_("winner %(id)s: 'preferences' must be a list of country ids"),
    "budget_given_not_whole": N_("budget: the budget must be a whole number of soums, got %(given)s"),
    "budget_given_negative": N_("budget: the budget must not be negative, got %(given)s"),
    "fixed_prize_twice": N_("fixed prize %(id)s is listed twice"),
    "fixed_cost_not_whole": N_("fixed prize %(id)s: cost must be a whole number of soums, got %(given)s"),
    "fixed_cost_negative": N_("fixed prize %(id)s: cost must not be negative, got %(given)s"),
    "country_twice": N_("country %(id)s is listed twice"),
    "country_cost_not_whole": N_("country %(id)s: cost must be a whole number of soums, got %(given)s"),
    "country_cost_negative": N_("country %(id)s: cost must not be negative, got %(given)s"),
    "capacity_not_whole": N_("country %(id)s: capacity must be a whole number, got %(given)s"),
    "capacity_negative": N_("country %(id)s: capacity must not be negative, got %(given)s"),
    "winner_twice": N_("winner %(id)s is listed twice"),
    "winner_rank_invalid": N_("winner %(id)s: rank must be a whole number, got %(given)s"),
    "winners_share_rank": N_("winners %(first)s and %(second)s share rank %(rank)s"),
    "preference_unknown": N_("winner %(id)s prefers unknown country %(preference)s"),
    "preference_twice": N_("winner %(id)s lists country %(preference)s twice"),
}


def rank_runs(ranks: Iterable[int]) -> list[str]:
    """[1, 2, 3, 7] -> ['1-3', '7']."""
    values = sorted(ranks)
    runs: list[str] = []
    start = prev = values[0]
    for r in values[1:] + [None]:  # type: ignore[operator]
        if r is not None and r == prev + 1:
            prev = r
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return runs


def _choice(n: int) -> Message:
    return Message(f"choice_{n}") if n <= len(ORDINALS) else Message("choice_number", {"n": n})


def sentence(reason: Mapping[str, Any], speak: Callable[[Message], str], country: Callable[[Any], str]) -> str:
    """One reason in words; ``speak`` renders a message, ``country`` names a country id."""
    code = reason["code"]
    if code not in PLACED:
        return speak(message(reason))
    placed = f"{country(reason['country'])}, {speak(_choice(reason.get('choice', 1)))}"
    if code == "first_choice":
        return placed
    return "; ".join(speak(message(skip)) for skip in reason["skipped"]) + ": " + placed


def message(reason: Mapping[str, Any]) -> Message:
    """The catalogue message of a reason that is one sentence (not a placed winner's: :func:`sentence`);
    ``ValueError`` for a code it does not know (``KeyError`` for a parameter missing)."""
    code = reason["code"]
    if code == "no_places":
        return Message("country_no_places", {"country": reason["country"]})
    if code == "full":
        one = len(reason["ranks"]) == 1
        return Message("country_full_after_rank" if one else "country_full_after_ranks",
                       {"country": reason["country"], "ranks": reason["ranks"]})
    if code == "would_strand":
        ranks = reason["ranks"]
        if len(ranks) == 1:
            return Message("would_strand_rank", {"country": reason["country"], "ranks": ranks})
        if len(rank_runs(ranks)) <= BRIEF_RUNS:
            return Message("would_strand_ranks", {"country": reason["country"], "ranks": ranks})
        return Message("would_strand_count", {"country": reason["country"], "num": len(ranks)})
    if code == "over_budget":
        return Message("country_over_budget", {"country": reason["country"], "amount": reason["amount"]})
    if code == "no_preferences":
        return Message("unfunded_no_preferences")
    if code == "no_place":
        return Message("unfunded_no_place", {"countries": list(reason["countries"])})
    if code == "short":
        return Message("unfunded_short", {key: reason[key] for key in ("short", "extra", "funded", "left")})
    raise ValueError(f"unknown reason code {code!r}")


def presenter(country: Callable[[Any], str], space: str) -> Presenter:
    """Writes an allocation message's parameters: ``country`` names a country id, ``space``
    groups the digits of a sum."""
    def present(name: str, value: Any) -> str:
        if name == "country":
            return country(value)
        if name == "countries":
            return ", ".join(country(item) for item in value)
        if name == "ranks":
            return ", ".join(rank_runs(value))
        if name in MONEY:   # a sum the engine's command line already wrote (its InputError) stays as written
            return value if isinstance(value, str) else soums(value, space)
        return plain(value)
    return present


def english(reason_or_message: Mapping[str, Any] | Message, names: Mapping[Any, str] | None = None) -> str:
    """The English sentence, as the command line prints it (sums grouped by plain spaces);
    ``names`` gives country names by id (default: the id)."""
    def country(key: Any) -> str:
        return (names or {}).get(key) or str(key)

    present = presenter(country, " ")

    def speak(found: Message) -> str:
        return render(found, ENGLISH, present)

    if isinstance(reason_or_message, Message):
        return speak(reason_or_message)
    return sentence(reason_or_message, speak, country)
