"""The instance's SQLite file: opening it with the right pragmas, the one write path, and
versioned migrations.

Every instance (central or kiosk) has one file, ``kiosk.db`` in its instance folder.
WAL lets the screens read while a scan is written. A durable :func:`write` returns only
once the WAL holding its commit is on disk, so a committed scan survives power loss,
which is what "accepted" on the screen promises; the sync is shared by the commits
made meanwhile (group commit, see :class:`WalSync`).
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

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TypeVar

from kiosk.lru import LRU
from kiosk.periodic import Periodic

DB_FILENAME = "kiosk.db"

log = logging.getLogger(__name__)


class WalSync:
    """Group commit for one database file in this process.

    SQLite with ``synchronous=FULL`` syncs the WAL inside every COMMIT, that is while
    the write lock is held: concurrent scans then queue for one disk flush each, and 4
    clients got no more scans through than 1. Here a COMMIT only writes its frames
    (``synchronous=NORMAL``) and the writer syncs the WAL after releasing the lock; one
    flush covers every commit made before it started, so writers that commit while
    another one waits for the disk share its next flush. A durable write still returns
    only once its commit is on disk. (NORMAL in WAL mode keeps the file consistent
    through a power cut; SQLite syncs the WAL before each checkpoint.)"""

    def __init__(self, wal_path: str) -> None:
        self.wal_path = wal_path
        self.committed = 0  # commits made in this process, counted under the write lock
        self.synced = 0  # the commits known to be on disk
        self._lock = threading.Lock()

    def wait_for(self, commit: int) -> None:
        """Return once commit number ``commit`` is on disk."""
        with self._lock:
            if self.synced >= commit:
                return  # a flush that started after it covered it
            covered = self.committed  # every commit counted so far has written its frames
            # A connection of ours is open, so SQLite has not removed the WAL: this path is
            # the file those frames were written to.
            fd = os.open(self.wal_path, os.O_RDONLY)
            try:
                os.fdatasync(fd)  # what SQLite itself uses: data (and size), not timestamps
            finally:
                os.close(fd)
            self.synced = covered


class Connection(sqlite3.Connection):
    """A connection to an instance file: knows the file's in-process write lock, whether
    :func:`write` holds it now, and the file's group commit."""

    write_lock: threading.Lock
    writing: bool
    wal_sync: WalSync
    changes: Changes
    seen: tuple[int, int] | None  # (data_version, total_changes) when it last looked


Kept = TypeVar("Kept")


class Changes:
    """Whether a database file may have changed, for readers that keep what they computed
    from it (one per file and process, like the write lock).

    ``count`` moves after every commit to the file, by any connection of any process.
    SQLite's ``PRAGMA data_version`` moves with the commits of every connection but the
    one asking, ``total_changes`` with that one's own; each pooled connection remembers
    the pair it last saw, and the first connection to look after a commit moves the
    counter. So a value kept with the count read before computing it is still good while
    the count has not moved: any later commit moves it before or at the next look."""

    def __init__(self, keep: int = 64) -> None:
        self.count = 0
        self.kept: LRU[tuple[int, object]] = LRU(keep)
        self._lock = threading.Lock()

    def look(self, conn: Connection) -> int:
        """The counter, moved first if ``conn`` sees a commit since it last looked."""
        seen = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        if seen != conn.seen:
            with self._lock:
                self.count += 1
            conn.seen = seen
        return self.count


def kept(
    conn: Connection,
    key: Hashable,
    compute: Callable[[], Kept],
    still_good: Callable[[Kept], bool] = lambda _value: True,
) -> Kept:
    """``compute()``, or what it gave for ``key`` when nothing was committed to the file
    since and ``still_good`` says yes (for a value that also ages with the clock). The
    value is shared by every caller: never change it in place."""
    changes = conn.changes
    count = changes.look(conn)
    held = changes.kept.get(key)
    if held is not None and held[0] == count:
        value: Kept = held[1]  # type: ignore[assignment]  # stored by this function with this key
        if still_good(value):
            return value
    value = compute()
    changes.kept.put(key, (count, value))
    return value


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
    conn.write_lock, conn.wal_sync = write_lock_for(str(path))
    conn.changes = changes_of(str(path))
    conn.seen = None
    conn.writing = False
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # write() syncs the WAL itself, outside the lock
    conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    conn.execute("PRAGMA busy_timeout=30000")
    # Sorts, DISTINCTs and window partitions of the figure count (migration 0705) open
    # temporary b-trees on every write: as files they cost ~1.4 ms a scan, in memory ~0.1.
    conn.execute("PRAGMA temp_store=MEMORY")
    db = Database(conn)
    if migrate_schema:
        migrate(db)
    return db


# One lock per database file for the writers of this process. SQLite's own busy
# handler sleeps in steps of up to 100 ms when the write lock is taken; queueing on a
# Python lock first keeps a burst of scans from the same process in the millisecond range.
_write_locks: dict[str, tuple[threading.Lock, WalSync]] = {}
_write_locks_guard = threading.Lock()
_changes: dict[str, Changes] = {}


def write_lock_for(path: str) -> tuple[threading.Lock, WalSync]:
    """The write lock and group commit of a database file, one each per process."""
    resolved = str(Path(path).resolve())
    with _write_locks_guard:
        if resolved not in _write_locks:
            _write_locks[resolved] = (threading.Lock(), WalSync(resolved + "-wal"))
        return _write_locks[resolved]


def changes_of(path: str) -> Changes:
    """The ``Changes`` of a database file in this process."""
    resolved = str(Path(path).resolve())
    with _write_locks_guard:
        return _changes.setdefault(resolved, Changes())


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
    Leaving the block, the commit is on disk (the WAL synced after the lock is released,
    see :class:`WalSync`). ``durable`` false returns without waiting for the disk: for
    marks that may be lost in a power cut because they are learnt again (the sync
    client's "central holds up to seq N").
    """
    conn = db.conn if isinstance(db, Database) else db
    with _holding(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        conn.wal_sync.committed += 1
        commit = conn.wal_sync.committed
    if durable:
        conn.wal_sync.wait_for(commit)


# SQLite copies the WAL back into the database file (and syncs that file) inside the
# commit that takes the WAL past wal_autocheckpoint pages: every ~90 scans one of them
# paid tens of milliseconds while holding the write lock every other scan waits for.
# ``kiosk serve`` runs the copy in a thread of its own (:class:`Checkpointer`) and its
# pooled connections leave it to that thread.
CHECKPOINT_PAGES = 1000


def checkpoint(db: Database, restart_pages: int = CHECKPOINT_PAGES) -> int:
    """Copy the WAL back into the database file; return the WAL's length in frames.

    The copy runs beside the writers (PASSIVE). Under a steady stream of scans it never
    catches up with the last commit, and a WAL that is never copied whole keeps growing
    (appending to a longer file costs each commit more), so once it holds
    ``restart_pages`` the few frames added meanwhile are copied under the write lock:
    the next writer then starts the WAL over from its beginning."""
    conn = db.conn
    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    if frames >= restart_pages:
        with _holding(conn):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return frames


class Checkpointer(Periodic):
    """Checkpoints an instance database in a thread, looking every ``interval`` seconds
    and copying once this process made ``commits`` commits since the last copy (each
    copy syncs the database file: not more often than SQLite's own threshold would)."""

    _database: Database  # the thread's own connection, open while it runs
    _copied_at: int

    def __init__(self, path: Path, interval: float = 0.5, commits: int = 64) -> None:
        super().__init__("checkpoints", interval)
        self.path = path
        self.commits = commits

    def run(self) -> None:
        self._database = connect(self.path, migrate_schema=False)
        self._copied_at = 0
        try:
            super().run()
        finally:
            self._database.conn.close()

    def tick(self) -> None:
        if self._database.conn.wal_sync.committed - self._copied_at < self.commits:
            return
        self._copied_at = self._database.conn.wal_sync.committed
        try:
            checkpoint(self._database)
        except sqlite3.Error as error:  # a busy file now is a checkpoint later
            log.warning("checkpoint of %s failed: %s", self.path, error)


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
            conn.wal_sync.committed += 1
        commit = conn.wal_sync.committed
    conn.wal_sync.wait_for(commit)
    return applied
