"""Blind judging: a copy of an entry file without the authors' metadata.

Judges see entries without knowing who wrote them, yet the files themselves often name their
authors in places nobody looks at. :func:`sanitize` takes the bytes of a PDF, PNG or JPEG (the
type already sniffed from the content by ``contest.services.attachments``) and returns a new
file that keeps what a reader sees and drops the hidden places where names live. When a file
cannot be parsed, :class:`SanitizeError` is raised; the original bytes are never handed back,
so a file that cannot be cleaned is not shown to judges at all.

**What is removed.**

*PDF* (the pages are copied into a new document with pikepdf, and qpdf writes only what
the new document refers to):

- the document information dictionary (/Author, /Creator, /Producer, /Title, /Subject,
  /Keywords, creation and modification dates, custom keys), and the original's file
  identifier (which could link the copy to the author's file); qpdf writes a new one computed
  from the clean file's own content;
- XMP metadata streams, on the catalog, on pages, images, forms, fonts, anywhere;
- embedded files and attachments: the /EmbeddedFiles name tree, associated files (/AF),
  portfolios (/Collection), file-attachment annotations;
- JavaScript and actions: /OpenAction, document and page /AA, /Names /JavaScript, and every
  action on links and fields (URI links lose their target; internal links are rebuilt to
  point at the same page, with nothing else kept);
- annotations: comments, sticky notes and pop-ups (their author is in /T), file attachments,
  sounds, movies, 3D, and redaction marks that were never applied. Annotations that are drawn
  on the page (form fields, highlights, stamps, ink, shapes, free text) are flattened: their
  appearance is painted into the page content, and their data (field names, values,
  tooltips, comment authors, comment text) is dropped;
- the interactive form (/AcroForm, XFA included), so form-field values that are not drawn;
- the outline (bookmarks), page labels, the structure tree (tagged-PDF alternate text),
  article threads, page thumbnails, application data (/PieceInfo), OPI links and reference
  XObjects (which name the original files), layer names and their /Usage (which can name
  users), digital-signature data, viewer preferences;
- earlier revisions left behind by incremental saves, and objects nothing refers to (qpdf
  writes only the objects reachable from the new catalog);
- EXIF, XMP, IPTC and comments inside JPEG images on the pages (segment-level, lossless, as
  for JPEG files below: the stored bytes are rewritten without being decoded).

*PNG* (chunk-level, the pixel data is copied byte for byte): every chunk except IHDR, PLTE,
IDAT, IEND and the ones that change how pixels are shown (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT,
bKGD, pHYs, cICP, mDCV, cLLI, and the APNG animation chunks acTL, fcTL, fdAT). So tEXt, zTXt,
iTXt, eXIf, tIME, sPLT, pCAL and any private chunk go. The free-text name of an ICC profile
(iCCP) is replaced by "ICC profile". Bytes after IEND are dropped.

*JPEG* (marker-level, the compressed image data is copied byte for byte): APP1 (EXIF, with
GPS, camera owner, artist, thumbnails; XMP), APP13 (IPTC, Photoshop), every other APPn, and
COM comments. Kept: the JFIF header (its thumbnail removed), the ICC profile (APP2
ICC_PROFILE) and the Adobe colour-transform flags (APP14), which change how colours decode.
Bytes after the end-of-image marker (appended files, the extra pictures of an MPO) go.

Orientation: a photo's EXIF orientation decides which way up it is shown, so when it is not
the default a minimal EXIF block holding only the orientation tag replaces the original one
(in JPEG and in PNG's eXIf chunk). Nothing else of the EXIF survives.

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

import io
import re
import struct
import zlib
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

__all__ = ["SanitizeError", "neutral_name", "sanitize"]


class SanitizeError(Exception):
    """The file could not be parsed, so no clean copy exists; it must not be shown."""


PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
KINDS = {PDF: "document", PNG: "image", JPEG: "image"}
ENTRY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")


def sanitize(data: bytes, content_type: str) -> bytes:
    """A copy of ``data`` without author metadata; see the module docstring for the details."""
    if content_type == PDF:
        return _sanitize_pdf(bytes(data))
    if content_type == PNG:
        return _sanitize_png(bytes(data))
    if content_type == JPEG:
        return _sanitize_jpeg(bytes(data))
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


# --------------------------------------------------------------------------- EXIF orientation

def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (1..8) of an EXIF (TIFF) block; 1 when absent or unreadable."""
    if tiff.startswith(b"Exif\x00\x00"):
        tiff = tiff[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    try:
        if order is None or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
            return 1
        ifd = struct.unpack_from(order + "I", tiff, 4)[0]
        count = struct.unpack_from(order + "H", tiff, ifd)[0]
        for i in range(count):
            tag, kind, n = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
            if tag == 0x0112 and kind == 3 and n == 1:
                value = struct.unpack_from(order + "H", tiff, ifd + 10 + 12 * i)[0]
                return value if 1 <= value <= 8 else 1
    except struct.error:
        pass
    return 1


def _orientation_only_exif(orientation: int) -> bytes:
    """A big-endian TIFF block whose only tag is Orientation."""
    return (b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00\x00\x00\x00")


# --------------------------------------------------------------------------- PNG

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
            b"sBIT", b"bKGD", b"pHYs", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT"}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _sanitize_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise SanitizeError("Not a PNG file: the signature is missing.")
    out = [PNG_SIGNATURE]
    pos, has_idat = len(PNG_SIGNATURE), False
    while True:
        if pos + 12 > len(data):
            raise SanitizeError("The PNG file is truncated: it ends before its IEND chunk.")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise SanitizeError(f"The PNG file is truncated inside a {kind!r} chunk.")
        if not re.fullmatch(rb"[A-Za-z]{4}", kind):
            raise SanitizeError(f"The PNG file is damaged: bad chunk type at byte {pos}.")
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack_from(">I", data, end - 4)[0]:
            raise SanitizeError(f"The PNG file is damaged: the {kind.decode()} chunk fails its CRC.")
        if (pos == len(PNG_SIGNATURE)) != (kind == b"IHDR") or (kind == b"IHDR" and length != 13):
            raise SanitizeError("The PNG file is damaged: it must start with one IHDR chunk.")
        pos = end
        if kind == b"IEND":
            if not has_idat:
                raise SanitizeError("The PNG file has no image data (IDAT).")
            out.append(_png_chunk(kind, b""))
            return b"".join(out)           # anything after IEND is dropped
        has_idat = has_idat or kind == b"IDAT"
        if kind == b"iCCP":
            name_end = body.find(b"\x00")
            if not 1 <= name_end <= 79:
                raise SanitizeError("The PNG file is damaged: bad iCCP chunk.")
            out.append(_png_chunk(kind, b"ICC profile" + body[name_end:]))
        elif kind in PNG_KEPT:
            out.append(data[end - 12 - length:end])
        elif kind == b"eXIf":
            orientation = _exif_orientation(body)
            if orientation != 1:
                out.append(_png_chunk(kind, _orientation_only_exif(orientation)))
        elif not kind[0] & 0x20:
            raise SanitizeError(f"The PNG file has an unknown critical chunk {kind.decode()}.")
        # every other ancillary chunk (text, time, private data) is dropped


# --------------------------------------------------------------------------- JPEG

# Markers kept as they are: frames (SOFn), tables (DHT, DAC, DQT), restart interval, line
# count, hierarchical and JPEG-LS headers.
JPEG_STRUCTURE = set(range(0xC0, 0xD0)) | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8}
JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xF7}


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _sanitize_jpeg(data: bytes, cut_scan_allowed: bool = False) -> bytes:
    """The JPEG without metadata segments.

    :param cut_scan_allowed: accept image data that runs to the end of the file without an
        end-of-image marker (viewers draw what is there); used for images inside a PDF, whose
        metadata segments all come before the image data anyway.
    """
    if not data.startswith(b"\xff\xd8"):
        raise SanitizeError("Not a JPEG file: the start-of-image marker is missing.")
    out = [b"\xff\xd8"]
    pos, n = 2, len(data)
    has_frame = has_scan = exif_seen = False
    while True:
        if pos >= n:
            raise SanitizeError("The JPEG file is truncated: it has no end-of-image marker.")
        if data[pos] != 0xFF:
            raise SanitizeError(f"The JPEG file is damaged: no marker at byte {pos}.")
        while pos < n and data[pos] == 0xFF:      # fill bytes
            pos += 1
        if pos >= n:
            raise SanitizeError("The JPEG file is truncated: it has no end-of-image marker.")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            if not (has_frame and has_scan):
                raise SanitizeError("The JPEG file has no image data.")
            out.append(b"\xff\xd9")
            return b"".join(out)           # anything after the end of the image is dropped
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(bytes((0xFF, marker)))   # standalone markers, no length
            continue
        if marker in (0x00, 0xD8) or pos + 2 > n:
            raise SanitizeError(f"The JPEG file is damaged at byte {pos}.")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2 or pos + length > n:
            raise SanitizeError("The JPEG file is truncated inside a segment.")
        segment = data[pos - 2:pos + length]
        payload = data[pos + 2:pos + length]
        pos += length
        if marker == 0xDA:                 # start of scan: entropy-coded data follows
            has_scan, start = True, pos
            while True:
                ff = data.find(b"\xff", pos)
                after = n if ff < 0 else ff + 1
                while after < n and data[after] == 0xFF:
                    after += 1
                if after >= n:
                    if not cut_scan_allowed:
                        raise SanitizeError("The JPEG file is truncated inside the image data.")
                    out.append(segment + data[start:n if ff < 0 else ff] + b"\xff\xd9")
                    return b"".join(out)
                if data[after] == 0x00 or 0xD0 <= data[after] <= 0xD7:
                    pos = after + 1        # stuffed byte or restart marker: still data
                    continue
                out.append(segment + data[start:ff])
                pos = ff
                break
        elif marker in JPEG_STRUCTURE:
            has_frame = has_frame or marker in JPEG_FRAMES
            out.append(segment)
        elif marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            out.append(_jpeg_segment(marker, payload[:12] + b"\x00\x00"))   # no thumbnail
        elif marker == 0xE1 and payload.startswith(b"Exif\x00\x00") and not exif_seen:
            exif_seen = True
            orientation = _exif_orientation(payload[6:])
            if orientation != 1:
                out.append(_jpeg_segment(marker, b"Exif\x00\x00" + _orientation_only_exif(orientation)))
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
            out.append(segment)
        elif marker == 0xEE and payload.startswith(b"Adobe") and len(payload) >= 12:
            out.append(_jpeg_segment(marker, payload[:12]))
        elif 0xE0 <= marker <= 0xEF or marker >= 0xF0:
            pass                           # APPn, JPGn and COM: metadata, dropped
        else:
            raise SanitizeError(f"The JPEG file has an unexpected marker 0x{marker:02X}.")


# --------------------------------------------------------------------------- PDF

# Dropped wherever they appear in the clean copy.
PDF_DROPPED_KEYS = ("/Metadata", "/PieceInfo", "/AF", "/OPI", "/Ref", "/AA", "/Annots",
                    "/Thumb", "/EF", "/EmbeddedFiles", "/JS", "/JavaScript", "/LastModified",
                    "/Usage", "/StructParent", "/StructParents")
# What a page keeps; everything else (/B beads, /Tabs, /Trans, /VP, /ID, ...) goes.
PDF_PAGE_KEYS = {"/Type", "/Parent", "/Resources", "/MediaBox", "/CropBox", "/BleedBox",
                 "/TrimBox", "/ArtBox", "/Contents", "/Rotate", "/Group", "/UserUnit"}
# Annotations that are drawn on the page: their appearance is painted into the content.
PDF_FLATTENED = {"/Widget", "/FreeText", "/Square", "/Circle", "/Line", "/Polygon",
                 "/PolyLine", "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Ink",
                 "/Stamp", "/Caret", "/Watermark"}
PDF_FIT_TYPES = {"/XYZ", "/Fit", "/FitH", "/FitV", "/FitR", "/FitB", "/FitBH", "/FitBV"}
ANNOT_HIDDEN, ANNOT_NOVIEW = 2, 32


def _sanitize_pdf(data: bytes) -> bytes:
    # qpdf rebuilds a file cut short from what is left, but such a file must not pass as clean.
    if b"%%EOF" not in data[-1024:]:
        raise SanitizeError("The PDF file is truncated: it has no end-of-file marker.")
    try:
        with pikepdf.open(io.BytesIO(data)) as source:
            return _rewrite_pdf(source)
    except SanitizeError:
        raise
    except pikepdf.PasswordError as exc:
        raise SanitizeError("The PDF file is password-protected.") from exc
    except Exception as exc:               # qpdf's errors, and odd values met while copying
        raise SanitizeError(f"The PDF file could not be read: {type(exc).__name__}: {exc}") from exc


def _rewrite_pdf(source: pikepdf.Pdf) -> bytes:
    """A new document holding copies of the source's pages, scrubbed, written by qpdf.

    qpdf writes only the objects reachable from the new catalog, so earlier revisions, the
    /Info dictionary and everything the scrubbing cuts loose never reach the output.
    """
    page_count = len(source.pages)
    if not page_count:
        raise SanitizeError("The PDF file has no pages.")
    clean = pikepdf.new()
    annotations, new_page_of = [], {}
    for page in source.pages:
        annots = page.obj.get("/Annots")
        annotations.append(list(annots) if isinstance(annots, Array) else [])
        for key in [k for k in page.obj.keys() if k not in PDF_PAGE_KEYS]:
            del page.obj[key]              # not copied at all: annotations, metadata, thumbnails
        clean.pages.append(page)
        new_page_of[page.obj.objgen] = clean.pages[-1].obj

    flattened = 0
    for annots, page in zip(annotations, clean.pages):
        links, drawings = [], []
        for annot in annots:
            if not isinstance(annot, Dictionary) or _flags(annot) & (ANNOT_HIDDEN | ANNOT_NOVIEW):
                continue
            subtype = _name(annot.get("/Subtype"))
            if subtype == "/Link":
                link = _internal_link(source, annot, new_page_of)
                if link is not None:
                    links.append(clean.make_indirect(link))
            elif subtype in PDF_FLATTENED:
                drawing = _appearance(clean, annot)
                if drawing is not None:
                    drawings.append(drawing)
        if links:
            page.obj.Annots = Array(links)
        if drawings:
            flattened = _paint(clean, page, drawings, flattened)

    layers = source.Root.get("/OCProperties")
    if isinstance(layers, Dictionary) and isinstance(layers.get("/OCGs"), Array):
        default = layers.get("/D")
        default = default if isinstance(default, Dictionary) else Dictionary()
        config = Dictionary()
        if _name(default.get("/BaseState")) in ("/ON", "/OFF", "/Unchanged"):
            config.BaseState = default.BaseState
        for key in ("/ON", "/OFF"):
            if isinstance(default.get(key), Array):
                config[key] = _copied_references(clean, default[key])
        clean.Root.OCProperties = Dictionary(OCGs=_copied_references(clean, layers.OCGs), D=config)

    _scrub(clean)
    out = io.BytesIO()
    clean.save(out, min_version=source.pdf_version, fix_metadata_version=False, deterministic_id=True)
    result = out.getvalue()
    with pikepdf.open(io.BytesIO(result)) as written:
        count = len(written.pages)
    if count != page_count:
        raise SanitizeError(f"The clean PDF has {count} pages instead of {page_count}.")
    return result


def _name(value) -> str | None:
    """A PDF name as text (``"/Link"``); None for anything that is not a name."""
    return str(value) if isinstance(value, Name) else None


def _copied_references(clean: pikepdf.Pdf, array: Array) -> Array:
    """The indirect objects of ``array`` copied into ``clean``; qpdf copies each object once."""
    return Array([clean.copy_foreign(item) for item in array if item.is_indirect])


def _internal_link(source: pikepdf.Pdf, annot: Dictionary, new_page_of: dict) -> Dictionary | None:
    """A new bare link annotation to the same page, or None if it does not go to a page here."""
    target = annot.get("/Dest")
    action = annot.get("/A")
    if target is None and isinstance(action, Dictionary) and _name(action.get("/S")) == "/GoTo":
        target = action.get("/D")
    if isinstance(target, (Name, String)):
        target = _named_destination(source, target)
    if not isinstance(target, Array) or len(target) < 2:
        return None
    page, fit, *params = list(target)[:6]
    if not (isinstance(page, Dictionary) and page.is_indirect and page.objgen in new_page_of):
        return None
    rect = _numbers(annot.get("/Rect"), 4)
    if _name(fit) not in PDF_FIT_TYPES or rect is None:
        return None
    params = [p if isinstance(p, (int, Decimal)) and not isinstance(p, bool) else None for p in params]
    return Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array(rect), Border=Array([0, 0, 0]),
                      Dest=Array([new_page_of[page.objgen], fit, *params]))


def _named_destination(source: pikepdf.Pdf, name) -> Array | None:
    """The destination array a named destination stands for (PDF 32000-1, 12.3.2.3)."""
    key = str(name).removeprefix("/") if isinstance(name, Name) else str(name)
    value = None
    names = source.Root.get("/Names")
    if isinstance(names, Dictionary) and isinstance(names.get("/Dests"), Dictionary):
        value = pikepdf.NameTree(names.Dests).get(key)
    old_style = source.Root.get("/Dests")
    if value is None and isinstance(old_style, Dictionary):
        value = old_style.get("/" + key)
    if isinstance(value, Dictionary):
        value = value.get("/D")
    return value if isinstance(value, Array) else None


def _flags(annot: Dictionary) -> int:
    try:
        return int(annot.get("/F", 0))
    except (TypeError, ValueError):
        return 0


def _numbers(value, count: int) -> list[float] | None:
    if not isinstance(value, Array):
        return None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count else None


def _appearance(clean: pikepdf.Pdf, annot: Dictionary):
    """(form XObject copied into ``clean``, cm matrix) painting the annotation where it is, or None."""
    appearances = annot.get("/AP")
    if not isinstance(appearances, Dictionary):
        return None
    normal = appearances.get("/N")
    if isinstance(normal, Dictionary):     # one appearance per state: the current one is drawn
        state = annot.get("/AS")
        normal = normal.get(state) if isinstance(state, Name) else None
    if not isinstance(normal, Stream):
        return None
    rect = _numbers(annot.get("/Rect"), 4)
    box = _numbers(normal.get("/BBox"), 4)
    matrix = _numbers(normal.get("/Matrix"), 6) if "/Matrix" in normal else [1, 0, 0, 1, 0, 0]
    if rect is None or box is None or matrix is None:
        return None
    # PDF 32000-1, 12.5.5: the box, transformed by the form matrix, is fitted into /Rect.
    a, b, c, d, e, f = matrix
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in box[0::2] for y in box[1::2]]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    rx0, rx1 = sorted(rect[0::2])
    ry0, ry1 = sorted(rect[1::2])
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    if width <= 0 or height <= 0 or rx1 <= rx0 or ry1 <= ry0:
        return None
    sx, sy = (rx1 - rx0) / width, (ry1 - ry0) / height
    cm = (sx, 0, 0, sy, rx0 - min(xs) * sx, ry0 - min(ys) * sy)
    form = clean.copy_foreign(normal)
    form.Type, form.Subtype = Name.XObject, Name.Form
    return form, cm


def _paint(clean: pikepdf.Pdf, page: pikepdf.Page, drawings, counter: int) -> int:
    """Wrap the page's content in q/Q and paint the flattened appearances on top of it."""
    if not isinstance(page.obj.get("/Resources"), Dictionary):
        page.obj.Resources = Dictionary()
    if not isinstance(page.obj.Resources.get("/XObject"), Dictionary):
        page.obj.Resources.XObject = Dictionary()
    xobjects = page.obj.Resources.XObject
    commands = [b"Q"]
    for form, cm in drawings:
        counter += 1
        name = f"/Flattened{counter}"
        while name in xobjects:
            counter += 1
            name = f"/Flattened{counter}"
        xobjects[name] = form
        numbers = " ".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in cm)
        commands.append(f"q {numbers} cm {name} Do Q".encode())
    page.contents_add(clean.make_stream(b"q\n"), prepend=True)
    page.contents_add(clean.make_stream(b"\n" + b"\n".join(commands) + b"\n"))
    return counter


def _scrub(clean: pikepdf.Pdf) -> None:
    """Walk everything reachable from the catalog and drop what can name the author.

    What the page copies pulled in (an XMP stream on an image, an action in a form's
    resources, a layer's users) is found here, wherever it hangs.
    """
    seen = set()
    stack = [clean.Root]
    while stack:
        item = stack.pop()
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, Array):
            stack.extend(v for v in item if isinstance(v, (Array, Dictionary, Stream)))
            continue
        for key in PDF_DROPPED_KEYS:
            if key in item and not (key == "/Annots" and _name(item.get("/Type")) == "/Page"):
                del item[key]
        if _name(item.get("/Type")) == "/OCG":   # a layer: its name and users can name people
            for key in [k for k in item.keys() if k not in ("/Type", "/Intent")]:
                del item[key]
            item.Name = String("Layer")
        if isinstance(item, Stream):
            _strip_pdf_image(item)
        stack.extend(v for v in item.values() if isinstance(v, (Array, Dictionary, Stream)))


def _strip_pdf_image(stream: Stream) -> None:
    """EXIF and friends inside a JPEG image on a page, removed at marker level.

    The compressed bytes are read and written as they are: the scan data stays byte for byte.
    """
    filters = stream.get("/Filter")
    if _name(filters) != "/DCTDecode" and not (
            isinstance(filters, Array) and [_name(f) for f in filters] == ["/DCTDecode"]):
        return
    raw = stream.read_raw_bytes()
    try:
        clean = _sanitize_jpeg(raw, cut_scan_allowed=True)
    except SanitizeError as exc:
        raise SanitizeError(f"A JPEG image inside the PDF is damaged: {exc}") from exc
    if clean != raw:
        stream.write(clean, filter=filters, decode_parms=stream.get("/DecodeParms"))
