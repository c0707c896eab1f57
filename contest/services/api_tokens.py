"""Issuing and revoking API tokens; the secret leaves here once, to be shown once."""
from __future__ import annotations


from contest.catalogue import Refusal
from contest.extensions import db
from contest.models import ApiToken, User, utcnow
from contest.models.api_tokens import ROLE_SCOPES
from contest.services import audit


class TokenError(Refusal):
    """A token cannot be issued or revoked as asked; the message says why."""


def issue(owner: User, name: str, scopes: list[str], *, by: User) -> tuple[ApiToken, str]:
    """A token for ``owner`` with the scopes of ``scopes`` its role allows; returns it and its secret."""
    if not ApiToken.can_be_issued_by(by) or owner.id != by.id:
        raise TokenError("token_for_someone_else")
    name = name.strip()
    if not name:
        raise TokenError("token_name_missing")
    granted = [s for s in ROLE_SCOPES[owner.role] if s in scopes]
    if not granted:
        raise TokenError("token_without_permission")
    token, secret = ApiToken.make(owner, name, granted, by)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.issued", token, after={"name": token.name, "owner": owner.email, "scopes": token.scopes})
    return token, secret


def revoke(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke the token at once; a token already revoked stays as it was."""
    if not token.can_be_revoked_by(by):
        raise TokenError("token_not_revocable")
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = utcnow(), by
        db.session.flush()
        audit.record("api_token.revoked", token, before={"name": token.name, "owner": token.owner.email})
    return token


def visible_to(user: User) -> list[ApiToken]:
    """The tokens a person's token page lists: every token for organizers, their own for anyone else."""
    query = db.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                         ApiToken.id.desc())
    if not user.is_staff:
        query = query.where(ApiToken.owner_id == user.id)
    return list(db.session.scalars(query))
