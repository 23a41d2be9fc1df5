"""Instance folders: one per central or kiosk, holding config, database and keys.

Layout of ``DIR``::

    config.toml     settings (declared in kiosk.settings); KIOSK_* env vars override
    kiosk.db        the SQLite database
    keys/           private signing keys (central only)
"""

from __future__ import annotations

import secrets
import socket
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path

from kiosk import clock, settings
from kiosk import db as dbmod
from kiosk.db import Database

CONFIG_FILENAME = settings.CONFIG_FILENAME


class InstanceError(RuntimeError):
    """The folder is not an instance, or already is one."""


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(path: Path, values: dict[str, object]) -> None:
    lines = [f"{key} = {_toml_value(value)}" for key, value in values.items() if value is not None]
    (Path(path) / CONFIG_FILENAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_config(path: Path) -> dict[str, object]:
    config_file = Path(path) / CONFIG_FILENAME
    if not config_file.exists():
        raise InstanceError(f"{path} is not an instance folder (no {CONFIG_FILENAME}); run `kiosk init`")
    return settings.read_file(config_file)


def create(
    path: Path,
    roles: Sequence[str],
    name: str | None = None,
    gate: str | None = None,
    extra: dict[str, object] | None = None,
) -> Database:
    """Make a new instance folder with its config, database and device identity.
    The settings are checked (``settings.SettingsError``) before anything is written."""
    path = Path(path)
    if (path / CONFIG_FILENAME).exists() or (path / dbmod.DB_FILENAME).exists():
        raise InstanceError(f"{path} is already an instance folder")
    role = ",".join(roles)
    name = name or f"{role}-{socket.gethostname()}"
    values = {"ROLE": role, "NAME": name, "GATE": gate, "SECRET_KEY": secrets.token_hex(32), **(extra or {})}
    config = settings.check({k: v for k, v in values.items() if v is not None}, "kiosk init")
    path.mkdir(parents=True, exist_ok=True)
    write_config(path, config)
    database = dbmod.connect(path / dbmod.DB_FILENAME)
    with dbmod.write(database) as conn:
        conn.execute(
            "INSERT INTO device (id, name, role, gate_id, seq, created_at) VALUES (?, ?, ?, ?, 0, ?)",
            (str(uuid.uuid4()), name, role, gate, clock.iso(clock.now())),
        )
    return database


def database_file(path: Path) -> Path:
    """The database file of an instance folder, which must exist (never made anew here)."""
    read_config(path)
    file = Path(path) / dbmod.DB_FILENAME
    if not file.is_file():
        raise InstanceError(f"{file} is missing: restore it from a backup, or `kiosk init` a new folder")
    return file


def open_db(path: Path) -> Database:
    """The database of an existing instance folder (its fair's zone becomes the clock's).
    A missing file, one that is not a database or one without this instance's identity is
    an ``InstanceError``: opening it would make an empty database and a kiosk that knows
    no ticket and no device id."""
    file = database_file(path)
    try:
        database = dbmod.connect(file)
        has_identity = database.conn.execute("SELECT count(*) FROM device").fetchone()[0] == 1
    except sqlite3.DatabaseError as error:
        raise InstanceError(f"{file} cannot be opened ({error}): restore it from a backup") from None
    if not has_identity:
        database.conn.close()
        raise InstanceError(f"{file} has no device identity: restore it from a backup")
    clock.use_fair_zone(database.conn)
    return database


def check_integrity(path: Path) -> None:
    """``PRAGMA quick_check`` of the instance's database (``kiosk serve`` runs it before
    serving): a damaged file is an ``InstanceError`` naming SQLite's first complaint."""
    file = database_file(path)
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)  # never creates it
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise InstanceError(f"{file} cannot be opened ({error}): restore it from a backup") from None
    if problems != ["ok"]:
        first = " ".join(problems[0].replace("*** in database main ***", "").split())
        raise InstanceError(f"{file} is damaged ({first}): restore it from a backup")
