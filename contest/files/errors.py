"""What a file that cannot be cleaned raises."""


class SanitizeError(Exception):
    """The file could not be parsed, so no clean copy exists; it must not be shown."""
