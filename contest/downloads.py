"""Every file the app serves leaves through :func:`send_download`, whoever asks for it.

Entry files go to their owners, to staff and, blind, to judges; workbooks and templates go to
staff. Each is sent as a download under a safe name (never shown inline), with ``nosniff`` so no
browser second-guesses its type, and kept out of shared caches since most carry personal data.
"""
from __future__ import annotations

import io
import os
from typing import BinaryIO

from flask import Response, send_file

from contest.files.disposition import attachment_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_download(source: bytes | BinaryIO | str | os.PathLike, content_type: str, filename: str) -> Response:
    """``source`` (bytes, an open file or a path on disk) as an attachment saved as ``filename``."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    response = send_file(source, mimetype=content_type, as_attachment=True, download_name="download")
    response.headers["Content-Disposition"] = attachment_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
