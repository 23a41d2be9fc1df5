"""Fixtures' helpers for the stand finder tests: a finder kiosk provisioned from a bundle."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from kiosk import bundle, instance
from kiosk.finder import directory


def make_finder_kiosk(
    central_dir: Path, tmp_path: Path, extra: dict[str, object] | None = None, gate: str = "main"
) -> Path:
    """A finder kiosk at a gate, loaded from a bundle of the demo central instance."""
    bundle_file = tmp_path / "finder.bundle"
    bundle.write_bundle(instance.open_db(central_dir), bundle_file)
    folder = tmp_path / "kiosk-finder"
    database = instance.create(folder, ["finder"], name="kiosk-finder", gate=gate, extra=extra)
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    database.conn.close()
    return folder


HX = {"HX-Request": "true"}  # what htmx sends with each of its requests


def result_ids(html: str) -> list[str]:
    """The exhibitor ids of a page of results, in the order shown."""
    return re.findall(r'class="result" href="[^"]*" data-id="([^"]+)"', html)


def exhibitor_named(conn: sqlite3.Connection, name_fr: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM exhibitors WHERE name_fr = ?", (name_fr,)).fetchone()
    assert row is not None, f"no exhibitor {name_fr!r} in the demo"
    return row


def stand_of(conn: sqlite3.Connection, exhibitor_id: str) -> str:
    return conn.execute(
        "SELECT min(stand_number) FROM exhibitor_stands WHERE exhibitor_id = ?", (exhibitor_id,)
    ).fetchone()[0]


TIFAWIN = "ⵜⴰⵄⴰⵡⵏⵉⵜ ⵜⵉⴼⴰⵡⵉⵏ"  # "Coopérative Tifawin"


def with_tamazight_name(central_dir: Path) -> str:
    """Give the demo's Coopérative Tifawin (stand D16) its Tamazight name through an import."""
    database = instance.open_db(central_dir)
    row = next(r for r in directory.export_rows(database.conn) if r["stand"] == "D16")
    assert row["name_zgh"] == ""  # the column exists, empty until a directory gives it
    report = directory.load_rows(database, [(2, {**row, "name_zgh": TIFAWIN})])
    assert report.loaded == 1 and not report.errors, report.errors
    exhibitor_id = directory.exhibitor_id(row["organisation"], row["name_fr"])
    database.conn.close()
    return exhibitor_id
