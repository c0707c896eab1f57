"""A certificate as a one-page PDF: the wording (already in the holder's language), the
verification code, and a QR code of the page that verifies it.

Pure: it knows nothing of Flask or the database. The fonts are TrueType files embedded in the
PDF (DejaVu Sans by default, from Debian's fonts-dejavu-core), which cover Uzbek Latin (oʻ, gʻ
with U+02BB) and Cyrillic; the 14 standard PDF fonts cover neither. The QR code is drawn as
vector squares, so it stays sharp at any print size.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_FONTS = (DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf")
QR_QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks
INK, ACCENT, MUTED = HexColor("#1d2733"), HexColor("#1f5fa8"), HexColor("#5b6775")


@dataclass(frozen=True)
class CertificateText:
    """Every word on the certificate, in its language."""

    language: str
    heading: str                  # "Certificate of participation"
    presented_to: str             # "This certifies that"
    name: str                     # the holder
    body: tuple[str, ...]         # the lines under the name: the entry, the contest and season, the place or prize
    issued: str                   # "Issued 2026-09-15"
    code_label: str               # "Verification code"
    code: str
    verify_hint: str              # "Scan the code or open this address to check it:"
    url: str                      # the verification page; the QR code's payload


_registered: dict[tuple[str, str], tuple[str, str]] = {}
_lock = threading.Lock()


def fonts(regular: str | Path, bold: str | Path) -> tuple[str, str]:
    """The reportlab names of the two TrueType files, registered once per process."""
    key = (str(regular), str(bold))
    with _lock:
        if key not in _registered:
            names = tuple(f"Certificate-{len(_registered)}-{weight}" for weight in ("Regular", "Bold"))
            for name, path in zip(names, key):
                if not Path(path).is_file():
                    raise FileNotFoundError(f"certificate font {path} is missing: install Debian's fonts-dejavu-core "
                                            "(make system-deps) or point CERTIFICATE_FONT/CERTIFICATE_FONT_BOLD at a "
                                            "TrueType font that covers Uzbek Latin and Cyrillic")
                pdfmetrics.registerFont(TTFont(name, path))
            _registered[key] = names
        return _registered[key]


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR symbol of ``payload`` as rows of dark (True) and light modules, quiet zone included."""
    symbol = segno.make(payload, error="m", micro=False)
    return [[bool(module) for module in row] for row in symbol.matrix_iter(scale=1, border=QR_QUIET_ZONE)]


def build(text: CertificateText, regular: str | Path = DEFAULT_FONTS[0], bold: str | Path = DEFAULT_FONTS[1]) -> bytes:
    """The PDF; the same text always gives the same bytes (reportlab's invariant mode)."""
    font, font_bold = fonts(regular, bold)
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1, initialFontName=font)
    pdf.setTitle(f"{text.heading}: {text.name}")
    pdf.setAuthor(text.code)
    pdf.setSubject(text.url)
    pdf.setKeywords(text.language)

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    y = height - 42 * mm
    y = _centred(pdf, text.heading.upper(), font_bold, 26, ACCENT, width, y, 24 * mm)
    y = _centred(pdf, text.presented_to, font, 14, MUTED, width, y - 8 * mm, 14 * mm)
    y = _centred(pdf, text.name, font_bold, 24, INK, width, y - 4 * mm, 22 * mm)
    for line in text.body:
        y = _centred(pdf, line, font, 14, INK, width, y - 2 * mm, 14 * mm)

    side = 38 * mm
    left, bottom = width - 24 * mm - side, 24 * mm
    _qr(pdf, text.url, left, bottom, side)
    pdf.setFillColor(INK)
    pdf.setFont(font, 11)
    pdf.drawString(24 * mm, bottom + 26 * mm, text.issued)
    pdf.drawString(24 * mm, bottom + 18 * mm, f"{text.code_label}: ")
    pdf.setFont(font_bold, 13)
    pdf.drawString(24 * mm + pdf.stringWidth(f"{text.code_label}: ", font, 11), bottom + 18 * mm, text.code)
    pdf.setFillColor(MUTED)
    pdf.setFont(font, 9)
    pdf.drawString(24 * mm, bottom + 9 * mm, text.verify_hint)
    pdf.drawString(24 * mm, bottom + 4 * mm, text.url)
    pdf.linkURL(text.url, (left, bottom, left + side, bottom + side))
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _centred(pdf: Canvas, line: str, font: str, size: float, colour, width: float, y: float, leading: float) -> float:
    """Draw ``line`` centred, wrapped within the frame; return the baseline below the last line."""
    pdf.setFillColor(colour)
    pdf.setFont(font, size)
    for part in simpleSplit(line, font, size, width - 60 * mm):
        pdf.drawCentredString(width / 2, y, part)
        y -= leading
    return y


def _qr(pdf: Canvas, payload: str, left: float, bottom: float, side: float) -> None:
    matrix = qr_matrix(payload)
    module = side / len(matrix)
    pdf.setFillColor(HexColor("#ffffff"))
    pdf.rect(left, bottom, side, side, stroke=0, fill=1)
    pdf.setFillColor(HexColor("#000000"))
    for r, row in enumerate(matrix):
        top = bottom + side - (r + 1) * module
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: fewer, seamless shapes
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(left + start * module, top, (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1
