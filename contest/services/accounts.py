"""Creating accounts: self-registered participants, staff from the CLI, invited judges."""
from __future__ import annotations

from datetime import timedelta

from contest.extensions import db
from contest.models import Category, Role, User, normalize_email
from contest.services import audit


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def register_participant(*, email: str, password: str, full_name: str, category: str,
                         organization: str, region: str, phone: str | None = None) -> User:
    user = User(email=normalize_email(email), full_name=full_name.strip(), role=Role.PARTICIPANT,
                category=Category(category), organization=organization.strip(), region=region,
                phone=(phone or "").strip() or None)
    user.set_password(password)
    return _add(user)


def create_staff(*, email: str, full_name: str, role: Role, password: str) -> User:
    if role not in (Role.ORGANIZER, Role.ADMIN):
        raise AccountError(f"staff accounts are organizers or admins, not {role.value}")
    user = User(email=normalize_email(email), full_name=full_name.strip(), role=role)
    user.set_password(password)
    _add(user)
    audit.record("user.created", user, after={"email": user.email, "full_name": user.full_name, "role": role})
    return user


def invite_judge(*, email: str, full_name: str, organization: str, region: str | None,
                 valid_for: timedelta) -> tuple[User, str]:
    """A judge account without a password, and the one-time token that lets them set one."""
    judge = _add(User(email=normalize_email(email), full_name=full_name.strip(), role=Role.JUDGE,
                      organization=organization.strip(), region=region or None))
    audit.record("user.invited", judge, after={"email": judge.email, "full_name": judge.full_name, "role": judge.role,
                                               "organization": judge.organization, "region": judge.region})
    return judge, judge.issue_invite(valid_for)


def reissue_invite(user: User, valid_for: timedelta) -> str:
    """A new one-time link for an account that never set its password; the old link stops working."""
    if user.password_hash:
        raise AccountError(f"{user.email} has set a password already")
    audit.record("user.invite_reissued", user, after={"valid_hours": round(valid_for.total_seconds() / 3600)})
    return user.issue_invite(valid_for)


def set_password_from_invite(user: User, password: str) -> None:
    audit.record("user.invite_accepted", user, actor=user)
    user.set_password(password)
    user.consume_invite()
    user.end_sessions()


def change_password(user: User, password: str) -> None:
    audit.record("user.password_changed", user, actor=user)  # that it changed, never the hash
    user.set_password(password)
    user.end_sessions()


def _add(user: User) -> User:
    if User.by_email(user.email):
        raise AccountError(f"an account with the email {user.email} already exists")
    db.session.add(user)
    db.session.flush()
    return user
