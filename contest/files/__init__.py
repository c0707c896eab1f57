"""Entry files as judges see them: pure (bytes in, bytes out), no Flask, no database.

The service layer reads the stored attachment, asks :func:`sanitize` for a copy without the
authors' metadata and serves it under :func:`neutral_name`. A :class:`SanitizeError` means the
file could not be cleaned, and judges must not be shown it at all.
"""
from contest.files.sanitize import SanitizeError, neutral_name, sanitize

__all__ = ["SanitizeError", "neutral_name", "sanitize"]
