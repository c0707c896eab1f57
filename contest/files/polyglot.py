"""Polyglots: a PDF or an image whose bytes also read as a web page.

The app serves every file with its true type, ``nosniff`` and ``Content-Disposition:
attachment``, so no browser of ours renders an entry file as HTML. A file that is both a PDF or
image and a web page is still refused at upload: a proxy, a mirror, an old browser or a PDF
reader that sniffs content could render its script with the platform's origin.

**The rule.** A file is refused when anywhere in it, not only in the first bytes that browsers
sniff (a payload can sit after a JPEG header, in a PNG chunk or after a PDF's end marker), there
is one of the tags that make a sniffer call content HTML and that run or host code:
``<!doctype html``, ``<html``, ``<head``, ``<body``, ``<script``, ``<iframe``, in any letter case,
followed by what ends a tag name (white space, ``/`` or ``>``), written in ASCII/UTF-8 or in
UTF-16 (either byte order). The tag-name end keeps random bytes of compressed image and PDF data
from matching by chance: about once in 10^13 bytes for the shortest tag, that is, never in the
files a contest receives. Text that only mentions a tag inside compressed PDF streams is not
seen, as no sniffer sees it either.
"""
from __future__ import annotations

import re

__all__ = ["html_marker"]

TAGS = ("!doctype html", "html", "head", "body", "script", "iframe")
ENCODINGS = ("ascii", "utf-16-le", "utf-16-be")


def _spelled(text: str, encoding: str) -> bytes:
    """A regular expression matching ``text`` in ``encoding``; a space stands for any white space."""
    space = b"(?:" + b"|".join(re.escape(c.encode(encoding)) for c in " \t\n\r\f") + b")+"
    return b"".join(space if c == " " else re.escape(c.encode(encoding)) for c in text)


def _pattern(encoding: str) -> re.Pattern[bytes]:
    names = b"|".join(_spelled(tag, encoding) for tag in TAGS)
    end = b"(?:" + b"|".join(re.escape(c.encode(encoding)) for c in " \t\n\r\f/>") + b")"
    return re.compile(_spelled("<", encoding) + b"(?P<tag>" + names + b")" + end, re.IGNORECASE)


PATTERNS = {encoding: _pattern(encoding) for encoding in ENCODINGS}


def html_marker(data: bytes) -> str | None:
    """The first HTML tag found in ``data`` (``"<script"``), or None for a file with none."""
    found = [(match.start(), encoding, match) for encoding, pattern in PATTERNS.items()
             if (match := pattern.search(data))]
    if not found:
        return None
    _, encoding, match = min(found, key=lambda hit: hit[0])
    return "<" + " ".join(match.group("tag").decode(encoding).lower().split())
