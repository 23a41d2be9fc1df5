"""Crockford Base32: the symbols of every code a person reads or types.

Ticket short codes, registration short codes and enrollment codes all use it. The
alphabet has no I, L, O or U, and reading maps I and L to 1 and O to 0, so a code
read aloud or misread still types right; the mod-37 check symbol (over the value the
symbols spell) catches one wrong or two swapped symbols.
"""

from __future__ import annotations

import random
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def clean(text: str) -> str:
    """What was typed, upper case, without dashes or spaces, misread letters mapped."""
    return "".join(ch for ch in text.upper() if ch != "-" and not ch.isspace()).translate(_READ_AS)


def encode(value: int, length: int) -> str:
    """``value`` in ``length`` symbols (its low 5 * length bits), most significant first."""
    return "".join(ALPHABET[(value >> (5 * place)) & 31] for place in reversed(range(length)))


def decode(symbols: str) -> int | None:
    """The value the symbols spell, or None if one is not in the alphabet."""
    value = 0
    for ch in symbols:
        index = ALPHABET.find(ch)
        if index < 0:
            return None
        value = value * 32 + index
    return value


def check_symbol(value: int) -> str:
    return CHECK_ALPHABET[value % 37]


def random_symbols(count: int, rng: random.Random | None = None) -> str:
    """``count`` random symbols: from ``secrets`` unless a seeded ``rng`` is given (demo)."""
    choose = rng.choice if rng is not None else secrets.choice
    return "".join(choose(ALPHABET) for _ in range(count))


def group(code: str, size: int) -> str:
    """The code in dash-separated groups of ``size`` symbols, as printed."""
    return "-".join(code[start : start + size] for start in range(0, len(code), size))
