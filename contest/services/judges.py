"""Judges' profiles and the panels of judges that serve each contest."""
from __future__ import annotations

from flask_babel import gettext as _

from contest.extensions import db
from contest.models import Assignment, Contest, ContestJudge, Entry, JudgeExpertise, Role, User
from contest.services import audit


class PanelError(ValueError):
    """A panel change refused; the message says why."""


def set_expertise(judge: User, levels: dict[str, int]) -> None:
    audit.record("judge.expertise_set", judge, before={item.field: item.level for item in judge.expertise},
                 after=levels)
    judge.expertise[:] = []
    db.session.flush()
    judge.expertise.extend(JudgeExpertise(field=name, level=level) for name, level in sorted(levels.items()))
    db.session.flush()


def add_to_panel(contest: Contest, judge: User, *, min_load: int, max_load: int) -> ContestJudge:
    if judge.role is not Role.JUDGE:
        raise PanelError(_("Only judge accounts can serve on a panel."))
    if max_load < min_load:
        raise PanelError(_("The most entries cannot be fewer than the fewest."))
    member = db.session.scalar(db.select(ContestJudge).where(ContestJudge.contest_id == contest.id,
                                                             ContestJudge.judge_id == judge.id))
    if member is None:
        member = ContestJudge(contest=contest, judge=judge)
        db.session.add(member)
    member.min_load, member.max_load = min_load, max_load
    db.session.flush()
    return member


def remove_from_panel(member: ContestJudge) -> int:
    """A judge leaves the contest: their unscored assignments go, the marks they gave stay.

    Returns how many assignments were released; the next assignment run fills those places.
    """
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
                              .where(ContestJudge.contest_id == contest.id).order_by(User.full_name)).all()


def all_judges() -> list[User]:
    return db.session.scalars(db.select(User).where(User.role == Role.JUDGE).order_by(User.full_name)).all()
