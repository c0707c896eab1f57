"""Polyglots: a PDF or an image whose bytes also read as a web page.

The app serves every file with its true type, ``nosniff`` and ``Content-Disposition:
attachment``, so no browser of ours renders an entry file as HTML. A file that is both a PDF or
image and a web page is still refused at upload: a proxy, a mirror, an old browser or a PDF
reader that sniffs content could render its script with the platform's origin.

**The rule.** A file is refused when it holds one of the tags that make a sniffer call content
HTML, in any letter case, followed by what ends a tag name (white space, ``/`` or ``>``), written
in ASCII/UTF-8 or in UTF-16 (either byte order):

- ``<!doctype html``, ``<script`` or ``<iframe`` anywhere: they carry code by themselves, and a
  payload can sit after a JPEG header, in a PNG chunk or after a PDF's end marker;
- ``<html``, ``<head`` or ``<body`` in the first 64 KB, where sniffers look (browsers read 256 to
  512 bytes) with room for a photo's metadata segments. Beyond that these short tags are not
  looked for: random bytes of compressed data spell one about once in 10^12 bytes, so a season's
  uploads would now and then be refused for nothing.

A real PDF, PNG or JPEG is thus refused by chance less than once in 10^7 files. Text that only
mentions a tag inside compressed PDF streams is not seen, as no sniffer sees it either.
"""
from __future__ import annotations

import re

__all__ = ["html_marker"]

#: Tags looked for anywhere, and tags looked for in the first HEADER_BYTES too.
CODE_TAGS = ("!doctype html", "script", "iframe")
PAGE_TAGS = ("html", "head", "body")
HEADER_BYTES = 64 * 1024
ENCODINGS = ("ascii", "utf-16-le", "utf-16-be")


def _spelled(text: str, encoding: str) -> bytes:
    """A regular expression matching ``text`` in ``encoding``; a space stands for any white space."""
    space = b"(?:" + b"|".join(re.escape(c.encode(encoding)) for c in " \t\n\r\f") + b")+"
    return b"".join(space if c == " " else re.escape(c.encode(encoding)) for c in text)


def _pattern(tags: tuple[str, ...], encoding: str) -> re.Pattern[bytes]:
    names = b"|".join(_spelled(tag, encoding) for tag in tags)
    end = b"(?:" + b"|".join(re.escape(c.encode(encoding)) for c in " \t\n\r\f/>") + b")"
    return re.compile(_spelled("<", encoding) + b"(?P<tag>" + names + b")" + end, re.IGNORECASE)


#: (encoding, pattern, how far into the file it looks)
SEARCHES = [(encoding, _pattern(tags, encoding), reach) for encoding in ENCODINGS
            for tags, reach in ((CODE_TAGS, None), (CODE_TAGS + PAGE_TAGS, HEADER_BYTES))]


def html_marker(data: bytes) -> str | None:
    """The first HTML tag found in ``data`` (``"<script"``), or None for a file with none."""
    found = [(match.start(), encoding, match) for encoding, pattern, reach in SEARCHES
             if (match := pattern.search(data, 0, len(data) if reach is None else reach))]
    if not found:
        return None
    _, encoding, match = min(found, key=lambda hit: hit[0])
    return "<" + " ".join(match.group("tag").decode(encoding).lower().split())
