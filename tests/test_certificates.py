"""Certificates: issued from the published results, in each holder's language, with a code and a
QR code that a real decoder reads back to the public verification page; revoked by a withdrawal
or a corrected ranking; downloadable by their author alone, and zipped for the organizers."""
from __future__ import annotations

import functools
import io
import re
import threading
import zipfile

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from contest.extensions import db
from contest.models import (
    Assignment, Category, Certificate, CertificateKind, EntryAuthor, Mark, ResultSnapshot, Role, Season, User,
)
from contest.models.certificates import CODE_ALPHABET, new_code, normalize_code
from contest.pdf.certificate import qr_matrix
from contest.services import certificates, prizes
from tests.test_file_safety import assert_download
from tests.conftest import POSTGRES, run_at_once, submitted_entries


@pytest.fixture
def issued(client, login, organizer, scored, make_user):
    """The scored contest (12 entries) published and its certificates issued. The winner of the first
    place writes in Russian and has a named co-author without an account; the second place's author
    has an Uzbek name and account."""
    contest, judges, entries = scored
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    snapshot = ResultSnapshot.latest(contest.id)
    by_key = {f"e{entry.id}": entry for entry in entries}
    ranked = [by_key[row["entry"]] for row in sorted(snapshot.result["ranking"], key=lambda row: row["rank"])]
    first, second = ranked[0], ranked[1]
    first.lead_author.locale = "ru"
    first.authors.append(EntryAuthor(position=1, full_name="Named Co-author", category=Category.ENGINEER,
                                     organization="TATU", region="tashkent_city"))
    second.lead_author.locale = "uz"
    second.authors[0].full_name = second.lead_author.full_name = "Oʻktam Gʻulomov"
    prizes.catalogue(contest.season)
    db.session.commit()
    response = client.post(f"/certificates/seasons/{contest.season_id}/issue", follow_redirects=True)
    assert "24 certificates issued; 0 had been issued before." in response.get_data(as_text=True)
    client.post("/auth/logout")
    return contest, judges, ranked


def certificate_of(entry, kind: CertificateKind, position: int = 0) -> Certificate:
    return db.session.scalar(db.select(Certificate).join(EntryAuthor).where(
        Certificate.entry_id == entry.id, Certificate.kind == kind, EntryAuthor.position == position))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_payloads(data: bytes) -> list[str]:
    """Render the first page as a scanner would see it, and decode every QR code on it."""
    page = pypdfium2.PdfDocument(data)[0]
    return [found.text for found in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]


def test_issuing_gives_each_author_what_the_published_results_entitle_them_to(client, login, organizer, issued):
    contest, _judges, ranked = issued
    kinds = db.session.execute(db.select(Certificate.kind, db.func.count()).group_by(Certificate.kind)).all()
    assert dict(kinds) == {CertificateKind.PARTICIPATION: 13, CertificateKind.WINNER: 11}  # 10 places, one a pair
    assert {c.place for c in db.session.scalars(db.select(Certificate).where(
        Certificate.kind == CertificateKind.WINNER))} == set(range(1, 11))
    codes = {c.id: c.code for c in db.session.scalars(db.select(Certificate))}
    login(organizer)
    again = client.post(f"/certificates/seasons/{contest.season_id}/issue", follow_redirects=True)
    assert "0 certificates issued; 24 had been issued before." in again.get_data(as_text=True)
    assert {c.id: c.code for c in db.session.scalars(db.select(Certificate))} == codes  # stable
    page = client.get(f"/certificates/seasons/{contest.season_id}").get_data(as_text=True)
    assert re.search(r"Valid winners.{1,6} certificates</th><td class=\"num\">11<", page)


def test_the_pdf_says_what_it_certifies_in_the_holders_language_and_its_qr_code_opens_the_verification(
        client, login, issued):
    _contest, _judges, ranked = issued
    certificate = certificate_of(ranked[0], CertificateKind.WINNER)
    login(ranked[0].lead_author)
    response = client.get(f"/certificates/{certificate.id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    for shown in ("СЕРТИФИКАТ ПОБЕДИТЕЛЯ", "Настоящим удостоверяется, что", ranked[0].lead_author.full_name,
                  f"автор работы «{ranked[0].title}»", "1-е место", certificate.code, "Код проверки"):
        assert shown in text
    url = f"http://localhost/certificates/verify/{certificate.code}"
    assert qr_payloads(response.data) == [url]
    client.post("/auth/logout")  # anyone may verify: a stranger, in English
    page = client.get(url.removeprefix("http://localhost")).get_data(as_text=True)
    assert "This certificate is valid." in page and ranked[0].lead_author.full_name in page
    assert "Place 1" in page and ranked[0].title in page


def test_uzbek_latin_letters_survive_in_the_embedded_font(client, login, issued):
    _contest, _judges, ranked = issued
    certificate = certificate_of(ranked[1], CertificateKind.PARTICIPATION)
    login(ranked[1].lead_author)
    text = pdf_text(client.get(f"/certificates/{certificate.id}/download").data)
    assert "Oʻktam Gʻulomov" in text and "ISHTIROK SERTIFIKATI" in text and "Tekshirish kodi" in text
    fonts = [font.get_object() for page in PdfReader(io.BytesIO(client.get(
        f"/certificates/{certificate.id}/download").data)).pages for font in page["/Resources"]["/Font"].values()]
    assert fonts  # every font is DejaVu, embedded: none of the standard 14 PDF fonts could draw ʻ
    for font in fonts:
        assert "DejaVuSans" in font["/BaseFont"] and "/FontFile2" in font["/FontDescriptor"].get_object()


def test_only_the_author_downloads_a_certificate_and_organizers_download_any(client, login, make_user, organizer,
                                                                             issued):
    _contest, judges, ranked = issued
    certificate = certificate_of(ranked[0], CertificateKind.WINNER)
    url = f"/certificates/{certificate.id}/download"
    assert client.get(url).status_code == 302  # to the sign-in page
    for stranger in (ranked[5].lead_author, judges[0]):
        login(stranger)
        assert client.get(url).status_code == 404
    login(ranked[5].lead_author)
    mine = client.get("/certificates/").get_data(as_text=True)
    assert ranked[5].title in mine and ranked[0].title not in mine
    login(organizer)
    assert assert_download(client.get(url), "application/pdf", certificates.file_name(certificate)).startswith(b"%PDF-")
    login(ranked[0].lead_author)
    mine = client.get("/certificates/").get_data(as_text=True)
    assert mine.count("/download") == 2 and certificate.code in mine  # a winner's and a participation certificate


def test_a_withdrawn_entry_revokes_its_certificates_and_the_code_stays(client, login, issued):
    _contest, _judges, ranked = issued
    entry = ranked[2]
    winner, participation = certificate_of(entry, CertificateKind.WINNER), \
        certificate_of(entry, CertificateKind.PARTICIPATION)
    login(entry.lead_author)
    assert client.post(f"/entries/{entry.id}/withdraw", data={"confirm": "yes"}).status_code == 302
    for certificate in (winner, participation):
        page = client.get(f"/certificates/verify/{certificate.code}")
        assert page.status_code == 200
        assert "This certificate is revoked." in page.get_data(as_text=True)
        assert "The entry was withdrawn." in page.get_data(as_text=True)
        download = client.get(f"/certificates/{certificate.id}/download")
        assert download.status_code == 410 and download.mimetype == "text/html"
    assert "Revoked" in client.get("/certificates/").get_data(as_text=True)


def test_a_corrected_ranking_revokes_a_place_it_no_longer_gives(client, login, organizer, issued):
    contest, _judges, ranked = issued
    tenth = ranked[9]
    for mark in db.session.scalars(db.select(Mark).join(Assignment).where(Assignment.entry_id == ranked[10].id)):
        mark.value = 10  # the 11th entry's marks corrected upwards: it now ranks first
    db.session.commit()
    login(organizer)
    client.post(f"/results/contests/{contest.id}/publish", data={"confirm": "yes"})
    assert ResultSnapshot.latest(contest.id).version == 2
    moved = certificate_of(tenth, CertificateKind.WINNER)
    assert moved is not None
    page = client.get(f"/certificates/verify/{moved.code}").get_data(as_text=True)
    assert "This certificate is revoked." in page and "The published results no longer give this place." in page
    still = client.get(f"/certificates/verify/{certificate_of(tenth, CertificateKind.PARTICIPATION).code}")
    assert "This certificate is valid." in still.get_data(as_text=True)


def test_a_co_author_taken_off_the_entry_has_a_revoked_certificate(client, issued):
    _contest, _judges, ranked = issued
    certificate = certificate_of(ranked[0], CertificateKind.PARTICIPATION, position=1)
    code = certificate.code
    db.session.delete(ranked[0].authors[1])
    db.session.commit()
    page = client.get(f"/certificates/verify/{code}").get_data(as_text=True)
    assert "Named Co-author" in page and "This person is no longer an author of the entry." in page


def test_organizers_download_every_valid_certificate_as_a_zip(client, login, organizer, issued):
    contest, _judges, ranked = issued
    login(ranked[3].lead_author)
    client.post(f"/entries/{ranked[3].id}/withdraw", data={"confirm": "yes"})  # its 2 certificates are revoked
    login(organizer)
    job_page = client.post(f"/certificates/seasons/{contest.season_id}/zip")
    assert job_page.status_code == 302
    job_id = int(job_page.headers["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"/organizer/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = archive.namelist()
    assert len(names) == 22 and all(name.endswith(".pdf") for name in names)
    assert not any(ranked[3].code in name for name in names)
    one = certificate_of(ranked[0], CertificateKind.WINNER)
    data = archive.read(next(name for name in names if one.code in name))
    assert qr_payloads(data) == [f"http://localhost/certificates/verify/{one.code}"]
    assert client.get(f"/certificates/seasons/{contest.season_id}").status_code == 200


def test_participants_and_judges_cannot_issue_or_zip(client, login, make_user, make_season):
    season = make_season()
    for role in (Role.PARTICIPANT, Role.JUDGE):
        login(make_user(role))
        assert client.post(f"/certificates/seasons/{season.id}/issue").status_code == 403
        assert client.post(f"/certificates/seasons/{season.id}/zip").status_code == 403
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0


def test_codes_are_random_eighty_bits_and_read_as_people_type_them(client):
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code) for code in codes)
    assert len(CODE_ALPHABET) ** 16 == 2 ** 80
    assert normalize_code("abcd efgh 1jkm-np0o") == "ABCD-EFGH-1JKM-NP00"
    assert normalize_code("ABCD-EFGH") is None and normalize_code("ABCD-EFGH-JKMN-PQRU") is None
    assert client.get("/certificates/verify/ABCD-EFGH-JKMN-PQRS").status_code == 404
    assert client.get("/certificates/verify/not-a-code").status_code == 404


def test_the_qr_symbol_holds_the_address_it_was_made_from():
    url = "https://contests.example.uz/certificates/verify/ABCD-EFGH-JKMN-PQRS"
    matrix = qr_matrix(url)
    from PIL import Image

    image = Image.new("L", (len(matrix) * 4, len(matrix) * 4), 255)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.paste(0, (c * 4, r * 4, c * 4 + 4, r * 4 + 4))
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [url]


@pytest.mark.skipif(not POSTGRES, reason="a race only a real database server shows (the PostgreSQL pass)")
def test_two_organizers_issuing_at_once_make_each_certificate_once(app, make_season, make_user):
    season = make_season()
    submitted_entries(season.contests[0], make_user, 5)
    organizers = [make_user(Role.ORGANIZER) for _ in range(3)]
    season_id, organizer_ids = season.id, [o.id for o in organizers]
    start = threading.Barrier(3)
    outcomes: list[int] = []

    def attempt(organizer_id: int) -> None:
        with app.app_context():
            season_ = db.session.get(Season, season_id)
            organizer_ = db.session.get(User, organizer_id)
            start.wait()
            outcomes.append(certificates.issue(season_, organizer_).created)
            db.session.commit()
            db.session.remove()

    run_at_once(*(functools.partial(attempt, o) for o in organizer_ids), timeout=30)
    assert sorted(outcomes) == [0, 0, 5]
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 5
