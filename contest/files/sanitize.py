"""Blind judging: a copy of an entry file without the authors' metadata.

Judges see entries without knowing who wrote them, yet the files themselves often name their
authors in places nobody looks at. :func:`sanitize` takes the bytes of a PDF, PNG or JPEG (the
type already sniffed from the content by ``contest.services.attachments``) and returns a new
file that keeps what a reader sees and drops the hidden places where names live. When a file
cannot be parsed, :class:`SanitizeError` is raised; the original bytes are never handed back,
so a file that cannot be cleaned is not shown to judges at all.

**What is removed** depends on the format, and each format's module lists it:
:mod:`contest.files.clean_pdf` copies a PDF's pages into a new document with pikepdf, and
:mod:`contest.files.clean_images` rewrites a PNG's chunks and a JPEG's segments losslessly.

**What is not removed.** The visible page content cannot be anonymised automatically: names
typed in the text, shown in pictures, in letterheads, signatures or in drawn form fields stay,
and so does text that is in the content but not visible (white text, text under an image or
outside the page box, hidden layers, marked-content /ActualText and /Alt). Keeping the content
anonymous is the author's responsibility under the contest rules. Also kept: fonts (whose
names and embedded font files are not about the author), ICC colour profiles (their built-in
description and copyright texts), metadata inside JPEG 2000 images in a PDF.

**What is refused** (:class:`SanitizeError`): truncated or damaged files (a PNG chunk with a bad
CRC or no IEND, a JPEG without its end marker, a PDF that qpdf cannot read even by
rebuilding its cross-reference table, or without an end-of-file marker), PNG with an unknown
critical chunk, PDFs with no pages, PDFs that need a password to open. A PDF that opens
without a password (RC4 or AES) but carries owner restrictions is written out unencrypted.

The same input always gives the same output. Sanitizing a PNG or JPEG again returns the same
bytes; sanitizing a PDF again removes nothing more, though it may renumber the objects.
"""
from __future__ import annotations

import re

from contest.files.clean_images import clean_jpeg, clean_png
from contest.files.clean_pdf import clean_pdf
from contest.files.errors import SanitizeError

__all__ = ["SanitizeError", "neutral_name", "sanitize"]


PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
KINDS = {PDF: "document", PNG: "image", JPEG: "image"}
ENTRY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")


def sanitize(data: bytes, content_type: str) -> bytes:
    """A copy of ``data`` without author metadata; see the module docstring for the details."""
    if content_type == PDF:
        return clean_pdf(bytes(data))
    if content_type == PNG:
        return clean_png(bytes(data))
    if content_type == JPEG:
        return clean_jpeg(bytes(data))
    raise SanitizeError(f"Cannot sanitize files of type {content_type!r}.")


def neutral_name(entry_code: str, index: int, content_type: str) -> str:
    """The name judges see, built from the entry's code only: ``E-00042-document-1.pdf``.

    :param index: the file's position among the entry's files, from 1.
    """
    if not ENTRY_CODE.fullmatch(entry_code or ""):
        raise ValueError(f"Not an entry code: {entry_code!r}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 1:
        raise ValueError(f"A file index counts from 1, not {index!r}")
    if content_type not in EXTENSIONS:
        raise ValueError(f"No neutral name for files of type {content_type!r}")
    return f"{entry_code}-{KINDS[content_type]}-{index}.{EXTENSIONS[content_type]}"
