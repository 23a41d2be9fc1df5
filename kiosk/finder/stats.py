"""Anonymous usage counts for organizers: what visitors looked for, and where they went.

Each count is an append-only event in ``finder_events`` stamped with
``kiosk.events.stamp`` so sync carries it to central. Nothing ties two events to one
visitor (no session, no address, no time finer than the event's own), and the text
of a search is kept only when it found nothing, folded, cut short and with runs of four
digits or more (a phone number typed by mistake) replaced by "#": organizers need it to
fix names and add synonyms. The screen posts a search once typing pauses, so keystrokes
on the way are not counted.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import datetime
from typing import Any

from kiosk import db as dbmod
from kiosk import events
from kiosk.db import Database
from kiosk.finder.text import fold

MAX_QUERY = 60
_LONG_NUMBER = re.compile(r"\d{4,}")
# Zero-result queries shorter than this are keystrokes on the way, not searches.
MIN_COUNTED_QUERY = 3


class Budget:
    """How many statistics requests anonymous clients may add: ``per_client`` a minute
    per address and ``total`` a minute for the kiosk (at most ``clients`` addresses
    tracked a minute). Beyond, the page is answered and nothing is counted: a flood of
    GETs from the network cannot grow the database or hold the write lock. A visitor at
    the screen searches far less often than ``per_client``."""

    def __init__(self, per_client: int = 30, total: int = 240, clients: int = 1000) -> None:
        self.per_client, self.total, self.clients = per_client, total, clients
        self._minute: datetime | None = None
        self._counts: dict[str, int] = {}
        self._guard = threading.Lock()

    @classmethod
    def share(cls, processes: int) -> Budget:
        """One process's part of the kiosk's budget when ``processes`` serve it (each
        counts in its own memory: together they allow what one process alone would)."""
        whole = cls()
        return cls(-(-whole.per_client // processes), -(-whole.total // processes), whole.clients)

    def allow(self, client: str, moment: datetime) -> bool:
        minute = moment.replace(second=0, microsecond=0)
        with self._guard:
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            used = self._counts.get(client)
            if sum(self._counts.values()) >= self.total or (used or 0) >= self.per_client:
                return False
            if used is None and len(self._counts) >= self.clients:
                return False
            self._counts[client] = (used or 0) + 1
            return True


def record(db: Database, moment: datetime, *items: dict[str, Any]) -> None:
    """Append events in one transaction; each item has a ``kind`` (search, category,
    province, route) and some of query, results, category_id, province_id, stand_number."""
    with dbmod.write(db) as conn:
        for item in items:
            row = {
                **events.stamp(conn, moment),
                "query": None,
                "results": None,
                "category_id": None,
                "province_id": None,
                "stand_number": None,
                **item,
            }
            conn.execute(
                "INSERT INTO finder_events (uuid, device_id, device_seq, device_time, kind, query,"
                " results, category_id, province_id, stand_number) VALUES (:uuid, :device_id,"
                " :device_seq, :device_time, :kind, :query, :results, :category_id, :province_id,"
                " :stand_number)",
                row,
            )


def matched_categories(conn: sqlite3.Connection, text: str) -> list[str]:
    """Categories whose name or synonyms contain a whole word of the query."""
    words = set(fold(text).split())
    if not words:
        return []
    found = []
    for row in conn.execute("SELECT id, name_fr, name_ar, name_en, synonyms FROM categories"):
        names = set(fold(" ".join(str(v) for v in tuple(row)[1:])).split())
        if any(len(word) >= 3 for word in words & names):
            found.append(row["id"])
    return found


def record_search(db: Database, moment: datetime, text: str, results: int) -> None:
    """Count a search; keep its folded text only when it found nothing."""
    folded = fold(text)
    if len(folded) < MIN_COUNTED_QUERY:
        return
    # Long digit runs (a phone or ticket number typed by mistake) are never kept.
    kept = None if results else _LONG_NUMBER.sub("#", folded)[:MAX_QUERY]
    items = [{"kind": "search", "results": results, "query": kept}]
    items += [{"kind": "category", "category_id": c} for c in matched_categories(db.conn, text)]
    record(db, moment, *items)


def summary(conn: sqlite3.Connection, top: int = 20) -> dict[str, Any]:
    """The counts the organizer page shows."""
    searches = conn.execute(
        "SELECT count(*), coalesce(sum(results = 0), 0) FROM finder_events WHERE kind = 'search'"
    ).fetchone()
    return {
        "searches": searches[0],
        "searches_without_results": searches[1],
        "not_found": [
            dict(r)
            for r in conn.execute(
                "SELECT query, count(*) AS count FROM finder_events WHERE kind = 'search' AND results = 0"
                " GROUP BY query ORDER BY count DESC, query LIMIT ?",
                (top,),
            )
        ],
        "categories": [
            dict(r)
            for r in conn.execute(
                "SELECT f.category_id, c.name_fr, c.name_ar, count(*) AS count FROM finder_events f"
                " LEFT JOIN categories c ON c.id = f.category_id WHERE f.kind = 'category'"
                " GROUP BY f.category_id ORDER BY count DESC, f.category_id LIMIT ?",
                (top,),
            )
        ],
        "provinces": [
            dict(r)
            for r in conn.execute(
                "SELECT province_id, count(*) AS count FROM finder_events WHERE kind = 'province'"
                " GROUP BY province_id ORDER BY count DESC, province_id"
            )
        ],
        "routes": [
            dict(r)
            for r in conn.execute(
                "SELECT stand_number, count(*) AS count FROM finder_events WHERE kind = 'route'"
                " GROUP BY stand_number ORDER BY count DESC, stand_number LIMIT ?",
                (top,),
            )
        ],
    }
