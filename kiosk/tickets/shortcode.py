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


def _parts(text: str) -> tuple[int, str] | None:
    """(the body's value, the typed check symbol) of something shaped like a short code."""
    if len(text) > 32:
        return None
    cleaned = crockford.clean(text)
    if len(cleaned) != LENGTH + 1 or not crockford.is_check_symbol(cleaned[LENGTH]):
        return None
    value = crockford.decode(cleaned[:LENGTH])
    return None if value is None else (value, cleaned[LENGTH])


def decode(text: str) -> int | None:
    """The serial a typed short code names (its check symbol may be typed as a look-alike,
    ``S`` for ``$``), or None if it is not a well-formed code."""
    parts = _parts(text)
    if parts is None or not crockford.check_matches(*parts):
        return None
    return parts[0]


def mistyped(text: str) -> bool:
    """Shaped like a short code, but its check symbol does not match: a typing mistake
    (a symbol wrong or two swapped), not a foreign code."""
    parts = _parts(text)
    return parts is not None and not crockford.check_matches(*parts)
