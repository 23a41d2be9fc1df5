"""Short codes a person can type: the ticket serial in Crockford Base32 with a check symbol.

Nine symbols shown as ``XXX-XXX-XXX``: eight for the 40-bit serial and the mod-37
check symbol (``kiosk.crockford``).
"""

from __future__ import annotations

from kiosk import crockford

LENGTH = 8


def encode(serial: int) -> str:
    """The printed short code of a 40-bit serial."""
    return crockford.group(crockford.encode(serial, LENGTH) + crockford.check_symbol(serial), 3)


def decode(text: str) -> int | None:
    """The serial a typed short code names, or None if it is not a well-formed code."""
    if len(text) > 32:
        return None
    cleaned = crockford.clean(text)
    if len(cleaned) != LENGTH + 1:
        return None
    value = crockford.decode(cleaned[:LENGTH])
    if value is None or crockford.check_symbol(value) != cleaned[LENGTH]:
        return None
    return value
