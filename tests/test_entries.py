"""Entries: drafting, co-authors, files, submission, withdrawal, the window and eligibility."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Category, Entry, EntryStatus, Role, utcnow
from tests.conftest import PDF_BYTES, PNG_BYTES, upload


@pytest.fixture
def contest(make_season):
    return make_season().contests[0]


@pytest.fixture
def author(make_user, login):
    user = make_user(full_name="Tursunov Jasur")
    login(user)
    return user


def create(client, contest, entry_form, **fields):
    fields.setdefault("field_id", contest.fields[0].id)
    return client.post(f"/entries/new/{contest.id}", data=entry_form(**fields))


def only_entry() -> Entry:
    return db.session.scalars(db.select(Entry)).one()


def ready_entry(client, contest, entry_form, **fields) -> Entry:
    assert create(client, contest, entry_form, **fields).status_code == 302
    entry = only_entry()
    upload(client, entry.id)
    return entry


def test_participant_drafts_attaches_submits_and_sees_it_listed(client, contest, author, entry_form):
    response = create(client, contest, entry_form)
    entry = only_entry()
    assert response.headers["Location"].endswith(f"/entries/{entry.id}")
    assert entry.status is EntryStatus.DRAFT and entry.authors[0].user_id == author.id
    page = upload(client, entry.id).get_data(as_text=True)
    assert "File attached" in page and "report.pdf" in page
    client.post(f"/entries/{entry.id}/submit")
    assert only_entry().status is EntryStatus.SUBMITTED and only_entry().submitted_at is not None
    listing = client.get("/entries/").get_data(as_text=True)
    assert "Solar micro-grid" in listing and "Submitted" in listing


def test_a_draft_can_be_saved_with_just_a_title_but_not_submitted(client, contest, author, entry_form):
    create(client, contest, entry_form, summary="", description="", field_id="")
    entry = only_entry()
    page = client.post(f"/entries/{entry.id}/submit", follow_redirects=True).get_data(as_text=True)
    for message in ("Write a summary", "Write a description", "Choose the engineering field",
                    "Attach at least one document"):
        assert message in page
    assert only_entry().status is EntryStatus.DRAFT


def test_form_errors_keep_what_was_typed(client, contest, author, entry_form):
    response = create(client, contest, entry_form, title="", summary="My careful summary")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in html and "My careful summary" in html
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 0


def test_co_authors_registered_and_named(client, contest, author, entry_form, make_user):
    partner = make_user(email="partner@example.uz", full_name="Rakhimova Malika", category=Category.TEACHER)
    create(client, contest, entry_form, co_authors=[
        {"email": "PARTNER@example.uz"},
        {"full_name": "Saidov Bobur", "category": "engineer", "organization": "Navoi MMC"},
    ])
    entry = only_entry()
    assert [a.full_name for a in entry.authors] == ["Tursunov Jasur", "Rakhimova Malika", "Saidov Bobur"]
    assert entry.authors[1].user_id == partner.id and entry.authors[1].category is Category.TEACHER
    assert entry.authors[2].user_id is None and entry.authors[2].category is Category.ENGINEER
    # Editing replaces the co-authors, keeping the lead first.
    client.post(f"/entries/{entry.id}/edit", data=entry_form(field_id=contest.fields[0].id,
                                                             co_authors=[{"email": "partner@example.uz"}]))
    assert [a.full_name for a in only_entry().authors] == ["Tursunov Jasur", "Rakhimova Malika"]


def test_named_co_author_needs_category_and_organization(client, contest, author, entry_form):
    response = create(client, contest, entry_form, co_authors=[{"full_name": "Nobody"}])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "category (student, teacher or practicing engineer)" in html and "organization" in html
    assert 'value="Nobody"' in html


def test_staff_cannot_be_a_co_author(client, contest, author, entry_form, make_user):
    make_user(Role.JUDGE, email="judge@example.uz")
    response = create(client, contest, entry_form, co_authors=[{"email": "judge@example.uz"}])
    assert response.status_code == 422 and "not a registered participant" in response.get_data(as_text=True)


def test_at_most_five_authors(client, contest, author, entry_form):
    rows = [{"full_name": f"Author {i}", "category": "student", "organization": "TSTU"} for i in range(5)]
    response = create(client, contest, entry_form, co_authors=rows)
    assert response.status_code == 422
    assert "An entry has at most 5 authors" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 0
    create(client, contest, entry_form, co_authors=rows[:4])
    assert len(only_entry().authors) == 5


def test_the_same_author_is_named_once(client, contest, author, entry_form):
    response = create(client, contest, entry_form, co_authors=[{"email": author.email}])
    assert response.status_code == 422 and "already an author" in response.get_data(as_text=True)


def test_entry_limit_per_lead_author(client, contest, author, entry_form):
    contest.max_entries_per_author = 1
    db.session.commit()
    create(client, contest, entry_form, title="First")
    response = create(client, contest, entry_form, title="Second")
    assert response.status_code == 422 and "the most allowed" in response.get_data(as_text=True)
    # A withdrawn entry frees its place.
    client.post(f"/entries/{only_entry().id}/withdraw", data={"confirm": "yes"})
    assert create(client, contest, entry_form, title="Second").status_code == 302


def test_the_same_title_twice_by_the_same_author_is_refused(client, make_season, author, entry_form, make_user):
    season = make_season()
    idea, project = season.contests[0], season.contests[1]
    create(client, idea, entry_form, title="Solar Micro-Grid!")
    response = create(client, project, entry_form, title="solar micro grid")
    assert response.status_code == 422 and "already has an entry titled" in response.get_data(as_text=True)
    # A co-author is the same author too.
    make_user(email="other@example.uz")
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "other@example.uz", "password": "correct horse"})
    response = create(client, project, entry_form, title="Solar micro-grid", co_authors=[{"email": author.email}])
    assert response.status_code == 422
    assert "Tursunov Jasur already has an entry titled" in response.get_data(as_text=True)


def test_files_are_checked_by_content_not_by_name(client, contest, author, entry_form, app):
    create(client, contest, entry_form)
    entry = only_entry()
    page = upload(client, entry.id, b"MZ\x90\x00 this is an executable", "report.pdf").get_data(as_text=True)
    assert "is not a PDF, PNG or JPEG file" in page
    page = upload(client, entry.id, PNG_BYTES, "photo.txt").get_data(as_text=True)
    assert "File attached" in page
    attachment = only_entry().attachments[0]
    assert attachment.content_type == "image/png" and attachment.original_name == "photo.txt"
    assert attachment.stored_name.endswith(".png") and "photo" not in attachment.stored_name
    stored = app.config["UPLOAD_FOLDER"] + "/" + attachment.stored_name
    assert open(stored, "rb").read() == PNG_BYTES
    assert "static" not in stored


def test_file_size_caps_refuse_with_a_message_and_keep_the_draft(client, contest, author, entry_form, app):
    app.config.update(ATTACHMENT_MAX_BYTES=1024 * 1024, ENTRY_ATTACHMENTS_MAX_BYTES=int(1.5 * 1024 * 1024))
    create(client, contest, entry_form)
    entry = only_entry()
    big = PDF_BYTES + b"0" * (1024 * 1024)
    page = upload(client, entry.id, big, "big.pdf").get_data(as_text=True)
    assert "larger than 1 MB" in page
    almost = PDF_BYTES + b"0" * (900 * 1024)
    assert "File attached" in upload(client, entry.id, almost, "a.pdf").get_data(as_text=True)
    page = upload(client, entry.id, almost, "b.pdf").get_data(as_text=True)
    assert "does not fit" in page
    kept = only_entry()
    assert kept.title == "Solar micro-grid" and [a.original_name for a in kept.attachments] == ["a.pdf"]


def test_a_request_over_the_upload_cap_gets_the_413_page(client, contest, author, entry_form, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    create(client, contest, entry_form)
    response = client.post(f"/entries/{only_entry().id}/attachments",
                           data={"file": (__import__("io").BytesIO(PDF_BYTES + b"0" * 4096), "x.pdf")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "File too large" in html and "Traceback" not in html
    assert only_entry().title == "Solar micro-grid"


def test_files_can_be_removed_and_downloaded_under_their_original_name(client, contest, author, entry_form):
    entry = ready_entry(client, contest, entry_form)
    attachment = only_entry().attachments[0]
    download = client.get(f"/entries/{entry.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert "report.pdf" in download.headers["Content-Disposition"]
    client.post(f"/entries/{entry.id}/attachments/{attachment.id}/delete")
    assert only_entry().attachments == []


def test_a_submitted_entry_can_be_edited_and_withdrawn_while_open(client, contest, author, entry_form):
    entry = ready_entry(client, contest, entry_form)
    client.post(f"/entries/{entry.id}/submit")
    client.post(f"/entries/{entry.id}/edit", data=entry_form(title="Better title", field_id=contest.fields[1].id))
    assert only_entry().title == "Better title" and only_entry().status is EntryStatus.SUBMITTED
    # A submitted entry stays complete: emptying its summary is refused.
    response = client.post(f"/entries/{entry.id}/edit", data=entry_form(summary="", field_id=contest.fields[1].id))
    assert response.status_code == 422 and "Write a summary" in response.get_data(as_text=True)
    client.post(f"/entries/{entry.id}/withdraw", data={"confirm": "yes"})
    assert only_entry().status is EntryStatus.WITHDRAWN


def test_after_the_window_closes_every_change_is_refused(client, contest, author, entry_form):
    entry = ready_entry(client, contest, entry_form)
    attachment_id = only_entry().attachments[0].id
    contest.closes_at = utcnow() - timedelta(minutes=1)
    contest.opens_at = utcnow() - timedelta(days=5)
    db.session.commit()
    before = (entry.title, entry.status, len(entry.attachments))
    client.post(f"/entries/{entry.id}/edit", data=entry_form(title="Late change", field_id=contest.fields[0].id))
    client.post(f"/entries/{entry.id}/submit")
    upload(client, entry.id)
    client.post(f"/entries/{entry.id}/attachments/{attachment_id}/delete")
    client.post(f"/entries/{entry.id}/withdraw", data={"confirm": "yes"})
    response = create(client, contest, entry_form, title="Another")
    assert response.status_code == 302
    after = only_entry()
    assert (after.title, after.status, len(after.attachments)) == before
    page = client.post(f"/entries/{entry.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "closed for submissions" in page


def test_before_the_window_opens_drafts_are_allowed_but_not_submission(client, make_season, author, entry_form):
    contest = make_season(opens_in=timedelta(days=2)).contests[0]
    entry = ready_entry(client, contest, entry_form)
    page = client.post(f"/entries/{entry.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "open on" in page and only_entry().status is EntryStatus.DRAFT


def test_others_cannot_see_or_touch_an_entry(client, contest, author, entry_form, make_user, login):
    entry = ready_entry(client, contest, entry_form)
    attachment_id = only_entry().attachments[0].id
    login(make_user(email="stranger@example.uz"))
    assert client.get(f"/entries/{entry.id}").status_code == 404
    assert client.get(f"/entries/{entry.id}/attachments/{attachment_id}").status_code == 404
    assert client.post(f"/entries/{entry.id}/withdraw").status_code == 404
    assert client.post(f"/entries/{entry.id}/edit", data=entry_form(title="Hijack")).status_code == 404
    assert only_entry().title == "Solar micro-grid"


def test_a_co_author_sees_the_entry_but_only_the_lead_edits(client, contest, author, entry_form, make_user, login):
    partner = make_user(email="partner@example.uz")
    create(client, contest, entry_form, co_authors=[{"email": "partner@example.uz"}])
    entry = only_entry()
    login(partner)
    assert client.get(f"/entries/{entry.id}").status_code == 200
    assert "Solar micro-grid" in client.get("/entries/").get_data(as_text=True)
    assert client.post(f"/entries/{entry.id}/withdraw").status_code == 403


def test_field_must_belong_to_the_contest(client, make_season, author, entry_form):
    season = make_season()
    foreign_field = season.contests[1].fields[0].id
    response = create(client, season.contests[0], entry_form, field_id=foreign_field)
    assert response.status_code == 422


def test_a_file_follows_its_row_when_the_transaction_does_not_commit(client, contest, author, entry_form, app):
    """A rolled-back upload leaves no orphan file; a rolled-back removal keeps the file its row needs."""
    import io
    from pathlib import Path

    from contest.services import attachments

    create(client, contest, entry_form)
    entry = only_entry()
    added = attachments.add(entry, io.BytesIO(PDF_BYTES), "lost.pdf")
    lost = Path(app.config["UPLOAD_FOLDER"]) / added.stored_name
    assert lost.exists()
    db.session.rollback()
    assert not lost.exists() and only_entry().attachments == []

    kept = attachments.add(only_entry(), io.BytesIO(PDF_BYTES), "kept.pdf")
    db.session.commit()
    path = Path(app.config["UPLOAD_FOLDER"]) / kept.stored_name
    attachments.remove(kept)
    assert path.exists()                       # not before the removal commits
    db.session.rollback()
    assert path.exists() and [a.original_name for a in only_entry().attachments] == ["kept.pdf"]

    attachments.remove(only_entry().attachments[0])
    db.session.commit()
    assert not path.exists() and only_entry().attachments == []
