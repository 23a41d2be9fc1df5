"""Searching the directory: FTS5 over folded text, a fuzzy layer, and tiered ranking.

The index (``finder_fts``) holds one row per exhibitor with folded French, Arabic and
English text: name, organisation, products, categories (names in three languages and
synonyms), province and stand numbers. Triggers mark it stale when the directory
changes; ``ensure_index`` rebuilds it before the next search.

A query is folded the same way and each word becomes a prefix term (as you type).
A word that is the prefix of no indexed term goes through the fuzzy layer: RapidFuzz
finds indexed terms within one or two edits (transpositions count as one: "mile" →
"miel"), and the word becomes an OR of them. Results are ranked in tiers: the exact
name (or stand number) first, then names starting with the query, then names holding
every word, then the rest (products, categories, province), with bm25 inside a tier.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kiosk import db as dbmod
from kiosk.finder.text import fold, query_words

# bm25 weights per column: exhibitor_id (unindexed), name, organisation, products,
# categories, province, stand.
WEIGHTS = "0, 10.0, 6.0, 3.0, 3.0, 2.0, 8.0"
CANDIDATES = 200  # the best matches (bm25) ranked in tiers; a page further down asks for more
MIN_QUERY = 2
_STAND = re.compile(r"^([a-z])0*(\d{1,3})$")


class Hit(NamedTuple):
    """A ranked match (a tuple: a search makes up to 200, a frozen dataclass took 2.5x longer)."""

    id: str
    tier: int
    rank: float
    fuzzy: bool = False
    coverage: float = 0.0  # share of the name's words the query matched (short names first)


@dataclass
class Vocabulary:
    """Indexed terms of one index version, sorted, for prefix tests and fuzzy matching, and
    the folded names (French, Arabic, organisation) of every exhibitor, for ranking."""

    version: int
    terms: list[str] = field(default_factory=list)
    names: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # The same names cut into words, with their weight in ranking (see ``_tier``).
    words: dict[str, tuple[tuple[list[str], float], ...]] = field(default_factory=dict)

    def has_prefix(self, word: str) -> bool:
        index = bisect.bisect_left(self.terms, word)
        return index < len(self.terms) and self.terms[index].startswith(word)

    def close_terms(self, word: str, limit: int = 6) -> list[str]:
        """Indexed terms within a small edit distance of the word, or of a prefix of the term
        as long as the word (a misspelt word still being typed)."""
        if len(word) < 4:
            return []
        max_edits = 1 if len(word) <= 5 else 2
        whole = process.extract(word, self.terms, scorer=OSA.distance, score_cutoff=max_edits, limit=limit)
        prefixes = {term[: len(word)]: term for term in self.terms if len(term) > len(word)}
        starts = process.extract(word, list(prefixes), scorer=OSA.distance, score_cutoff=1, limit=limit)
        # Whole-word neighbours first ("mile" -> "miel"); prefixes of longer terms only when
        # there are none ("cooperatv" -> "cooperative"), else "mile" would also find "tilelli".
        found = [term for term, _d, _i in sorted(whole, key=lambda m: m[1])]
        if not found:
            found = [prefixes[p] for p, _d, _i in starts]
        return found[:limit]


_cache: dict[str, Vocabulary] = {}
_lock = threading.Lock()


def database_key(conn: sqlite3.Connection) -> str:
    """Which database file ``conn`` reads (caches of several instances in one process)."""
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


def ensure_index(conn: dbmod.Connection) -> int:
    """Rebuild the index if the directory changed since; returns the index version."""
    stale, version = conn.execute("SELECT stale, version FROM finder_index_state").fetchone()
    if not stale:
        return int(version)
    with dbmod.write(conn):
        stale, version = conn.execute("SELECT stale, version FROM finder_index_state").fetchone()
        if stale:
            rebuild(conn)
            version += 1
            conn.execute("UPDATE finder_index_state SET stale = 0, version = ?", (version,))
    return int(version)


def documents(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    """The folded index rows of every exhibitor."""
    categories: dict[str, list[str]] = {}
    for row in conn.execute(
        "SELECT ec.exhibitor_id, c.name_fr || ' ' || c.name_ar || ' ' || c.name_en || ' ' || c.synonyms"
        " FROM exhibitor_categories ec JOIN categories c ON c.id = ec.category_id"
    ):
        categories.setdefault(row[0], []).append(row[1])
    stands: dict[str, list[str]] = {}
    for exhibitor, number in conn.execute("SELECT exhibitor_id, stand_number FROM exhibitor_stands"):
        stands.setdefault(exhibitor, []).append(number)
    docs: list[tuple[str, ...]] = []
    for row in conn.execute(
        "SELECT e.id, e.name_fr, e.name_ar, e.name_zgh, e.products_fr, e.products_ar, o.name AS organisation,"
        " p.name_fr || ' ' || p.name_ar || ' ' || p.name_en AS province"
        " FROM exhibitors e LEFT JOIN organisations o ON o.id = e.organisation_id"
        " LEFT JOIN provinces p ON p.id = e.province_id"
    ):
        numbers = stands.get(row["id"], [])
        stand_words = " ".join(f"{n} {n[0]}{int(n[1:])}" if n[1:].isdigit() else n for n in numbers)
        docs.append(
            (
                row["id"],
                fold(f"{row['name_fr']} {row['name_ar']} {row['name_zgh']}"),
                fold(row["organisation"]),
                fold(f"{row['products_fr']} {row['products_ar']}"),
                fold(" ".join(categories.get(row["id"], []))),
                fold(row["province"]),
                fold(stand_words),
                fold(row["name_fr"]),
                fold(row["name_ar"]),
            )
        )
    return docs


def rebuild(conn: sqlite3.Connection) -> None:
    """Refill the index (inside a write transaction)."""
    conn.execute("DELETE FROM finder_fts")
    conn.executemany(
        "INSERT INTO finder_fts (exhibitor_id, name, organisation, products, categories, province, stand)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (doc[:7] for doc in documents(conn)),
    )


def vocabulary(conn: sqlite3.Connection, version: int) -> Vocabulary:
    """The index's terms, loaded once per database and index version."""
    key = database_key(conn)
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        terms = sorted(row[0] for row in conn.execute("SELECT term FROM finder_vocab"))
        names = {
            row[0]: (fold(row[1]), fold(row[2]), fold(row[3]))
            for row in conn.execute(
                "SELECT e.id, e.name_fr, e.name_ar, o.name FROM exhibitors e"
                " LEFT JOIN organisations o ON o.id = e.organisation_id"
            )
        }
        # The organisation's name counts half: its own stand (same name) beats its other lines.
        words: dict[str, tuple[tuple[list[str], float], ...]] = {
            key: ((fr.split(), 1.0), (ar.split(), 1.0), (organisation.split(), 0.5))
            for key, (fr, ar, organisation) in names.items()
        }
        vocab = Vocabulary(version, terms, names, words)
        _cache[key] = vocab
    return vocab


def _fts_terms(words: list[str], vocab: Vocabulary) -> tuple[list[str], list[list[str]], bool]:
    """FTS5 expressions per word, the alternatives each word stands for, and whether
    the fuzzy layer was used. Words matching nothing, even fuzzily, are dropped."""
    expressions: list[str] = []
    alternatives: list[list[str]] = []
    fuzzy = False
    for word in words:
        if vocab.has_prefix(word):
            expressions.append(f'"{word}"*')
            alternatives.append([word])
            continue
        close = vocab.close_terms(word)
        if close:
            fuzzy = True
            expressions.append("(" + " OR ".join(f'"{term}"' for term in close) + ")")
            alternatives.append(close)
    return expressions, alternatives, fuzzy


def _run(conn: sqlite3.Connection, expression: str, candidates: int) -> list[sqlite3.Row]:
    return conn.execute(
        f"SELECT exhibitor_id, bm25(finder_fts, {WEIGHTS}) AS rank FROM finder_fts"
        " WHERE finder_fts MATCH ? ORDER BY rank LIMIT ?",
        (expression, candidates),
    ).fetchall()


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # the best ``limit``, best first
    total: int  # every exhibitor the search matches, ranked or not


def _tier(
    query: str,
    names: tuple[str, str, str],
    words: tuple[tuple[list[str], float], ...],
    alternatives: list[tuple[str, ...]],
    every: tuple[str, ...],
) -> tuple[int, float]:
    """(tier, coverage): 0 exact name, 1 name prefix, 2 every word in the name, 3 the rest.
    ``words``: the names' words and weights (``Vocabulary.words``); ``alternatives``: per word
    of the query, the indexed words it stands for, and ``every`` all of them (tuples, so that
    ``str.startswith`` tries them at once: this runs for each of 200 candidates)."""
    name_fr, name_ar, _organisation = names
    if query in (name_fr, name_ar):
        return 0, 1.0
    if name_fr.startswith(query) or name_ar.startswith(query):
        return 1, len(query) / max(len(name_fr), 1)
    best = 0.0
    for name_words, weight in words:
        # Every word of the query starts a word of the name (plain loops: this is the hot part).
        for alts in alternatives:
            for w in name_words:
                if w.startswith(alts):
                    break
            else:
                break
        else:
            if name_words:
                matched = sum(1 for w in name_words if w.startswith(every))
                best = max(best, weight * matched / len(name_words))
    return (2, best) if best else (3, 0.0)


def search(conn: dbmod.Connection, text: str, limit: int = 10) -> list[Hit]:
    """Exhibitors matching what the visitor typed, best first."""
    return find(conn, text, limit).hits


def find(conn: dbmod.Connection, text: str, limit: int = 10) -> Found:
    """The best ``limit`` matches of what the visitor typed, and how many match in all
    (counted without ranking them: a short word can match thousands at a large fair)."""
    words = query_words(text)
    if len("".join(words)) < MIN_QUERY:
        return Found([], 0)
    version = ensure_index(conn)
    vocab = vocabulary(conn, version)
    expressions, alternatives, fuzzy = _fts_terms(words, vocab)
    if not expressions:
        return Found([], 0)
    candidates = max(CANDIDATES, limit)
    expression = " AND ".join(expressions)
    rows = _run(conn, expression, candidates)
    if not rows and len(expressions) > 1:
        expression = " OR ".join(expressions)
        rows = _run(conn, expression, candidates)
    hits: dict[str, Hit] = {}
    stand = _STAND.match("".join(words))
    if stand:
        number = f"{stand.group(1).upper()}{int(stand.group(2)):02d}"
        for (exhibitor,) in conn.execute(
            "SELECT exhibitor_id FROM exhibitor_stands WHERE stand_number = ?", (number,)
        ):
            hits[exhibitor] = Hit(exhibitor, 0, -1e9)
    ranked_ids = {row[0] for row in rows}
    total = len(ranked_ids | set(hits))
    if len(rows) == candidates:  # more match than were ranked: count them in SQLite
        total = conn.execute(
            "SELECT count(*) FROM finder_fts WHERE finder_fts MATCH ?", (expression,)
        ).fetchone()[0]
        for exhibitor in hits:  # a stand number's exhibitors the words did not match
            if (
                exhibitor not in ranked_ids
                and not conn.execute(
                    "SELECT 1 FROM finder_fts WHERE finder_fts MATCH ? AND exhibitor_id = ?",
                    (expression, exhibitor),
                ).fetchone()
            ):
                total += 1
    if not rows:
        return Found(list(hits.values())[:limit], total)
    # Alternatives are folded words; the query compared to names is the corrected query.
    corrected = " ".join(alts[0] for alts in alternatives)
    typed = " ".join(words)
    prefixes = [tuple(alts) for alts in alternatives]
    every = tuple(alt for alts in alternatives for alt in alts)
    # Tiers reorder the best CANDIDATES (by bm25), then each next block of as many on its own,
    # so asking for a page further down never reorders the pages already shown.
    block = {exhibitor: 0 for exhibitor in hits}
    for index, row in enumerate(rows):
        if row[0] in hits or row[0] not in vocab.names:
            continue
        names, weighted = vocab.names[row[0]], vocab.words[row[0]]
        tier, coverage = _tier(typed, names, weighted, prefixes, every)
        if corrected != typed:
            tier, coverage = min(
                (tier, coverage),
                _tier(corrected, names, weighted, prefixes, every),
                key=lambda pair: (pair[0], -pair[1]),
            )
        hits[row[0]] = Hit(row[0], tier, row["rank"], fuzzy, coverage)
        block[row[0]] = index // CANDIDATES
    ranked = sorted(hits.values(), key=lambda hit: (block[hit.id], hit.tier, -hit.coverage, hit.rank))
    return Found(ranked[:limit], total)
