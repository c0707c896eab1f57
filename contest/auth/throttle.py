"""How often a password may be tried: per account and per client address, on every password form."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from contest.extensions import limiter
from contest.models.people import hash_token, normalize_email


def _failed(response) -> bool:
    """Only attempts that let nobody in count, so a rush of judges signing in is never slowed."""
    return response.status_code != 302


def credential_limits(account_key):
    """The per-account and per-address limits for a view that checks a password or token (POST only).
    Both budgets are shared by all password forms, so guessing cannot move from one form to another."""
    return _limits("CREDENTIAL_LIMIT", "credential", account_key, deduct_when=_failed)


def _limits(setting: str, scope: str, account_key, deduct_when):
    """A budget per account (``account_key``) and one per client address, from the settings
    ``<setting>_PER_ACCOUNT`` and ``<setting>_PER_ADDRESS``, spent on the POSTs ``deduct_when`` counts."""

    def decorate(view):
        per_account = limiter.shared_limit(
            lambda: current_app.config[f"{setting}_PER_ACCOUNT"], scope=f"{scope}-account",
            key_func=account_key, methods=["POST"], deduct_when=deduct_when)
        per_address = limiter.shared_limit(
            lambda: current_app.config[f"{setting}_PER_ADDRESS"], scope=f"{scope}-address",
            key_func=get_remote_address, methods=["POST"], deduct_when=deduct_when)
        return per_address(per_account(view))

    return decorate


def typed_email() -> str:
    """The account a sign-in names, whether it exists or not."""
    return "email:" + normalize_email(request.form.get("email", ""))


def signed_in_account() -> str:
    return "email:" + normalize_email(current_user.email)


def invitation() -> str:
    return "invite:" + hash_token(request.view_args["token"])


def reset_link() -> str:
    return "reset:" + hash_token(request.view_args["reset_token"])


def _accepted(response) -> bool:
    return response.status_code == 302


def reset_request_limits(view):
    """Every accepted reset request counts (each may send a mail), per email typed, existing or not, and per
    address; a form sent back for a mistyped email sends nothing and does not count."""
    return _limits("PASSWORD_RESET_LIMIT", "reset", typed_email, deduct_when=_accepted)(view)
