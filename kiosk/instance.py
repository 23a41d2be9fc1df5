"""Instance folders: one per central or kiosk, holding config, database and keys.

Layout of ``DIR``::

    config.toml     settings (upper-case keys, as Flask config); KIOSK_* env vars override
    kiosk.db        the SQLite database
    keys/           private signing keys (central only)
"""

from __future__ import annotations

import secrets
import socket
import tomllib
import uuid
from pathlib import Path

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database

CONFIG_FILENAME = "config.toml"
ROLES = ("central", "entry", "heritage", "finder", "workshop")


class InstanceError(RuntimeError):
    """The folder is not an instance, or already is one."""


def parse_roles(text: str) -> list[str]:
    """``central``, or a comma list of kiosk roles. ``kiosk`` alone means an entry kiosk."""
    roles = [part.strip() for part in text.split(",") if part.strip()]
    roles = ["entry" if role == "kiosk" else role for role in roles]
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise InstanceError(f"unknown role {', '.join(unknown) or text!r}; use {', '.join(ROLES)}")
    if "central" in roles and len(roles) > 1:
        raise InstanceError("central cannot be combined with kiosk roles")
    return roles


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(path: Path, settings: dict[str, object]) -> None:
    lines = [f"{key} = {_toml_value(value)}" for key, value in settings.items() if value is not None]
    (Path(path) / CONFIG_FILENAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_config(path: Path) -> dict[str, object]:
    config_file = Path(path) / CONFIG_FILENAME
    if not config_file.exists():
        raise InstanceError(f"{path} is not an instance folder (no {CONFIG_FILENAME}); run `kiosk init`")
    with config_file.open("rb") as stream:
        return tomllib.load(stream)


def create(
    path: Path,
    roles: list[str],
    name: str | None = None,
    gate: str | None = None,
    extra: dict[str, object] | None = None,
) -> Database:
    """Make a new instance folder with its config, database and device identity."""
    path = Path(path)
    if (path / CONFIG_FILENAME).exists() or (path / dbmod.DB_FILENAME).exists():
        raise InstanceError(f"{path} is already an instance folder")
    path.mkdir(parents=True, exist_ok=True)
    role = ",".join(roles)
    name = name or f"{role}-{socket.gethostname()}"
    write_config(
        path,
        {
            "ROLE": role,
            "NAME": name,
            "GATE": gate,
            "SECRET_KEY": secrets.token_hex(32),
            **(extra or {}),
        },
    )
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
