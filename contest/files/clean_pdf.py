"""A PDF of an entry copied page by page into a new document, without its authors' metadata.

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
"""
from __future__ import annotations

import io
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

from contest.files.clean_images import clean_jpeg
from contest.files.errors import SanitizeError

__all__ = ["clean_pdf"]


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


def clean_pdf(data: bytes) -> bytes:
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
        clean = clean_jpeg(raw, cut_scan_allowed=True)
    except SanitizeError as exc:
        raise SanitizeError(f"A JPEG image inside the PDF is damaged: {exc}") from exc
    if clean != raw:
        stream.write(clean, filter=filters, decode_parms=stream.get("/DecodeParms"))
