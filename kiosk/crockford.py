"""Crockford Base32: the symbols of every code a person reads or types.

Ticket short codes, registration short codes and enrollment codes all use it. The
alphabet has no I, L, O or U, and reading maps I and L to 1 and O to 0, so a code
read aloud or misread still types right; the mod-37 check symbol (over the value the
symbols spell) catches one wrong or two swapped symbols.

Four of the 37 check symbols are signs, ``* ~ $ =`` (and ``U``, a letter, is typed as
itself). People type what they see with the keys they have: ``S`` for ``$`` above all,
``V`` for ``U``, ``X`` or ``+`` for ``*``, ``-`` or ``N`` are too far off to guess. So a
check position also reads its look-alikes (``CHECK_LOOKALIKES``): the typed symbol
matches if it is the check symbol or looks like it. This never makes a code mean two
things (a body has exactly one check symbol); it only lets ``S`` stand for two of the
37 residues, so a one-symbol typo in the body of a code ending in ``S`` or ``$`` goes
unseen with probability 1/37 and then still has to name another ticket this instance
holds (random 40-bit serials: about one in ten million for 100,000 tickets). ``~``
and ``=`` have no letter that looks like them: they are on every keyboard (AZERTY
``=``; ``~`` is AltGr+2) and otherwise the staff's help is the answer, which the
"check the code and type it again" verdict asks for.
"""

from __future__ import annotations

import random
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
# What people type for a check symbol they cannot find on their keys (see above).
CHECK_LOOKALIKES = {"S": "$", "V": "U", "X": "*", "+": "*"}


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


def check_matches(value: int, typed: str) -> bool:
    """Whether ``typed`` (one cleaned symbol) is ``value``'s check symbol or a look-alike of it."""
    expected = check_symbol(value)
    return typed == expected or CHECK_LOOKALIKES.get(typed) == expected


def is_check_symbol(typed: str) -> bool:
    """Whether ``typed`` can stand in a check position at all (a check symbol or a look-alike)."""
    return len(typed) == 1 and (typed in CHECK_ALPHABET or typed in CHECK_LOOKALIKES)


def random_symbols(count: int, rng: random.Random | None = None) -> str:
    """``count`` random symbols: from ``secrets`` unless a seeded ``rng`` is given (demo)."""
    choose = rng.choice if rng is not None else secrets.choice
    return "".join(choose(ALPHABET) for _ in range(count))


def group(code: str, size: int) -> str:
    """The code in dash-separated groups of ``size`` symbols, as printed."""
    return "-".join(code[start : start + size] for start in range(0, len(code), size))
