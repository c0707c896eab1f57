"""Certificates: issued from what the organizers published, verified by anyone, revoked by the facts.

Issuing (an organizer's action) gives every author of a submitted entry a certificate of
participation, and every author of a published winning entry (see ``publication``) a winner's
certificate for its place. Each gets a random code once; issuing again adds only what is new, so
codes never change. Whether a certificate still holds is read from the data each time it is shown:
a withdrawn entry, a co-author taken off it, or a place the latest published ranking no longer gives
revokes it (there is no "un-publish": a correction is a new published version).
"""
from __future__ import annotations

import enum
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import (
    Certificate, CertificateKind, Contest, Entry, EntryAuthor, EntryStatus, ResultSnapshot, Season, User,
)
from contest.models.certificates import new_code
from contest.pdf import certificate as certificate_pdf
from contest.services import audit, publication
from contest.services.prizes import fixed_prizes, prize_name

ZIP = "application/zip"
PDF = "application/pdf"
# Stands for the code in a verification address built once for many certificates (see verification_url).
CODE_PLACEHOLDER = "0000-0000-0000-0000"


class Revocation(str, enum.Enum):
    ENTRY_WITHDRAWN = "entry_withdrawn"
    AUTHOR_REMOVED = "author_removed"
    PLACE_WITHDRAWN = "place_withdrawn"

    @property
    def label(self):
        return REVOCATION_LABELS[self]


REVOCATION_LABELS = {
    Revocation.ENTRY_WITHDRAWN: _l("The entry was withdrawn."),
    Revocation.AUTHOR_REMOVED: _l("This person is no longer an author of the entry."),
    Revocation.PLACE_WITHDRAWN: _l("The published results no longer give this place."),
}


class Standings:
    """Each contest's published winning places, read once however many certificates are checked."""

    def __init__(self):
        self._places: dict[int, dict[int, int]] = {}

    def places(self, contest: Contest) -> dict[int, int]:
        """{entry id: rank} of the contest's published winners."""
        if contest.id not in self._places:
            winners = publication.winners_of(contest, ResultSnapshot.latest(contest.id)).winners
            self._places[contest.id] = {w.entry.id: w.rank for w in winners}
        return self._places[contest.id]

    def revocation(self, certificate: Certificate) -> Revocation | None:
        """Why the certificate no longer holds, or None while it does."""
        if certificate.entry.status is not EntryStatus.SUBMITTED:
            return Revocation.ENTRY_WITHDRAWN
        if certificate.entry_author is None:  # the author's row is gone (the key is nulled on PostgreSQL)
            return Revocation.AUTHOR_REMOVED
        if certificate.is_winner and self.places(certificate.entry.contest).get(certificate.entry_id) != \
                certificate.place:
            return Revocation.PLACE_WITHDRAWN
        return None


def revocation(certificate: Certificate) -> Revocation | None:
    return Standings().revocation(certificate)


# --------------------------------------------------------------------------- issuing

def language_of(author: EntryAuthor) -> str:
    """The holder's language: the one their account chose, else the platform's default."""
    languages = current_app.config["LANGUAGES"]
    chosen = author.user.locale if author.user is not None else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


@dataclass
class Issued:
    created: int
    already: int


def issue(season: Season, by: User) -> Issued:
    """Give every author what the published results and the submitted entries entitle them to; flushes.

    The season's row is locked first: two organizers issuing at once take turns, and the second
    finds the first one's certificates instead of colliding with them."""
    db.session.execute(db.select(Season.id).where(Season.id == season.id).with_for_update())
    contest_ids = [c.id for c in season.contests]
    existing = {(c.entry_author_id, c.kind, c.place) for c in db.session.scalars(
        db.select(Certificate).join(Entry).where(Entry.contest_id.in_(contest_ids)))}
    entries = db.session.scalars(db.select(Entry).where(Entry.contest_id.in_(contest_ids),
                                                        Entry.status == EntryStatus.SUBMITTED)
                                 .options(selectinload(Entry.authors).selectinload(EntryAuthor.user))
                                 .order_by(Entry.id)).all()
    places = {w.entry.id: w.rank for contest in publication.season_winners(season) for w in contest.winners}
    due = [(entry, author, CertificateKind.PARTICIPATION, 0) for entry in entries for author in entry.authors]
    due += [(entry, author, CertificateKind.WINNER, places[entry.id])
            for entry in entries if entry.id in places for author in entry.authors]
    created = 0
    for entry, author, kind, place in due:
        if (author.id, kind, place) in existing:
            continue
        db.session.add(Certificate(code=new_code(), kind=kind, place=place, entry=entry, entry_author=author,
                                   user_id=author.user_id, full_name=author.full_name, entry_title=entry.title,
                                   language=language_of(author), issued_by_id=by.id))
        created += 1
    db.session.flush()
    audit.record("certificates.issued", ("season", season.id), actor=by,
                 after={"season": season.year, "created": created, "already_issued": len(due) - created})
    return Issued(created, len(due) - created)


def of_season(season: Season) -> list[Certificate]:
    return list(db.session.scalars(
        db.select(Certificate).join(Entry).join(Contest).where(Contest.season_id == season.id)
        .options(selectinload(Certificate.entry).selectinload(Entry.contest), selectinload(Certificate.entry_author))
        .order_by(Entry.contest_id, Certificate.kind.desc(), Certificate.place, Entry.id, Certificate.id)))


def of_user(user: User) -> list[Certificate]:
    return list(db.session.scalars(
        db.select(Certificate).where(Certificate.user_id == user.id)
        .options(selectinload(Certificate.entry).selectinload(Entry.contest).selectinload(Contest.season),
                 selectinload(Certificate.entry_author))
        .order_by(Certificate.issued_at.desc(), Certificate.id)))


@dataclass
class Counts:
    winners: int = 0
    participants: int = 0
    revoked: int = 0


def counts(certificates: Iterable[Certificate]) -> Counts:
    standings, found = Standings(), Counts()
    for certificate in certificates:
        if standings.revocation(certificate) is not None:
            found.revoked += 1
        elif certificate.is_winner:
            found.winners += 1
        else:
            found.participants += 1
    return found


# --------------------------------------------------------------------------- the documents

def verification_url(template: str, code: str) -> str:
    """The verification address of ``code``, from an address built once with :data:`CODE_PLACEHOLDER`."""
    head, _sep, tail = template.rpartition(CODE_PLACEHOLDER)
    return f"{head}{code}{tail}"


def place_text(certificate: Certificate) -> str:
    """"Place 1 · Electric car: first place, The Best Idea", or "Participant", in the current language."""
    if not certificate.is_winner:
        return _("Participant")
    won = [prize_name(p) for p in fixed_prizes(certificate.entry.contest.season)
           if p.contest_id == certificate.entry.contest_id and p.place == certificate.place]
    return " · ".join([_("Place %(rank)d", rank=certificate.place), *won])


def wording(certificate: Certificate, url: str) -> certificate_pdf.CertificateText:
    """Every word of the certificate, in its holder's language."""
    contest = certificate.entry.contest
    with force_locale(certificate.language):
        return certificate_pdf.CertificateText(
            language=certificate.language, heading=str(certificate.kind.label),
            presented_to=_("This certifies that"), name=certificate.full_name,
            body=(_("author of the entry “%(title)s”", title=certificate.entry_title),
                  _("%(contest)s, %(season)s", contest=contest.title, season=contest.season.title),
                  place_text(certificate)),
            issued=_("Issued %(date)s", date=format_datetime(certificate.issued_at, "d MMMM yyyy")),
            code_label=_("Verification code"), code=certificate.code,
            verify_hint=_("Scan the QR code or open this address to check the certificate:"), url=url)


def document(certificate: Certificate, url: str) -> bytes:
    fonts = current_app.config["CERTIFICATE_FONTS"]
    return certificate_pdf.build(wording(certificate, url), *fonts)


def file_name(certificate: Certificate) -> str:
    kind = "winner" if certificate.is_winner else "participation"
    return f"certificate-{certificate.entry.code}-{kind}-{certificate.code}.pdf"


def season_zip(season: Season, url_template: str, progress=None) -> bytes:
    """Every certificate of the season that still holds, one PDF each, in a zip."""
    certificates, standings = of_season(season), Standings()
    valid = [c for c in certificates if standings.revocation(c) is None]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, certificate in enumerate(valid):
            if progress is not None and done % 20 == 0:
                progress(done, len(valid))
            archive.writestr(file_name(certificate), document(certificate, verification_url(url_template,
                                                                                            certificate.code)))
    if progress is not None:
        progress(len(valid), len(valid))
    return out.getvalue()


def zip_name(season: Season) -> str:
    return f"certificates-{season.year}.zip"


@job_kind("certificates_zip", _l("Certificates (zip)"))
def zip_job(context: JobContext, season_id: int, url_template: str) -> dict:
    """All of a season's certificates as one zip, built in the background (a national season has thousands)."""
    season = db.session.get(Season, season_id)
    context.attach(season_zip(season, url_template, context.progress), zip_name(season), ZIP)
    return {"season_id": season_id}
