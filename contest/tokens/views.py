"""API token pages: judges issue and revoke their own tokens; organizers issue their own and revoke any."""
from __future__ import annotations

from flask import abort, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.actions import ActionForm, commit_change, perform, under
from contest.auth.access import role_required
from contest.extensions import db
from contest.models import ApiToken, Role
from contest.models.api_tokens import SCOPE_LABELS
from contest.services import api_tokens
from contest.services.api_tokens import TokenError
from contest.tokens import bp
from contest.tokens.forms import token_form

ISSUERS = (Role.JUDGE, Role.ORGANIZER, Role.ADMIN)


def _page(form, secret: str | None = None, status: int = 200):
    response = make_response(render_template(
        "tokens/index.html", form=form, tokens=api_tokens.visible_to(current_user), secret=secret,
        action=ActionForm(), scope_labels=SCOPE_LABELS, document_url=url_for("api-docs.openapi_json")), status)
    response.headers["Cache-Control"] = "no-store"  # the secret is on it once; no cache keeps a copy
    return response


@bp.route("/", methods=["GET", "POST"])
@role_required(*ISSUERS)
def index():
    """The caller's tokens (every token, for organizers), and the form that issues one for the caller."""
    user = current_user._get_current_object()
    form = token_form(user.role)
    issued: list[str] = []

    def issue():
        token, secret = api_tokens.issue(user, form.name.data, form.scopes.data, by=user)
        issued.append(secret)
        return token

    if form.validate_on_submit() and commit_change(
            issue, (TokenError,), _("The token is issued. Copy it now: it will not be shown again."),
            refused=under(form.name)):
        return _page(token_form(user.role, formdata=None), secret=issued[0])
    return _page(form, status=422 if form.errors else 200)


@bp.post("/<int:token_id>/revoke")
@role_required(*ISSUERS)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not token.can_be_revoked_by(current_user):
        abort(404)  # another judge's token: do not confirm it exists
    perform(lambda: api_tokens.revoke(token, by=current_user._get_current_object()), (TokenError,),
            _("The token is revoked: it no longer opens the API."))
    return redirect(url_for("tokens.index"))
