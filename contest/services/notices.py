"""What the platform tells people, and when: one function per message, called by the service whose
change causes it, in the same transaction (see :mod:`contest.services.mail`).

Mail to judges (invitation, assignment, reminders) names entries by their neutral codes only: no
title, author, organization or region.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString
from sqlalchemy import func

from contest.extensions import db
from contest.i18n import local_time
from contest.jobs.registry import periodic
from contest.models import (
    Assignment, Contest, Entry, EntryAuthor, EntryStatus, ScoringRound, SheetStatus, User, utcnow,
)
from contest.models.mail import OutboxMessage
from contest.services.mail import compose, external_url, hold_batch

REMINDER_DAYS = (1, 3)   # before a scoring window closes, the nearest first


def _when(value: datetime | None) -> LazyString | str:
    """A time in the recipient's language and the contest's clock, worded when the mail is rendered."""
    return LazyString(local_time, value) if value else ""


def entry_received(entry: Entry) -> None:
    compose("receipt", entry.lead_author, code=entry.code, title=entry.title, contest=entry.contest.title,
            submitted_at=_when(entry.submitted_at), url=external_url("submissions.show", entry_id=entry.id))


def judge_invited(judge: User, token: str) -> None:
    compose("invitation", judge, secret_link=external_url("auth.set_password", token=token),
            valid_until=_when(judge.invite_expires_at))


def participant_imported(user: User, token: str) -> None:
    compose("welcome", user, secret_link=external_url("auth.set_password", token=token),
            valid_until=_when(user.invite_expires_at))


def password_reset(user: User, token: str, valid_minutes: int) -> None:
    compose("reset", user, secret_link=external_url("auth.reset_password", reset_token=token), minutes=valid_minutes)


def entries_assigned(contest: Contest, round_number: int, pairs: Iterable[tuple[int, int]]) -> None:
    """Each judge given new entries: how many, their codes, and when scoring closes."""
    codes: dict[int, list[str]] = defaultdict(list)
    for judge_id, entry_id in sorted(pairs):
        codes[judge_id].append(Entry.code_of(entry_id))
    if not codes:
        return
    window = ScoringRound.of(contest.id, round_number)
    judges = db.session.scalars(db.select(User).where(User.id.in_(codes)).order_by(User.id))
    for judge in judges:
        compose("assignment", judge, contest=contest.title, count=len(codes[judge.id]), codes=codes[judge.id],
                closes=_when(window.closes_at if window else None), url=external_url("judging.queue"))


def results_published(contest: Contest, snapshot_id: int, version: int, entry_ids: Iterable[int]) -> int:
    """Held for an organizer's send: each participant with an account hears of their ranked entries."""
    entries_of: dict[int, list[Entry]] = defaultdict(list)
    rows = db.session.execute(db.select(EntryAuthor.user_id, Entry).join(Entry, Entry.id == EntryAuthor.entry_id)
                              .where(Entry.id.in_(list(entry_ids)), EntryAuthor.user_id.is_not(None))
                              .order_by(Entry.id)).all()
    for user_id, entry in rows:
        entries_of[user_id].append(entry)
    users = db.session.scalars(db.select(User).where(User.id.in_(entries_of)).order_by(User.id)).all()
    people = [(user, {"contest": contest.title, "version": version,
                      "entries": [(e.code, e.title, external_url("submissions.show", entry_id=e.id))
                                  for e in entries_of[user.id]]}) for user in users]
    return hold_batch("results", f"results-{snapshot_id}", f"results-contest-{contest.id}", people)


def prizes_allocated(season, snapshot_id: int, awards: dict[str, dict], cars: list[dict],
                     countries: list[dict]) -> int:
    """Held for an organizer's send: each winner with an account hears of their car and internship country."""
    from contest.services.prizes import country_names

    prizes: dict[int, list[str]] = defaultdict(list)
    for car in cars:
        for person in car["persons"]:
            if person.startswith("u"):
                prizes[int(person[1:])].append(car["prize"])
    country_of = {int(key[1:]): award["country"] for key, award in awards.items() if key.startswith("u")}
    winners = sorted(set(prizes) | set(country_of))
    users = db.session.scalars(db.select(User).where(User.id.in_(winners)).order_by(User.id)).all()

    def country(code: str) -> LazyString:
        return LazyString(lambda: country_names(countries).get(code, code))

    people = [(user, {"season": season.title, "prizes": prizes.get(user.id, []),
                      "country": country(country_of[user.id]) if user.id in country_of else None,
                      "url": external_url("prizes.mine")}) for user in users]
    return hold_batch("prize", f"prizes-{snapshot_id}", f"prizes-season-{season.id}", people)


@periodic
def queue_reminders(now: datetime | None = None) -> int:
    """Hold a reminder for each judge with unscored entries in a scoring window that closes within
    three days (or within one: the nearer one only); flushes. Never the same reminder twice: each
    carries a key of its window, its closing time, its day count and its judge."""
    now = now or utcnow()
    windows = db.session.scalars(db.select(ScoringRound).where(
        ScoringRound.closes_at > now, ScoringRound.closes_at <= now + timedelta(days=max(REMINDER_DAYS)))
        .order_by(ScoringRound.id)).all()
    made = 0
    for window in windows:
        days = next(d for d in REMINDER_DAYS if window.closes_at - now <= timedelta(days=d))
        unscored = dict(db.session.execute(
            db.select(Assignment.judge_id, func.count(Assignment.id)).join(Entry, Entry.id == Assignment.entry_id)
            .where(Entry.contest_id == window.contest_id, Entry.status == EntryStatus.SUBMITTED,
                   Assignment.round == window.number, Assignment.status == SheetStatus.DRAFT)
            .group_by(Assignment.judge_id)).all())
        keys = {judge_id: f"reminder:{window.id}:{window.closes_at:%Y%m%d%H%M}:{days}:{judge_id}"
                for judge_id in unscored}
        known = set(db.session.scalars(db.select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(list(keys.values())))))
        due = [judge_id for judge_id, key in keys.items() if key not in known]
        if not due:
            continue
        judges = db.session.scalars(db.select(User).where(User.id.in_(due)).order_by(User.id)).all()
        people = [(judge, {"contest": window.contest.title, "closes": _when(window.closes_at), "days": days,
                           "unscored": unscored[judge.id], "url": external_url("judging.queue"),
                           "dedupe_key": keys[judge.id]}) for judge in judges]
        made += hold_batch("reminder", f"reminders-{window.id}-{days}d", f"reminders-{window.id}", people)
    if made:
        current_app.logger.info("%d scoring reminders held for an organizer's send", made)
    return made
