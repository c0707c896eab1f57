"""Money: whole soums, written one way everywhere (pages, workbook, mail, PDFs, engines' English)."""
from __future__ import annotations

from babel.numbers import format_decimal

NO_BREAK = "\u00a0"
#: The locale whose grouping every language shows: Uzbek groups thousands with a no-break space.
GROUPING_LOCALE = "uz"


def soums(amount: int | None, space: str = NO_BREAK) -> str:
    """15000000000 -> '15 000 000 000 UZS': whole soums in groups of three, then the currency.

    The contest shows a sum the same way in every language, the Uzbek way: Babel's public
    ``format_decimal`` with the pattern ``#,##0`` (groups of three, no decimals) in the
    :data:`GROUPING_LOCALE`, whose CLDR group symbol is a no-break space (English would give
    commas). The spaces are no-break spaces, so a sum never breaks over two lines; ``space=" "``
    gives plain spaces, which the engines' command lines print (their documented answers and the
    stored snapshots' English are written that way).
    """
    if amount is None:
        return ""
    grouped = format_decimal(int(amount), format="#,##0", locale=GROUPING_LOCALE)
    return f"{grouped}{NO_BREAK}UZS".replace(NO_BREAK, space)
