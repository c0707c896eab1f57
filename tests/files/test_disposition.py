"""Download names: whatever a user called a file, the header stays one safe, well-formed value."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from contest.files.disposition import attachment_disposition, safe_filename


def parts(header: str) -> dict[str, str]:
    kind, *params = header.split("; ")
    assert kind == "attachment"
    return dict(param.split("=", 1) for param in params)


def test_an_ascii_name_is_sent_as_it_is():
    assert attachment_disposition("report-2026 (final).pdf") == 'attachment; filename="report-2026 (final).pdf"'


@pytest.mark.parametrize(("name", "fallback"), [
    ("отчёт о проекте.pdf", "download.pdf"),
    ("loyiha-oʻzbekcha.pdf", "loyiha-ozbekcha.pdf"),
    ("Résumé.png", "Resume.png"),
    ("日本.jpeg", "download.jpeg"),
])
def test_a_non_ascii_name_gets_an_ascii_fallback_and_the_full_name_in_rfc_5987(name, fallback):
    header = parts(attachment_disposition(name))
    assert header["filename"] == f'"{fallback}"'
    assert header["filename*"].startswith("UTF-8''")
    encoded = header["filename*"].removeprefix("UTF-8''")
    assert unquote(encoded, encoding="utf-8") == name
    assert all(c.isascii() and (c.isalnum() or c in "%!#$&+-.^_`|~") for c in encoded)


@pytest.mark.parametrize("name", [
    'a"b;c.pdf', "x\r\nSet-Cookie: s=1.pdf", "tab\there.pdf", "nul\x00.pdf", 'q\\"; filename="evil.html',
])
def test_quotes_separators_and_line_breaks_cannot_break_out_of_the_header(name):
    header = attachment_disposition(name)
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    fallback = parts(header)["filename"]
    assert fallback.startswith('"') and fallback.endswith('"') and '"' not in fallback[1:-1]
    assert ";" not in fallback


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Jasur\\report.pdf", "report.pdf"),
    ("report\u202efdp.exe", "reportfdp.exe"),
    ("  lots   of\tspace .pdf", "lots of space.pdf"),
    ("", "download"),
    ("...", "download"),
    (".pdf", "download.pdf"),
])
def test_paths_direction_controls_and_empty_names_are_neutralised(name, safe):
    assert safe_filename(name) == safe


def test_a_long_name_is_shortened_and_keeps_its_extension():
    name = safe_filename("я" * 400 + ".pdf")
    assert len(name) <= 150 and name.endswith("я.pdf")
