"""Folding text for search: the same function on the index and on what visitors type.

French: lower case, accents removed (é→e), ligatures spelled out (œ→oe, æ→ae) and
elisions dropped (l', d', qu'...). Arabic: the hamza forms of alef become a bare alef
(أ إ آ ٱ → ا), taa marbuta becomes haa (ة → ه), alef maqsura becomes yaa (ى → ي),
short vowels (harakat) and tatweel are removed, and a leading definite article
(ال, وال, بال, فال, كال, لل) is cut from words long enough to keep a stem, so
"الزيتون" and "زيتون" meet. Everything else is split on non-letters.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel
        # Arabic-Indic digits to ASCII, so stand numbers and phones fold alike
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
# Harakat, tanwin, shadda, sukun, superscript alef and Quranic marks.
_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
# French elisions: a one- or few-letter word glued by an apostrophe (l'huile, d'Azilal).
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’ʼ`´]", re.IGNORECASE)
_ARTICLE = re.compile("^(?:وال|بال|فال|كال|ال|لل)")
_WORD = re.compile(r"\w+")

# Words that carry no meaning in a search; dropped from queries (not from the index,
# where they are harmless).
_STOPWORD_TEXT = (
    "le la les un une des du de et en au aux a pour par sur avec the of from and in at for to by "
    "my with is some where find من في على و عن الى الي مع"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def fold_arabic_word(word: str) -> str:
    """Cut the definite article from an Arabic word when at least three letters remain."""
    stem = _ARTICLE.sub("", word)
    return stem if len(stem) >= 3 else word


def fold(text: str | None) -> str:
    """Search form of ``text``: folded words separated by single spaces."""
    if not text:
        return ""
    text = _ELISION.sub(" ", text)
    text = text.lower().translate(_LIGATURES).translate(_ARABIC_MAP)
    text = _HARAKAT.sub("", text)
    # Latin accents: decompose and drop combining marks (Arabic letters have none left).
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    words = [fold_arabic_word(w) if is_arabic(w) else w for w in _WORD.findall(text.replace("_", " "))]
    return " ".join(words)


def query_words(text: str | None) -> list[str]:
    """Folded words of a query without stop words (all of them if only stop words)."""
    words = fold(text).split()
    meaningful = [w for w in words if w not in STOPWORDS]
    return meaningful or words


def is_arabic(word: str) -> bool:
    """Has a letter of the Arabic block (a word or name written in Arabic)."""
    return any("\u0600" <= ch <= "\u06ff" for ch in word)
