"""Judges' profiles and the panels of judges that serve each contest."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import contains_eager

from contest.catalogue import Refusal
from contest.extensions import db
from contest.models import Assignment, Contest, ContestJudge, Entry, JudgeExpertise, Role, User
from contest.services import audit, versions
from contest.services.versions import Read, Seen


class PanelError(Refusal):
    """A panel change refused; the message says why."""


def set_expertise(judge: User, levels: dict[str, int]) -> None:
    audit.record("judge.expertise_set", judge, before={item.field: item.level for item in judge.expertise},
                 after=levels)
    judge.expertise[:] = []
    db.session.flush()
    judge.expertise.extend(JudgeExpertise(field=name, level=level) for name, level in sorted(levels.items()))
    db.session.flush()


def add_to_panel(contest: Contest, judge: User, *, min_load: int, max_load: int) -> ContestJudge:
    """A new member; one already on the panel has their loads changed in the panel's table, from
    the version read there, never over it from here."""
    if judge.role is not Role.JUDGE:
        raise PanelError("panel_member_not_a_judge")
    _check_loads(judge, min_load, max_load)
    # Two organizers adding the same judge at once: the second waits here, then finds the member.
    db.session.execute(db.select(Contest.id).where(Contest.id == contest.id).with_for_update())
    member = db.session.scalar(db.select(ContestJudge).where(ContestJudge.contest_id == contest.id,
                                                             ContestJudge.judge_id == judge.id))
    if member is not None:
        raise PanelError("panel_member_already", name=judge.full_name, min=member.min_load, max=member.max_load)
    member = ContestJudge(contest=contest, judge=judge, min_load=min_load, max_load=max_load)
    db.session.add(member)
    db.session.flush()
    return member


def member_shown(member: ContestJudge) -> dict[str, object]:
    """What a row of the panel's loads table shows."""
    return {"min_load": member.min_load, "max_load": member.max_load}


@dataclass
class Loads:
    """A panel member's loads as typed in their row, with what the row was read at."""

    member: ContestJudge
    min_load: int
    max_load: int
    seen: Seen | None = None


def set_loads(rows: list[Loads]) -> None:
    """Every row's loads at once, or none: a row someone saved since it was read refuses them all."""
    versions.check_all(Read(row.member, row.seen, member_shown(row.member), row.member.judge.full_name)
                       for row in rows)
    for row in rows:
        _check_loads(row.member.judge, row.min_load, row.max_load)
    for row in rows:
        row.member.min_load, row.member.max_load = row.min_load, row.max_load
    db.session.flush()


def _check_loads(judge: User, min_load: int, max_load: int) -> None:
    if max_load < min_load:
        raise PanelError("panel_loads_inverted", name=judge.full_name)


def set_judges_per_entry(contest: Contest, judges_per_entry: int, seen: Seen | None = None) -> None:
    versions.check(contest, seen, judges_per_entry_shown(contest))
    contest.judges_per_entry = judges_per_entry
    db.session.flush()


def judges_per_entry_shown(contest: Contest) -> dict[str, object]:
    return {"judges_per_entry": contest.judges_per_entry}


def remove_from_panel(member: ContestJudge, version: int | None = None) -> int:
    """A judge leaves the contest: their unscored assignments go, the marks they gave stay.

    Returns how many assignments were released; the next assignment run fills those places.
    """
    versions.check_removal(member, version)
    assignments = db.session.scalars(db.select(Assignment).join(Entry).where(
        Entry.contest_id == member.contest_id, Assignment.judge_id == member.judge_id)).all()
    released = [a for a in assignments if not a.marks]
    for assignment in released:
        audit.record("assignment.released", assignment, entry=assignment.entry_id,
                     before={"judge_id": assignment.judge_id, "round": assignment.round, "marks": 0})
        db.session.delete(assignment)
    db.session.delete(member)
    db.session.flush()
    return len(released)


def panel(contest: Contest) -> list[ContestJudge]:
    return db.session.scalars(db.select(ContestJudge).join(User, ContestJudge.judge_id == User.id)
                              .where(ContestJudge.contest_id == contest.id).order_by(User.full_name)
                              .options(contains_eager(ContestJudge.judge))).all()


def all_judges() -> list[User]:
    return db.session.scalars(db.select(User).where(User.role == Role.JUDGE).order_by(User.full_name)).all()
