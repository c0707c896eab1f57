"""Uploads and downloads: a cap on files per entry, no HTML polyglots, and every file served as a
download with ``nosniff`` under a safe name, to owners, staff and judges alike."""
from __future__ import annotations

import functools
import inspect
import io
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from pypdf import PdfWriter

import contest
from contest.extensions import db
from contest.models import Assignment, Attachment, Entry, EntryAuthor, EntryStatus, Role
from contest.services import attachments
from contest.services.demo import build_demo_season
from tests.conftest import PDF_BYTES, PNG_BYTES, POSTGRES, run_at_once, upload
from tests.files.test_polyglot import POLYGLOTS, noise_image
from tests.test_judging import open_round

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Every endpoint that sends a file; test_every_file_route_is_covered_here keeps this list whole.
# The mail (.eml) and certificate downloads are checked with assert_download in tests/test_mail.py and
# tests/test_certificates.py, beside the outbox and certificates they need.
FILE_ROUTES = {"submissions.download", "judging.file", "imports.template", "prizes.workbook", "jobs.download",
               "mail.message_file", "certificates.download"}
CYRILLIC_NAME = "отчёт о проекте.pdf"


@pytest.fixture
def contest_(make_season):
    return make_season().contests[0]


@pytest.fixture
def author(make_user):
    return make_user(full_name="Tursunov Jasur")


@pytest.fixture
def entry(contest_, author):
    entry = Entry(contest=contest_, lead_author=author, field=contest_.fields[0], status=EntryStatus.DRAFT)
    entry.set_title("Solar micro-grid")
    entry.authors.append(EntryAuthor.from_user(author, 0))
    db.session.add(entry)
    db.session.commit()
    return entry


def rows() -> int:
    return db.session.scalar(db.select(db.func.count(Attachment.id)))


def files_on_disk(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


def one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg(seed: int = 0, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    noise_image(size, seed).save(out, "JPEG")
    return out.getvalue()


# --------------------------------------------------------------------------- the cap on files

def test_the_cap_on_files_refuses_one_more_with_a_message_and_leaves_no_trace(app, client, login, author, entry):
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = 3
    login(author)
    for n in range(3):
        assert "File attached" in upload(client, entry.id, PDF_BYTES, f"part-{n}.pdf").get_data(as_text=True)
    on_disk = files_on_disk(app)
    page = upload(client, entry.id, PNG_BYTES, "fourth.png").get_data(as_text=True)
    assert "An entry can have at most 3 files; remove one to attach fourth.png." in page
    # The entry page is as it was: title, the three files, the upload form.
    assert "Solar micro-grid" in page and all(f"part-{n}.pdf" in page for n in range(3))
    assert 'enctype="multipart/form-data"' in page and "At most 3 files per entry." in page
    assert rows() == 3 and files_on_disk(app) == on_disk
    # Removing one frees its place.
    removed = db.session.scalars(db.select(Attachment)).first()
    client.post(f"/entries/{entry.id}/attachments/{removed.id}/delete")
    assert "File attached" in upload(client, entry.id, PNG_BYTES, "fourth.png").get_data(as_text=True)
    assert rows() == 3 and len(files_on_disk(app)) == 3


def test_the_cap_defaults_to_ten_and_is_counted_per_entry(app, client, login, author, entry, contest_):
    assert app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] == 10
    login(author)
    for n in range(10):
        upload(client, entry.id, PNG_BYTES, f"{n}.png")
    assert "at most 10 files" in upload(client, entry.id, PNG_BYTES, "eleventh.png").get_data(as_text=True)
    other = Entry(contest=contest_, lead_author=author, field=contest_.fields[0], status=EntryStatus.DRAFT)
    other.set_title("Another entry")
    other.authors.append(EntryAuthor.from_user(author, 0))
    db.session.add(other)
    db.session.commit()
    assert "File attached" in upload(client, other.id, PNG_BYTES, "first.png").get_data(as_text=True)
    assert rows() == 11


@pytest.mark.parametrize(("language", "message"), [
    ("ru", "К работе можно приложить не более 2 файлов"),
    ("uz", "Bitta ishga koʻpi bilan 2 ta fayl biriktirish mumkin"),
])
def test_the_cap_message_speaks_the_readers_language(app, client, login, author, entry, language, message):
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = 2
    login(author)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    upload(client, entry.id)
    upload(client, entry.id)
    assert message in upload(client, entry.id).get_data(as_text=True)
    assert rows() == 2


def test_the_service_counts_committed_files_not_a_stale_list(app, author, entry):
    """Two requests that loaded the entry before either attached a file cannot both take the last place."""
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = 1
    assert entry.attachments == []            # loaded now, before the other upload commits
    db.session.add(Attachment(entry_id=entry.id, stored_name="other.pdf", original_name="other.pdf",
                              content_type="application/pdf", size=1, sha256="0" * 64))
    db.session.flush()
    with pytest.raises(attachments.EntryError, match="at most 1 file;"):
        attachments.add(entry, io.BytesIO(PDF_BYTES), "late.pdf")


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test)")
def test_uploads_at_the_same_moment_cannot_pass_the_cap(app, entry):
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = 1
    entry_id = entry.id
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        with app.app_context():
            entry_ = db.session.get(Entry, entry_id)
            assert entry_.attachments == []
            start.wait()
            try:
                attachments.add(entry_, io.BytesIO(PDF_BYTES), f"{n}.pdf")
                db.session.commit()
                outcomes.append("attached")
            except attachments.EntryError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    run_at_once(*(functools.partial(attempt, n) for n in range(4)), timeout=30)
    assert sorted(outcomes) == ["attached", "refused", "refused", "refused"]
    assert rows() == 1 and len(files_on_disk(app)) == 1


# --------------------------------------------------------------------------- polyglots

@pytest.mark.parametrize("data", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_polyglot_is_refused_at_upload_and_leaves_no_file_and_no_row(app, client, login, author, entry, data):
    login(author)
    page = upload(client, entry.id, data, "innocent.pdf").get_data(as_text=True)
    assert "innocent.pdf contains web-page code (HTML) as well as the document, so it is refused." in page
    assert "Solar micro-grid" in page
    assert rows() == 0 and files_on_disk(app) == []


def test_the_polyglot_message_speaks_the_readers_language(client, login, author, entry):
    login(author)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    page = upload(client, entry.id, POLYGLOTS["jpeg, page after the image"], "photo.jpg").get_data(as_text=True)
    assert "Файл photo.jpg, помимо самого документа, содержит код веб-страницы (HTML)" in page


def test_real_pdfs_and_photos_are_accepted(app, client, login, author, entry):
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = 20
    drawn = Image.new("RGB", (800, 600), "white")
    drawn.paste((20, 90, 160), (100, 100, 500, 300))
    made = {"photo.jpg": jpeg(1, (1200, 900)), "drawing.png": None, "scan.pdf": None}
    for name, kind in (("drawing.png", "PNG"), ("scan.pdf", "PDF")):
        out = io.BytesIO()
        drawn.save(out, kind)
        made[name] = out.getvalue()
    login(author)
    for name, data in made.items():
        assert "File attached" in upload(client, entry.id, data, name).get_data(as_text=True), name
    assert rows() == len(made)


def test_every_demo_pdf_is_accepted(app, client, login, make_user, make_season):
    """The demo season's documents go through the same upload as a participant's."""
    build_demo_season(entries=45, judges=12)
    db.session.commit()
    demo_pdfs = [attachments.path_of(a).read_bytes() for a in db.session.scalars(db.select(Attachment))]
    assert len(demo_pdfs) == 45
    uploader, contest_ = make_user(), make_season(2025).contests[0]
    entry = Entry(contest=contest_, lead_author=uploader, field=contest_.fields[0], status=EntryStatus.DRAFT)
    entry.set_title("Uploads every demo file")
    entry.authors.append(EntryAuthor.from_user(uploader, 0))
    db.session.add(entry)
    db.session.commit()
    app.config["ENTRY_ATTACHMENTS_MAX_COUNT"] = len(demo_pdfs)
    login(uploader)
    for n, data in enumerate(demo_pdfs):
        assert "File attached" in upload(client, entry.id, data, f"demo-{n}.pdf").get_data(as_text=True)
    assert len(db.session.get(Entry, entry.id).attachments) == len(demo_pdfs)


# --------------------------------------------------------------------------- downloads

def test_every_file_route_is_covered_here(app):
    """A new view that sends a file must be added to FILE_ROUTES, and so to the checks below."""
    senders = {endpoint for endpoint, view in app.view_functions.items()
               if "send_download(" in inspect.getsource(inspect.unwrap(view))}
    assert senders == FILE_ROUTES


def test_no_code_sends_a_file_around_send_download():
    """Flask's file senders are imported by contest/downloads.py only (a comment may name them)."""
    package = Path(contest.__file__).parent
    sender = re.compile(r"^(?:from|import) [^#\n]*\bsend_(?:file|from_directory)\b|\bsend_(?:file|from_directory)\(",
                        re.MULTILINE)
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "downloads.py" and sender.search(path.read_text())]
    assert offenders == []
    assert sender.search((package / "downloads.py").read_text())


def assert_download(response, content_type: str, name: str) -> bytes:
    """Served as a download under ``name``, never sniffed, never kept by a shared cache."""
    assert response.status_code == 200, response.status
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    kind, *params = response.headers["Content-Disposition"].split("; ")
    assert kind == "attachment"
    values = dict(param.split("=", 1) for param in params)
    assert values["filename"].isascii()
    if "filename*" in values or not name.isascii():
        assert unquote(values["filename*"].removeprefix("UTF-8''")) == name
    else:
        assert values == {"filename": f'"{name}"'}
    return response.get_data()


@pytest.fixture
def served(app, author, entry, contest_, make_user):
    """An entry with a file under a Cyrillic name, a judge assigned to it, and an organizer."""
    stored = attachments.add(entry, io.BytesIO(one_page_pdf()), CYRILLIC_NAME)
    entry.status = EntryStatus.SUBMITTED
    judge = make_user(Role.JUDGE)
    assignment = Assignment(judge=judge, entry=entry, round=1)
    db.session.add(assignment)
    open_round(contest_)
    db.session.commit()
    return {"file": stored, "judge": judge, "assignment": assignment,
            "organizer": make_user(Role.ORGANIZER), "admin": make_user(Role.ADMIN)}


@pytest.mark.parametrize("reader", ["author", "organizer", "admin"])
def test_entry_files_go_to_owners_and_staff_as_downloads(client, login, author, entry, served, reader):
    login(author if reader == "author" else served[reader])
    response = client.get(f"/entries/{entry.id}/attachments/{served['file'].id}")
    assert assert_download(response, "application/pdf", CYRILLIC_NAME) == one_page_pdf()


def test_a_hostile_file_name_cannot_break_the_header(client, login, author, entry):
    """A name as a hand-made request can send it (browsers escape quotes; a script need not)."""
    stored = attachments.add(entry, io.BytesIO(PDF_BYTES), 'a";\r\nX-Injected: 1;\u202egnp.html')
    db.session.commit()
    login(author)
    response = client.get(f"/entries/{entry.id}/attachments/{stored.id}")
    assert "X-Injected" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="a__ X-Injected_ 1_gnp.html"; filename*=UTF-8')
    assert_download(response, "application/pdf", 'a"; X-Injected: 1;gnp.html')


def test_the_blind_copy_goes_to_the_judge_as_a_download(client, login, entry, served):
    login(served["judge"])
    response = client.get(f"/judging/assignments/{served['assignment'].id}/files/1")
    assert assert_download(response, "application/pdf", f"{entry.code}-document-1.pdf").startswith(b"%PDF-")


@pytest.mark.parametrize("kind", ["participants", "judges"])
def test_import_templates_are_downloads(client, login, served, kind):
    login(served["organizer"])
    assert_download(client.get(f"/organizer/import/{kind}/template.xlsx"), XLSX, f"{kind}-template.xlsx")


def test_the_season_workbook_is_a_download(client, login, served, contest_):
    login(served["organizer"])
    season = contest_.season
    response = client.get(f"/prizes/seasons/{season.id}/workbook")
    assert assert_download(response, XLSX, f"season-{season.year}-prizes.xlsx").startswith(b"PK")


# --------------------------------------------------------------------------- files no row refers to


def test_the_sweep_deletes_old_files_that_no_attachment_names_and_keeps_the_rest(app, client, login, author, entry,
                                                                                 runner):
    """A worker killed between writing an upload and committing its row leaves such a file."""
    login(author)
    upload(client, entry.id)
    attached = files_on_disk(app)
    folder = Path(app.config["UPLOAD_FOLDER"])
    left_by_a_crash, still_committing = folder / f"{'a' * 32}.pdf", folder / f"{'b' * 32}.pdf"
    left_by_a_crash.write_bytes(PDF_BYTES)
    still_committing.write_bytes(PDF_BYTES)
    for path, age in [*((path, 3601) for path in attached), (left_by_a_crash, 3601), (still_committing, 60)]:
        os.utime(path, (time.time() - age, time.time() - age))  # on the tests' clock, not the file system's

    listed = runner.invoke(args=["files", "sweep", "--dry-run"])
    assert listed.output.splitlines() == [f"unreferenced {left_by_a_crash.name}", "1 unreferenced files found"]
    assert left_by_a_crash.exists()

    swept = runner.invoke(args=["files", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert swept.output.splitlines() == [f"deleted {left_by_a_crash.name}", "1 unreferenced files deleted"]
    assert files_on_disk(app) == sorted([*attached, still_committing])
    assert len(attached) == rows() == 1

    assert runner.invoke(args=["files", "sweep", "--older-than", "0"]).output.splitlines()[-1] \
        == "1 unreferenced files deleted"
    assert files_on_disk(app) == attached

def test_a_workbook_prepared_as_a_job_is_a_download(client, login, served, contest_):
    login(served["organizer"])
    season = contest_.season
    prepared = client.post(f"/prizes/seasons/{season.id}/workbook", data={"lang": "en"})
    assert prepared.status_code == 302 and "/organizer/jobs/" in prepared.headers["Location"]
    download = prepared.headers["Location"] + "/download"
    assert assert_download(client.get(download), XLSX, f"season-{season.year}-prizes.xlsx").startswith(b"PK")
