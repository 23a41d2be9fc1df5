"""Short codes a person can type: the ticket serial in Crockford Base32 with a check symbol.

Nine symbols shown as ``XXX-XXX-XXX``. Crockford's alphabet has no I, L, O or U, and
reading maps I/L to 1 and O to 0, so a code read aloud or misread still types right;
the mod-37 check symbol catches a wrong or swapped symbol.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
_READ_AS = {"I": "1", "L": "1", "O": "0"}
LENGTH = 8


def encode(serial: int) -> str:
    """The printed short code of a 40-bit serial."""
    symbols = []
    value = serial
    for _ in range(LENGTH):
        symbols.append(ALPHABET[value & 31])
        value >>= 5
    body = "".join(reversed(symbols))
    code = body + CHECK_ALPHABET[serial % 37]
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def decode(text: str) -> int | None:
    """The serial a typed short code names, or None if it is not a well-formed code."""
    if len(text) > 32:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t")
    cleaned = "".join(_READ_AS.get(ch, ch) for ch in cleaned)
    if len(cleaned) != LENGTH + 1:
        return None
    body, check = cleaned[:LENGTH], cleaned[LENGTH]
    value = 0
    for ch in body:
        index = ALPHABET.find(ch)
        if index < 0:
            return None
        value = value * 32 + index
    if CHECK_ALPHABET[value % 37] != check:
        return None
    return value
