"""Entry files: type checked from the content, no HTML inside, size- and count-capped, stored under
generated names."""
from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from contest.extensions import db
from contest.files.polyglot import html_marker
from contest.models import Attachment, Entry, EntryStatus
from contest.services.entries import EntryError, ensure_changes_allowed

# Magic numbers: what a file is, whatever its name says.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def sniff_type(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


# A file on disk follows the database row it belongs to: a file written for a new attachment is
# deleted again if the transaction does not commit, and a removed attachment's file is deleted
# only once the removal has committed. A failed commit thus neither leaves an orphan file nor
# loses the file of a row that is still there.
_WRITTEN, _DOOMED = "attachment_files_written", "attachment_files_doomed"


@event.listens_for(Session, "after_commit")
def _settle_files_after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_DOOMED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _undo_files_of_an_uncommitted_transaction(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
    session.info.pop(_DOOMED, None)


def unreferenced_files(older_than: timedelta) -> list[Path]:
    """Files in the upload folder that no attachment row names, last written over ``older_than`` ago.

    The hooks above cannot run in a worker that is killed (SIGKILL, out of memory, power) between
    writing an upload and committing its row, or between committing a removal and deleting the file:
    that leaves a file nothing refers to. The rows are the truth; such files are garbage, and the age
    spares an upload whose transaction is still open.
    """
    cutoff = time.time() - older_than.total_seconds()
    candidates = [path for path in upload_folder().iterdir() if path.is_file() and path.stat().st_mtime <= cutoff]
    referenced = set(db.session.scalars(db.select(Attachment.stored_name)))  # no cap on bound values
    return sorted(path for path in candidates if path.name not in referenced)


def _count_locked(entry: Entry) -> int:
    """The entry's files as committed, its row locked so two uploads at once cannot both take the
    last place (PostgreSQL; SQLite writes one transaction at a time anyway)."""
    db.session.execute(db.select(Entry.id).where(Entry.id == entry.id).with_for_update())
    return db.session.scalar(db.select(db.func.count(Attachment.id)).where(Attachment.entry_id == entry.id))


def add(entry: Entry, stream: BinaryIO, original_name: str) -> Attachment:
    """Checks window, count, type, HTML and both size caps before a byte reaches the disk."""
    ensure_changes_allowed(entry.contest)
    if entry.status is EntryStatus.WITHDRAWN:
        raise EntryError("entry_withdrawn_unchangeable")
    name = os.path.basename((original_name or "").replace("\\", "/")).strip()[:255] or "file"
    most = current_app.config["ENTRY_ATTACHMENTS_MAX_COUNT"]
    if _count_locked(entry) >= most:
        raise EntryError("attachments_too_many", num=most, name=name)
    data = stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    if not data:
        raise EntryError("attachment_empty", name=name)
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise EntryError("attachment_too_large", name=name,
                         mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024))
    if entry.attachments_size + len(data) > current_app.config["ENTRY_ATTACHMENTS_MAX_BYTES"]:
        raise EntryError("attachments_total_too_large", name=name,
                         mb=current_app.config["ENTRY_ATTACHMENTS_MAX_BYTES"] // (1024 * 1024))
    content_type = sniff_type(data[:16])
    if content_type is None:
        raise EntryError("attachment_type_refused", name=name)
    if html_marker(data):
        raise EntryError("attachment_with_html", name=name)
    attachment = Attachment(stored_name=uuid.uuid4().hex + EXTENSIONS[content_type], original_name=name,
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    path = path_of(attachment)
    path.write_bytes(data)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    entry.attachments.append(attachment)
    db.session.flush()
    return attachment


def remove(attachment: Attachment) -> None:
    entry = attachment.entry
    ensure_changes_allowed(entry.contest)
    if entry.status is EntryStatus.SUBMITTED and len(entry.attachments) == 1:
        raise EntryError("attachment_last_document")
    db.session.info.setdefault(_DOOMED, []).append(path_of(attachment))
    entry.attachments.remove(attachment)
    db.session.flush()
