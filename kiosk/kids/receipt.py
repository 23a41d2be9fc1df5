"""The security code shared by a child's label and the adult's receipt, and the text of
the receipt's QR code: defined here once (the labels module prints it as given).

A code is 4 Crockford Base32 symbols (no I, L, O, U: nothing to mix up when read
aloud), drawn with ``secrets``: it is never derived from a name or a phone number. The
QR text names the fair day as well, so a receipt kept from another day is refused as
``not_today`` rather than matched with a child of today who got the same code.
"""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import date
from typing import NamedTuple

from kiosk import crockford

CODE_LENGTH = 4
PREFIX = "KIDS"
_PAYLOAD = re.compile(rf"{PREFIX}:(\d{{4}}-\d{{2}}-\d{{2}}):([{crockford.ALPHABET}]{{{CODE_LENGTH}}})")
# 32**4 codes: a free one is found at once unless a day had hundreds of thousands of drop-offs.
TRIES = 1000


def new_code(taken: Container[str]) -> str:
    """A random code not in ``taken`` (the day's codes)."""
    for _ in range(TRIES):
        code = crockford.random_symbols(CODE_LENGTH)
        if code not in taken:
            return code
    raise RuntimeError("no free kids' space code left today")


def receipt_payload(code: str, day: date) -> str:
    """The text of the receipt's (and the child's label's) QR code."""
    return f"{PREFIX}:{day.isoformat()}:{code}"


class Read(NamedTuple):
    """What a scanned receipt or a typed code says: the code, and the day when scanned."""

    code: str
    day: date | None


def read(text: str) -> Read | None:
    """A receipt's QR text or a typed code (dashes, spaces, case and misread letters
    forgiven); None when it is neither."""
    found = _PAYLOAD.fullmatch(text.strip())
    if found:
        try:
            return Read(found.group(2), date.fromisoformat(found.group(1)))
        except ValueError:
            return None
    typed = crockford.clean(text)
    if len(typed) == CODE_LENGTH and crockford.decode(typed) is not None:
        return Read(typed, None)
    return None
