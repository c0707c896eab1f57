"""Winners' ranked countries: set by them (or by organizers for co-authors without an account)."""
from __future__ import annotations

from datetime import datetime

from contest.catalogue import Message
from contest.extensions import db
from contest.models import InternshipCountry, InternshipPreference, PrizeSettings, Season, User, utcnow
from contest.services import audit
from contest.services.prizes.catalogue import countries
from contest.services.prizes.refusals import PrizeError


def preferences(season: Season) -> dict[str, list[str]]:
    """Every person's accepted countries (codes), best first."""
    found: dict[str, list[str]] = {}
    rows = db.session.execute(db.select(InternshipPreference.person, InternshipCountry.code)
                              .join(InternshipCountry, InternshipPreference.country_id == InternshipCountry.id)
                              .where(InternshipPreference.season_id == season.id)
                              .order_by(InternshipPreference.person, InternshipPreference.position)).all()
    for person, code in rows:
        found.setdefault(person, []).append(code)
    return found


def set_preferences(season: Season, settings: PrizeSettings, person: str, codes: list[str], by: User,
                    now: datetime | None = None) -> None:
    """Replace a person's ranked countries; refused after the deadline, whoever asks."""
    if not settings.accepts_preferences(now):
        raise PrizeError("preferences_closed")
    known = {c.code: c for c in countries(season)}
    problems: list[Message] = []
    for code in codes:
        if code not in known:
            problems.append(Message("preference_unknown_country", {"code": code}))
    if len(set(codes)) != len(codes):
        problems.append(Message("preference_country_twice"))
    if problems:
        raise PrizeError(problems)
    subject = ("user", int(person[1:])) if person.startswith("u") else ("author", int(person[1:]))
    audit.record("preferences.set", subject, actor=by, before={"countries": preferences(season).get(person, [])},
                 after={"countries": codes})
    db.session.execute(db.delete(InternshipPreference).where(InternshipPreference.season_id == season.id,
                                                             InternshipPreference.person == person))
    db.session.flush()
    for position, code in enumerate(codes):
        db.session.add(InternshipPreference(season_id=season.id, person=person, country=known[code],
                                            position=position, entered_by_id=by.id, entered_at=utcnow()))
    db.session.flush()
