"""Bundle files: everything a kiosk needs, for provisioning with no network (USB stick).

A bundle is gzip-compressed JSON: ``{"format", "version", "created_at", "roles",
"withheld", "tables": {name: [row, ...]}}`` holding the reference tables, public keys
only. A bundle is made for kiosk roles: personal tables none of them needs
(``kiosk.reference.PERSONAL_TABLES``) are withheld, written as empty and listed in
``withheld``. Without roles a bundle carries no role-bound personal data at all: the
safe default for a file on a USB stick. Loading one replaces the kiosk's reference data
in one transaction.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict, cast

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.reference import REFERENCE_TABLES, kiosk_view, parse_roles, withheld_tables

FORMAT = "salon-kiosk-bundle"
VERSION = 1
# Guards against feeding a huge or hostile file to json.loads.
MAX_BUNDLE_BYTES = 512 * 1024 * 1024


Rows = dict[str, list[dict[str, object]]]


class Bundle(TypedDict):
    """A bundle file's document."""

    format: str
    version: int
    created_at: str
    roles: list[str]
    withheld: list[str]  # personal tables left out for the roles
    tables: Rows  # table -> rows as column -> value


class BundleError(ValueError):
    """The file is not a bundle this version can load."""


def _rows(conn: sqlite3.Connection, table: str, roles: str | Iterable[str] | None) -> list[dict[str, object]]:
    """The rows of ``table`` a kiosk with ``roles`` may hold (kiosk.reference.kiosk_view)."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
    shown, only = kiosk_view(table, columns, roles)
    return [dict(row) for row in conn.execute(f"SELECT {shown} FROM [{table}] WHERE {only}")]


def write_bundle(db: Database, out: Path, roles: str | Iterable[str] | None = None) -> dict[str, int]:
    """Write the reference tables a kiosk with ``roles`` needs to ``out`` (no roles: no
    role-bound personal table); returns the row count per table written, withheld
    tables left out of the counts."""
    withheld = withheld_tables(roles)
    # Withheld tables travel empty: loading the bundle empties them on the kiosk too.
    tables = {name: [] if name in withheld else _rows(db.conn, name, roles) for name in REFERENCE_TABLES}
    document: Bundle = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": clock.iso(clock.now()),
        "roles": sorted(parse_roles(roles)),
        "withheld": withheld,
        "tables": tables,
    }
    tmp = Path(str(out) + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as stream:
        json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(out)
    return {name: len(rows) for name, rows in tables.items() if name not in withheld}


def read_bundle(path: Path) -> Rows:
    """The tables of a bundle file, checked for format and version."""
    return open_bundle(path)["tables"]


def open_bundle(path: Path) -> Bundle:
    """A bundle file's whole document (tables, roles, withheld), checked for format and
    version."""
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read(MAX_BUNDLE_BYTES + 1)
        if len(raw) > MAX_BUNDLE_BYTES:
            raise BundleError(f"{path}: larger than {MAX_BUNDLE_BYTES} bytes")
        document = json.loads(raw)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: not a bundle file ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError(f"{path}: not a salon-kiosk bundle")
    if document.get("version") != VERSION:
        raise BundleError(f"{path}: bundle version {document.get('version')} is not supported")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(row, dict) for row in rows) for rows in tables.values()
    ):
        raise BundleError(f"{path}: bundle has no tables (lists of rows)")
    withheld = document.setdefault("withheld", [])
    if not isinstance(withheld, list) or not all(isinstance(name, str) for name in withheld):
        raise BundleError(f"{path}: 'withheld' is not a list of tables")
    return cast(Bundle, document)  # checked above, as far as loading relies on it


def load_tables(db: Database, tables: Rows) -> None:
    """Replace the reference tables with the given rows, all or nothing."""
    known = set(REFERENCE_TABLES)
    with dbmod.write(db) as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for name in reversed(REFERENCE_TABLES):
            if name in tables:
                conn.execute(f"DELETE FROM [{name}]")
        for name in REFERENCE_TABLES:
            rows = tables.get(name)
            if name not in known or not rows:
                continue
            columns = list(rows[0])
            placeholders = ", ".join("?" for _ in columns)
            names = ", ".join(f"[{c}]" for c in columns)
            conn.executemany(
                f"INSERT INTO [{name}] ({names}) VALUES ({placeholders})",
                ([row.get(c) for c in columns] for row in rows),
            )
