"""Creating accounts: self-registered participants, staff from the CLI, invited judges; password resets."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from contest.catalogue import Refusal
from contest.extensions import db
from contest.models import Category, Role, User, normalize_email
from contest.services import audit, notices


class AccountError(Refusal):
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
        raise AccountError("staff_role_invalid", role=role.value)
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
    token = judge.issue_invite(valid_for)
    notices.judge_invited(judge, token)
    return judge, token


def reissue_invite(user: User, valid_for: timedelta) -> str:
    """A new one-time link for an account that never set its password; the old link stops working."""
    if user.password_hash:
        raise AccountError("password_set_already", email=user.email)
    audit.record("user.invite_reissued", user, after={"valid_hours": round(valid_for.total_seconds() / 3600)})
    token = user.issue_invite(valid_for)
    notices.judge_invited(user, token)
    return token


def set_password_from_invite(user: User, password: str) -> None:
    _password_from_link(user, password, "user.invite_accepted")


def _password_from_link(user: User, password: str, action: str) -> None:
    """A password chosen through a one-time link: recorded, set, the link spent and other sessions ended."""
    audit.record(action, user, actor=user)
    user.set_password(password)
    user.consume_invite()
    user.end_sessions()


def change_password(user: User, password: str) -> None:
    audit.record("user.password_changed", user, actor=user)  # that it changed, never the hash
    user.set_password(password)
    user.end_sessions()


def _add(user: User) -> User:
    if User.by_email(user.email):
        raise AccountError("account_exists", email=user.email)
    db.session.add(user)
    db.session.flush()
    return user


# -- password reset: a signed, time-limited link that dies once used ---------------------------------

RESET_SALT = "password-reset"


class ResetLinkExpired(ValueError):
    """The link is genuine but older than PASSWORD_RESET_VALID_MINUTES."""


class ResetLinkInvalid(ValueError):
    """The link was never issued, was used already, or the password changed since."""


def _reset_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESET_SALT)


def _password_fingerprint(user_id: int, password_hash: str | None) -> str:
    """Part of the link: once the password changes (the link was used), the link no longer matches."""
    return hashlib.sha256(f"{user_id}:{password_hash or ''}".encode()).hexdigest()[:24]


def reset_minutes() -> int:
    return current_app.config["PASSWORD_RESET_VALID_MINUTES"]


def request_password_reset(email: str) -> None:
    """Mail a reset link to the account of ``email``, if there is an active one; flushes.

    An unknown email gets the same work (a link signed, a mail rendered) and nothing kept, so the
    answer and its time do not tell whether the account exists.
    """
    from contest.services import mail

    user = User.by_email(email)
    found = user is not None and user.is_active
    subject = user if found else User(id=0, email=normalize_email(email), full_name="", role=Role.PARTICIPANT)
    token = reset_token(subject)
    if found:
        notices.password_reset(user, token, reset_minutes())
    else:
        mail.render("reset", mail.recipient_locale(subject), {"user": subject, "link": mail.LINK_MARK,
                                                             "minutes": reset_minutes()})


def reset_token(user: User) -> str:
    return _reset_signer().dumps({"u": user.id, "f": _password_fingerprint(user.id, user.password_hash)})


def user_for_reset(token: str) -> User:
    """The account a reset link opens. :raises ResetLinkExpired: or :class:`ResetLinkInvalid`."""
    try:
        claims = _reset_signer().loads(token, max_age=reset_minutes() * 60)
    except SignatureExpired:
        raise ResetLinkExpired(token) from None
    except BadSignature:
        raise ResetLinkInvalid(token) from None
    user = db.session.get(User, claims.get("u", 0)) if isinstance(claims, dict) else None
    if user is None or not user.is_active or claims.get("f") != _password_fingerprint(user.id, user.password_hash):
        raise ResetLinkInvalid(token)
    return user


def reset_password(user: User, password: str) -> None:
    _password_from_link(user, password, "user.password_reset")
