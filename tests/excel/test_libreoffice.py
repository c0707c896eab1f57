"""The season workbook opens in LibreOffice: converted headless to PDF, formulas computed.

Skipped (with the reason) only when ``soffice`` is missing outside CI; under CI=true a missing
LibreOffice is a failure (the Makefile installs libreoffice-calc-nogui).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from contest.excel import build_season_workbook
from tests.excel.test_season import make_season


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice (soffice) is missing under CI: install libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui")


def pdf_pages(tmp_path, workbook: bytes) -> list[str]:
    """The workbook converted to PDF by headless LibreOffice: each page's text."""
    binary = soffice()
    book = tmp_path / "season.xlsx"
    book.write_bytes(workbook)
    profile = tmp_path / "profile"     # a private profile: other soffice runs cannot interfere
    done = subprocess.run(
        [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        check=False, capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "season.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000, (done.stdout, done.stderr)

    pypdf = pytest.importorskip("pypdf")
    return [page.extract_text().replace("\u00a0", " ").replace("\u202f", " ")
            for page in pypdf.PdfReader(pdf).pages]


def test_converts_to_pdf_with_computed_totals(tmp_path):
    pages = pdf_pages(tmp_path, build_season_workbook(make_season()))
    text = "\n".join(pages)
    rankings = [page for page in pages if page.startswith("Season 2025: rankings")]
    assert len(rankings) >= 2                   # 50 rows: more than one page
    assert all("Contest Rank Entry Score" in page for page in rankings)   # header repeats
    assert "Season 2025: budget" in text
    assert "1 755 000 000 UZS" in text          # Total spent = SUM(...), computed on open
    assert "13 245 000 000 UZS" in text         # Remaining = Budget - Total spent
    assert "=HYPERLINK(" in text                # typed text shown as typed, not evaluated
    assert "+998901234567" in text
