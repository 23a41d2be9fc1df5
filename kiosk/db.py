"""The instance's SQLite file: opening it with the right pragmas, and versioned migrations.

Every instance (central or kiosk) has one file, ``kiosk.db`` in its instance folder.
WAL lets the screens read while a scan is written; ``synchronous=FULL`` makes a
committed scan survive power loss, which is what "accepted" on the screen promises.
Migrations are the ``NNNN_name.sql`` files in ``kiosk/migrations``, applied in name
order and recorded by name, so a feature adds its tables by adding a file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import sqlite_utils

DB_FILENAME = "kiosk.db"


def connect(path: str | Path, migrate_schema: bool = True) -> Database:
    """Open (creating if needed) an instance database, migrated to the latest schema
    unless ``migrate_schema`` is false (the web app migrates once at start-up)."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    db = Database(conn)
    db.write_lock = write_lock_for(str(path))
    if migrate_schema:
        migrate(db)
    return db


# One lock per database file for the writers of this process. SQLite's own busy
# handler sleeps in steps of up to 100 ms when the write lock is taken; queueing on a
# Python lock first keeps a burst of scans from the same process in the millisecond range.
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock_for(path: str) -> threading.Lock:
    with _write_locks_guard:
        return _write_locks.setdefault(str(Path(path).resolve()), threading.Lock())


class Database(sqlite_utils.Database):
    """A sqlite-utils database that knows its file's in-process write lock."""

    write_lock: threading.Lock


def _write_lock(db: sqlite_utils.Database) -> threading.Lock:
    if isinstance(db, Database):
        return db.write_lock
    return write_lock_for(db.conn.execute("PRAGMA database_list").fetchone()[2])


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    Taking the lock up front means a decision read inside the transaction (is this
    ticket already inside?) cannot be invalidated by another writer before commit.
    """
    conn = db.conn
    with _write_lock(db):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def migration_files() -> list[tuple[str, str]]:
    """(name, sql) of every migration shipped with the package, in apply order."""
    folder = resources.files("kiosk") / "migrations"
    files = sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    return files


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not seen yet; return their names."""
    conn = db.conn
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    applied = []
    for name, sql in migration_files():
        if name in done:
            continue
        # executescript commits on its own; the whole file plus its record are one script
        # so a crash leaves either none or all of it.
        conn.executescript(
            "BEGIN;\n" + sql + f"\nINSERT INTO schema_migrations VALUES ('{name}', datetime('now'));\nCOMMIT;"
        )
        applied.append(name)
    return applied
