"""Instance folders: one per central or kiosk, holding config, database and keys.

Layout of ``DIR``::

    config.toml     settings (declared in kiosk.settings); KIOSK_* env vars override
    kiosk.db        the SQLite database
    keys/           private signing keys (central only)
"""

from __future__ import annotations

import secrets
import socket
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


def open_db(path: Path) -> Database:
    """The database of an existing instance folder."""
    read_config(path)
    return dbmod.connect(Path(path) / dbmod.DB_FILENAME)
