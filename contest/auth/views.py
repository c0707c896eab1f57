"""Sign-in, sign-out, registration and passwords."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from contest.auth import bp
from contest.auth.access import safe_next
from contest.auth.forms import ChangePasswordForm, LoginForm, RegistrationForm, ResetRequestForm, SetPasswordForm
from contest.auth.throttle import (
    credential_limits, invitation, reset_link, reset_request_limits, signed_in_account, typed_email,
)
from contest.models import User
from contest.services import accounts


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = accounts.register_participant(
            email=form.email.data, password=form.password.data, full_name=form.full_name.data,
            category=form.category.data, organization=form.organization.data,
            region=form.region.data, phone=form.phone.data)
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@credential_limits(typed_email)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)  # may upgrade an old password hash
        if user is None:
            flash(_("Wrong email or password."), "danger")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Ends this session and every other cookie of the account, remembered or not."""
    current_user.end_sessions()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@credential_limits(signed_in_account)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
            return render_template("auth/change_password.html", form=form), 422
        user = current_user._get_current_object()
        accounts.change_password(user, form.password.data)
        login_user(user)  # other devices are signed out; this one stays in
        flash(_("Your password is changed."), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@credential_limits(invitation)
def set_password(token: str):
    user = User.by_invite(token)
    if user is None:
        return render_template("auth/invite_invalid.html"), 404
    return _new_password_page(user, accounts.set_password_from_invite, _("Your password is set. Welcome!"))


def _new_password_page(user: User, save, done: str):
    """The form that sets ``user``'s password from a link (an invitation or a reset): ``save`` stores it,
    then the person is signed in as ``user`` (whoever was signed in before) and told ``done``."""
    form = SetPasswordForm()
    if form.validate_on_submit():
        save(user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        login_user(user)
        flash(done, "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/set_password.html", form=form, user=user), 422 if form.errors else 200


@bp.route("/reset", methods=["GET", "POST"])
@reset_request_limits
def forgot_password():
    """The same answer whether an account uses the email or not (and no faster for one that does not)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(_("If an account uses %(email)s, a link to choose a new password is on its way there. It works "
                "once, for %(minutes)d minutes.", email=form.email.data, minutes=accounts.reset_minutes()), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<reset_token>", methods=["GET", "POST"])
@credential_limits(reset_link)
def reset_password(reset_token: str):
    try:
        user = accounts.user_for_reset(reset_token)
    except accounts.ResetLinkExpired:
        return render_template("auth/reset_invalid.html", expired=True), 410
    except accounts.ResetLinkInvalid:
        return render_template("auth/reset_invalid.html", expired=False), 404
    return _new_password_page(user, accounts.reset_password, _("Your new password is set."))


@bp.post("/language/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
