"""Certificates: the author's own, one PDF at a time; the organizers', issued and zipped per
season; and the public page a certificate's QR code opens, which says what it certifies."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from contest.actions import ActionForm, perform
from contest.auth.access import role_required, staff_required
from contest.certificates import bp
from contest.downloads import send_download
from contest.extensions import db
from contest.jobs import queue as jobs
from contest.models import Certificate, Role, Season
from contest.services import certificates


def _url_template() -> str:
    """The verification address with a placeholder for the code, absolute: it goes on paper."""
    return url_for("certificates.verify", certificate_code=certificates.CODE_PLACEHOLDER, _external=True)


@bp.get("/")
@role_required(Role.PARTICIPANT)
def mine():
    owned = certificates.of_user(current_user)
    standings = certificates.Standings()
    return render_template("certificates/mine.html", certificates=owned,
                           revocations={c.id: standings.revocation(c) for c in owned})


@bp.get("/<int:certificate_id>/download")
@login_required
def download(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not certificate.can_be_downloaded_by(current_user):
        abort(404)
    revoked = certificates.revocation(certificate)
    if revoked is not None:  # a revoked certificate is not handed out again; its page says why
        return _verification_page(certificate, revoked), 410
    data = certificates.document(certificate, certificates.verification_url(_url_template(), certificate.code))
    return send_download(data, certificates.PDF, certificates.file_name(certificate))


@bp.get("/verify/<certificate_code>")
def verify(certificate_code: str):
    """Public: anyone holding the paper (or its QR code) sees what it certifies and whether it still holds."""
    certificate = Certificate.by_code(certificate_code)
    if certificate is None:
        abort(404)
    return _verification_page(certificate, certificates.revocation(certificate))


def _verification_page(certificate: Certificate, revoked: certificates.Revocation | None) -> str:
    return render_template("certificates/verify.html", certificate=certificate, revoked=revoked,
                           place_text=certificates.place_text(certificate))


@bp.get("/seasons/<int:season_id>")
@staff_required
def season(season_id: int):
    season = db.get_or_404(Season, season_id)
    issued = certificates.of_season(season)
    return render_template("certificates/season.html", season=season, counts=certificates.counts(issued),
                           issued=len(issued), action=ActionForm())


@bp.post("/seasons/<int:season_id>/issue")
@staff_required
def issue(season_id: int):
    season = db.get_or_404(Season, season_id)
    perform(lambda: certificates.issue(season, current_user._get_current_object()), (),
            lambda done: ngettext("%(num)d certificate issued; %(already)d had been issued before.",
                                  "%(num)d certificates issued; %(already)d had been issued before.",
                                  done.created, already=done.already))
    return redirect(url_for("certificates.season", season_id=season.id))


@bp.post("/seasons/<int:season_id>/zip")
@staff_required
def prepare_zip(season_id: int):
    """Every valid certificate of the season in one zip, built by a background job; its page offers the download."""
    season = db.get_or_404(Season, season_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    job = jobs.enqueue("certificates_zip", season_id=season.id, url_template=_url_template(),
                       created_by=current_user._get_current_object())  # it starts with the commit
    flash(_("The certificates are being prepared; download the zip from this page when it is ready."), "info")
    return redirect(url_for("jobs.job", job_id=job.id))
