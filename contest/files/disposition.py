"""The name a downloaded file is saved under, made safe for the ``Content-Disposition`` header.

Names come from users (an upload's original name) and can hold anything: quotes and semicolons
that would end the header's value, line breaks, path separators, bidirectional controls that
turn ``report\u202efdp.exe`` into what looks like ``reportexe.pdf``. :func:`attachment_disposition`
keeps what is printable, gives old clients an ASCII ``filename`` and modern ones the full name in
``filename*`` (RFC 6266 with RFC 5987 encoding).
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

__all__ = ["attachment_disposition", "safe_filename"]

FALLBACK_STEM = "download"
MAX_LENGTH = 150
#: Characters kept in the plain ``filename``: the rest would need quoting some clients get wrong.
ASCII_KEPT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_()+, ")
#: RFC 5987 attr-char besides letters and digits: what ``filename*`` leaves unescaped.
ATTR_CHARS = "!#$&+-.^_`|~"


def _stem_and_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, "." + suffix) if dot and suffix.strip() else (name.rstrip("."), "")


def _without_an_empty_stem(name: str) -> str:
    """``.pdf`` or ``...`` alone is no name: the stem becomes ``download``."""
    stem, suffix = _stem_and_suffix(name.strip())
    return (stem.strip(" .") or FALLBACK_STEM) + suffix


def _shortened(name: str) -> str:
    if len(name) <= MAX_LENGTH:
        return name
    stem, suffix = _stem_and_suffix(name)
    suffix = suffix[:16]
    return stem[:MAX_LENGTH - len(suffix)].rstrip(" .") + suffix


def safe_filename(name: str) -> str:
    """The last path part of ``name``, without control or format characters, spaces collapsed."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(" " if c.isspace() else c for c in name
                        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return _shortened(_without_an_empty_stem(" ".join(printable.split())))


def _ascii_fallback(name: str) -> str:
    spelled = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    kept = "".join(c if c in ASCII_KEPT else "_" for c in spelled)
    return _without_an_empty_stem(" ".join(kept.split()))


def attachment_disposition(name: str) -> str:
    """``attachment; filename="..."`` and, for a name ASCII cannot spell, ``filename*=UTF-8''...``."""
    safe = safe_filename(name)
    fallback = _ascii_fallback(safe)
    header = f'attachment; filename="{fallback}"'
    if fallback != safe:
        header += "; filename*=UTF-8''" + quote(safe, safe=ATTR_CHARS)
    return header
