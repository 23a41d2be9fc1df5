"""The instance's SQLite file: opening it with the right pragmas, the one write path, and
versioned migrations.

Every instance (central or kiosk) has one file, ``kiosk.db`` in its instance folder.
WAL lets the screens read while a scan is written; ``synchronous=FULL`` makes a
committed scan survive power loss, which is what "accepted" on the screen promises.
Migrations are the ``NNNN_name.sql`` files in ``kiosk/migrations``, applied in name
order and recorded by name, so a feature adds its tables by adding a file.

Every statement that changes the file runs inside :func:`write` (one ``BEGIN IMMEDIATE``
transaction under the file's in-process lock) or :func:`migrate` (the migration
scripts); ``tests/test_db_writes.py`` traces every statement of representative
operations and fails on a write issued anywhere else.

The standard ``sqlite3`` module, not sqlite-utils: every statement here is written by
hand because its conflict rule is part of the domain (a re-sent event is skipped with
``ON CONFLICT DO NOTHING``, a re-imported exhibitor updates only the columns the import
owns, a pulled row replaces the kiosk's copy whole), while sqlite-utils' ``upsert``
updates every column it is given and its table methods open their own transactions or
savepoints, which would hide the single write path. Its only use was as a holder of the
connection; :class:`Database` is that holder.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

DB_FILENAME = "kiosk.db"


class Connection(sqlite3.Connection):
    """A connection to an instance file: knows the file's in-process write lock and
    whether :func:`write` holds it now."""

    write_lock: threading.Lock
    writing: bool


class Database:
    """An open instance database (what ``kiosk.web.get_db()`` and ``connect`` give)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn


def connect(path: str | Path, migrate_schema: bool = True, foreign_keys: bool = True) -> Database:
    """Open (creating if needed) an instance database, migrated to the latest schema
    unless ``migrate_schema`` is false (the web app migrates once at start-up).
    ``foreign_keys`` false is for the sync client, which copies central's rows as they
    come (central enforces the keys)."""
    conn = sqlite3.connect(
        str(path), timeout=30, isolation_level=None, check_same_thread=False, factory=Connection
    )
    conn.row_factory = sqlite3.Row
    conn.write_lock = write_lock_for(str(path))
    conn.writing = False
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    conn.execute("PRAGMA busy_timeout=30000")
    db = Database(conn)
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


@contextmanager
def _holding(conn: Connection) -> Iterator[None]:
    """The file's write lock, and ``conn.writing`` set while it is held."""
    if conn.writing:
        # The lock is not re-entrant: say so rather than wait for ever.
        raise RuntimeError("kiosk.db.write inside a write transaction of the same connection")
    with conn.write_lock:
        conn.writing = True
        try:
            yield
        finally:
            conn.writing = False


@contextmanager
def write(db: Database | Connection, durable: bool = True) -> Iterator[Connection]:
    """One write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    Taking the lock up front means a decision read inside the transaction (is this
    ticket already inside?) cannot be invalidated by another writer before commit.
    ``durable`` false commits without waiting for the disk (``synchronous=NORMAL`` for
    this transaction only): for marks that may be lost in a power cut because they are
    learnt again (the sync client's "central holds up to seq N").
    """
    conn = db.conn if isinstance(db, Database) else db
    with _holding(conn):
        if not durable:
            conn.execute("PRAGMA synchronous=NORMAL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            if not durable:
                conn.execute("PRAGMA synchronous=FULL")


@contextmanager
def read(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every query inside sees the same committed state (a page of
    changes and its cursor agree). Writes do not belong here: they go through ``write``."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
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


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen yet; return their names."""
    conn = db.conn
    applied = []
    with _holding(conn):
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for name, sql in migration_files():
            if name in done:
                continue
            # executescript commits on its own; the whole file plus its record are one script
            # so a crash leaves either none or all of it.
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                + sql
                + f"\nINSERT INTO schema_migrations VALUES ('{name}', datetime('now'));\nCOMMIT;"
            )
            applied.append(name)
    return applied
