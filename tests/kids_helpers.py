"""Helpers of the kids' space tests: a kids' kiosk from a bundle, staff tokens, JSON calls
to a served instance that answer (status, body) whatever the status."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from kiosk import bundle, instance

KIDS_STAFF = ("Salma", "975310")  # kiosk.kids.demo.KIDS_STAFF
KIDS_LEAD = ("Nadia", "86420975")  # kiosk.kids.demo.KIDS_LEAD: releases without a receipt
ORGANIZER = ("Hanane", "24681357")
GATE_STAFF = ("Omar", "135791")


def make_kids_kiosk(central_dir: Path, folder: Path, limit: int | None = None) -> Path:
    """A kids' kiosk at the kids' space gate, provisioned from a bundle for the kids role;
    ``limit`` changes the space's capacity (the gate's limit) in the kiosk's copy."""
    bundle_file = folder.with_suffix(".bundle")
    bundle.write_bundle(instance.open_db(central_dir), bundle_file, roles="kids")
    database = instance.create(folder, ["kids"], name="kids", gate="kids")
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    database.conn.close()
    if limit is not None:
        conn = sqlite3.connect(folder / "kiosk.db")
        conn.execute("UPDATE gates SET occupancy_limit = ? WHERE id = 'kids'", (limit,))
        conn.commit()
        conn.close()
    return folder


def call(base: str, method: str, path: str, body: object = None, token: str | None = None) -> tuple[int, Any]:
    """One request to a served instance: (status, parsed JSON or text)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, raw, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    text = raw.decode()
    return status, json.loads(text) if kind.startswith("application/json") else text


def form(base: str, path: str, fields: dict[str, str], token: str) -> tuple[int, str]:
    """A form posted to a screen route as a staff member (bearer token)."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(
        base + path, data=data, headers={"Authorization": f"Bearer {token}"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def call_bytes(base: str, path: str, token: str) -> tuple[int, bytes]:
    """A GET as a staff member: (status, body bytes)."""
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def token(base: str, who: tuple[str, str]) -> str:
    status, answer = call(base, "POST", "/api/v1/login", {"name": who[0], "pin": who[1]})
    assert status == 200, answer
    return str(answer["token"])


def rows(folder: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(folder / "kiosk.db", timeout=30)
    try:
        return [tuple(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def every_text(folder: Path) -> str:
    """Every text cell of every table of an instance's database, joined (to look for a
    name or a phone number anywhere in it)."""
    conn = sqlite3.connect(folder / "kiosk.db", timeout=30)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = []
        for table in tables:
            for row in conn.execute(f"SELECT * FROM [{table}]"):
                cells.extend(str(cell) for cell in row if isinstance(cell, str))
        return "\n".join(cells)
    finally:
        conn.close()
