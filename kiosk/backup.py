"""Backups of an instance's database, taken while it serves, and their restore.

A backup is SQLite's online backup API copying the live file page by page inside one
read transaction (a consistent snapshot: every scan committed before it started is in
it, writers are not blocked), ``PRAGMA integrity_check`` on the copy, then gzip. A
restore checks the file the same way before it replaces anything, and keeps the
database it replaces beside it. ``kiosk serve`` holds a lock on ``DIR/serve.lock`` for
its lifetime, so a restore under a running server is refused rather than lost.
"""

from __future__ import annotations

import fcntl
import gzip
import os
import shutil
import sqlite3
import tempfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import IO

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.periodic import Periodic

BACKUP_FOLDER = "backups"
SUFFIX = ".db.gz"
LOCK_FILENAME = "serve.lock"


class BackupError(RuntimeError):
    """A backup that cannot be made or a file that cannot be restored (one line)."""


def default_path(directory: Path, moment: datetime) -> Path:
    """Where a backup taken at ``moment`` goes unless told otherwise (sortable by name)."""
    stamp = moment.astimezone(clock.zone()).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    return Path(directory) / BACKUP_FOLDER / f"kiosk-{stamp}{SUFFIX}"


def check_database(path: Path) -> str:
    """Why a SQLite file is not a sound instance database, or an empty string."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                problems = " ".join(str(verdict).split())  # SQLite lists problems on several lines
                return f"integrity check failed: {problems[:200]}"
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return f"not a readable database ({error})"
    if not {"schema_migrations", "device"} <= tables:
        return "not a salon-kiosk database (no schema_migrations or device table)"
    return ""


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup(directory: Path, out: Path | None = None, keep: int | None = None) -> Path:
    """Copy DIR's database to a checked, compressed file (default ``DIR/backups/``).
    ``keep``: the oldest backups beyond ``keep - 1`` are deleted just before the new one
    takes its name (written and synced by then), so the folder never holds more than
    ``keep`` backups, not even for a moment: a kiosk's disk is small."""
    directory = Path(directory)
    instance.read_config(directory)
    source_path = directory / dbmod.DB_FILENAME
    if not source_path.exists():
        raise BackupError(f"{directory} has no database ({dbmod.DB_FILENAME})")
    out = Path(out) if out else default_path(directory, clock.now())
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        copy_path = Path(work) / dbmod.DB_FILENAME
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(copy_path)
        try:
            source.execute("PRAGMA busy_timeout=30000")
            source.backup(copy)  # all pages in one step: one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        problem = check_database(copy_path)
        if problem:
            raise BackupError(f"the copy of {source_path} is not sound: {problem}")
        partial = Path(work) / out.name
        with copy_path.open("rb") as raw, gzip.open(partial, "wb", compresslevel=6) as packed:
            shutil.copyfileobj(raw, packed, 1 << 20)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        if keep is not None:
            rotate(directory, keep - 1)
        partial.replace(out)
    _fsync_dir(out.parent)
    return out


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete the oldest backups in ``DIR/backups`` beyond ``keep``; returns those deleted."""
    files = sorted((Path(directory) / BACKUP_FOLDER).glob(f"kiosk-*{SUFFIX}"))
    doomed = files[:-keep] if keep > 0 else files
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def lock_serving(directory: Path) -> IO[str]:
    """Take the lock ``kiosk serve`` holds for its lifetime (the kernel drops it when the
    process ends, even by kill -9); closing the returned file releases it."""
    stream = (Path(directory) / LOCK_FILENAME).open("a+")
    try:
        fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        stream.close()
        raise BackupError(f"{directory} is being served by a running `kiosk serve`: stop it first") from None
    return stream


def restore(directory: Path, file: Path) -> Path | None:
    """Replace DIR's database by a backup file after checking it; returns where the
    replaced database was kept (None if DIR had none). Refuses a damaged file, a backup of
    another device, and a folder being served."""
    directory = Path(directory)
    instance.read_config(directory)
    lock = lock_serving(directory)
    with lock, tempfile.TemporaryDirectory(dir=directory, prefix=".restore-") as work:
        candidate = Path(work) / dbmod.DB_FILENAME
        try:
            with gzip.open(file, "rb") as packed, candidate.open("wb") as raw:
                shutil.copyfileobj(packed, raw, 1 << 20)
        except (OSError, EOFError, zlib.error) as error:
            raise BackupError(f"{file} is not a readable backup ({error})") from None
        problem = check_database(candidate)
        if problem:
            raise BackupError(f"{file}: {problem}; nothing was restored")
        target = directory / dbmod.DB_FILENAME
        kept = None
        if target.exists():
            theirs = _device_id(candidate)
            ours = _device_id(target)
            if ours and theirs != ours:
                raise BackupError(f"{file} is a backup of device {theirs}, this instance is {ours}")
            kept = directory / f"kiosk.db.before-restore-{clock.now().strftime('%Y%m%d-%H%M%S')}"
            # Fold the WAL into the file before putting it aside, so the kept copy is whole.
            conn = sqlite3.connect(target)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            target.replace(kept)
        for leftover in (directory / f"{dbmod.DB_FILENAME}-wal", directory / f"{dbmod.DB_FILENAME}-shm"):
            leftover.unlink(missing_ok=True)
        with candidate.open("rb") as written:
            os.fsync(written.fileno())
        candidate.replace(target)
        _fsync_dir(directory)
    return kept


def _device_id(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT id FROM device").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


class Schedule(Periodic):
    """``kiosk serve``'s periodic backups: one every ``interval_minutes`` into
    ``DIR/backups``, keeping the newest ``keep``."""

    def __init__(self, directory: Path, interval_minutes: float, keep: int) -> None:
        super().__init__("backups", interval_minutes * 60)
        self.directory = Path(directory)
        self.keep = keep
        self.last: Path | None = None
        self.last_error = ""

    def tick(self) -> None:
        try:
            self.last = backup(self.directory, keep=self.keep)
            self.last_error = ""
        except (BackupError, OSError, sqlite3.Error) as error:
            self.last_error = str(error)  # shown by `kiosk doctor`; the next round tries again
