"""Loading a fair file (and its plan) into a central instance, and writing it back out.

``load`` reads and checks a fair file and its plan together. ``apply_fair`` brings an
instance's tables to what the file says, in one transaction, and returns the changes
in words; it refuses (``ApplyError``, nothing written) to remove or renumber what
tickets, scans, sessions or exhibitors already refer to. ``apply_plan`` does the same
for the plan alone. The tables are reference data: kiosks get the changes by the
usual sync and bundles. ``export_fair`` writes the instance's fair as a file that
``apply_fair`` takes back unchanged.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.fair import spec, svgplan
from kiosk.fair.spec import FairFile, FairFileError, Problem

KEY = {"event_days": "date", "stands": "number"}
LABEL = {
    "event": "fair",
    "event_days": "day",
    "zones": "zone",
    "gates": "gate",
    "ticket_types": "ticket type",
    "categories": "category",
    "provinces": "province",
    "stands": "stand",
}
# What refers to a row of these tables, and how to say it: (table, column, words).
REFERRED = {
    "zones": [
        ("scans", "zone_id", "scans"),
        ("walk_ins", "zone_id", "walk-ins"),
        ("sessions", "zone_id", "sessions"),
        ("stands", "zone_id", "stands of the plan"),
    ],
    "gates": [("scans", "gate_id", "scans"), ("walk_ins", "gate_id", "walk-ins")],
    "ticket_types": [("tickets", "type_id", "tickets"), ("scans", "type_id", "scans")],
    "categories": [("exhibitor_categories", "category_id", "exhibitors")],
    "provinces": [("exhibitors", "province_id", "exhibitors")],
}


class ApplyError(ValueError):
    """The instance cannot take the file; ``reasons`` says what refers to what."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = reasons


@dataclass
class Loaded:
    fair: FairFile
    plan: svgplan.Derived | None


def read_plan(path: Path, zone_ids: set[str] | None) -> svgplan.Derived:
    """Parse and check a plan SVG file; raises ``FairFileError`` with its problems."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise FairFileError([Problem(str(path), 1, f"cannot read the plan: {error}")]) from None
    try:
        derived = svgplan.check(data, str(path), zone_ids)
    except svgplan.PlanError as error:
        raise FairFileError(error.problems) from None
    if derived.problems:
        raise FairFileError(derived.problems)
    return derived


def load(path: Path) -> Loaded:
    """A fair file and its plan, both checked; raises ``FairFileError`` with every problem."""
    fair = spec.read_fair(path)
    plan = None
    if fair.plan_file is not None:
        plan = read_plan(fair.plan_file, {zone["id"] for zone in fair.tables["zones"]})
    return Loaded(fair, plan)


def summary(loaded: Loaded) -> str:
    """One paragraph about a checked fair file."""
    tables = loaded.fair.tables
    event = tables["event"][0]
    days = tables["event_days"]
    text = (
        f"{event['name_fr']} ({event['id']}), {event['venue'] or 'no venue'}: {len(days)} days from"
        f" {event['start_date']} to {event['end_date']} ({event['timezone']}), {len(tables['zones'])} zones,"
        f" {len(tables['gates'])} gates, {len(tables['ticket_types'])} ticket types,"
        f" {len(tables['categories'])} categories, {len(tables['provinces'])} provinces"
    )
    if loaded.plan is not None:
        document = loaded.plan.document
        text += (
            f"; plan {loaded.fair.plan_file.name if loaded.fair.plan_file else ''}:"
            f" {len(loaded.plan.stands)} stands, {len(document['walkways'])} walkways,"
            f" {len(document['gates'])} gates, {len(document['facilities'])} facilities"
        )
    return text + "."


def _key(table: str) -> str:
    return KEY.get(table, "id")


def _rows(conn: sqlite3.Connection, table: str) -> dict[Any, dict[str, Any]]:
    return {row[_key(table)]: dict(row) for row in conn.execute(f"SELECT * FROM [{table}]")}


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        is not None
    )


def _referred(
    conn: sqlite3.Connection, table: str, key: Any, ignore: frozenset[str] = frozenset()
) -> list[str]:
    found = []
    for other, column, words in REFERRED.get(table, []):
        if other not in ignore and _has_table(conn, other):
            count = conn.execute(f"SELECT count(*) FROM [{other}] WHERE [{column}] = ?", (key,)).fetchone()[0]
            if count:
                found.append(f"{count} {words}")
    return found


def _changes(
    conn: sqlite3.Connection, table: str, wanted: list[dict[str, Any]], ignore: frozenset[str] = frozenset()
) -> tuple[list[str], list[str], list[dict[str, Any]], list[Any]]:
    """(changes in words, refusals, rows to upsert, keys to delete) for one table."""
    current = _rows(conn, table)
    new = {row[_key(table)]: row for row in wanted}
    label = LABEL.get(table, table)
    changes, refusals, upserts = [], [], []
    for key, row in new.items():
        old = current.get(key)
        if old is None:
            changes.append(f"{label} {key}: added")
            upserts.append(row)
            continue
        differences = [
            f"{column} {old.get(column)!r} -> {value!r}"
            for column, value in row.items()
            if old.get(column) != value
        ]
        if differences:
            changes.append(f"{label} {key}: " + ", ".join(differences))
            upserts.append(row)
            if table == "ticket_types" and old["code"] != row["code"]:
                used = _referred(conn, table, key)
                if used:
                    refusals.append(
                        f"ticket type {key}: code {old['code']} cannot become {row['code']}:"
                        f" {' and '.join(used)} carry it (never renumber a type whose tickets exist)"
                    )
    removed = [key for key in current if key not in new]
    for key in removed:
        changes.append(f"{label} {key}: removed")
        used = _referred(conn, table, key, ignore) if table != "event" else []
        if used:
            refusals.append(f"{label} {key} cannot be removed: {' and '.join(used)} refer to it")
    return changes, refusals, upserts, removed


def _upsert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = list(row)
        key = _key(table)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != key)
        conn.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES"
            f" ({', '.join('?' for _ in columns)}) ON CONFLICT([{key}]) DO UPDATE SET {updates}",
            [row[c] for c in columns],
        )


def _delete(conn: sqlite3.Connection, table: str, keys: list[Any]) -> None:
    conn.executemany(f"DELETE FROM [{table}] WHERE [{_key(table)}] = ?", [(k,) for k in keys])


def _plan_changes(
    conn: sqlite3.Connection, derived: svgplan.Derived
) -> tuple[list[str], list[str], list[dict[str, Any]], list[Any], str]:
    stands = [{k: v for k, v in row.items() if k != "line"} for row in derived.stands]
    changes, _refusals, upserts, removed = _changes(conn, "stands", stands)
    refusals = [
        f"stand {number} cannot be removed: exhibitors are on it (move them first)"
        for number in removed
        if conn.execute("SELECT 1 FROM exhibitor_stands WHERE stand_number = ?", (number,)).fetchone()
    ]
    text = json.dumps(derived.document, ensure_ascii=False, separators=(",", ":"))
    current = conn.execute("SELECT document FROM site_plan WHERE id = 1").fetchone()
    if current is None:
        changes = [f"plan: {len(stands)} stands, {len(derived.document['walkways'])} walkways imported"]
    else:
        if len(changes) > 20:
            changes = [*changes[:20], f"... and {len(changes) - 20} more stand changes"]
        if current[0] != text:
            changes.append("plan: walkways, gates, zones or facilities changed")
    return changes, refusals, upserts, removed, text


def _write_plan(
    conn: sqlite3.Connection, upserts: list[dict[str, Any]], removed: list[Any], text: str
) -> None:
    _upsert(conn, "stands", upserts)
    _delete(conn, "stands", removed)
    conn.execute(
        "INSERT INTO site_plan (id, document, digest) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET"
        " document = excluded.document, digest = excluded.digest WHERE digest != excluded.digest",
        (text, hashlib.sha256(text.encode()).hexdigest()),
    )


def apply_fair(db: Database, loaded: Loaded, dry_run: bool = False) -> list[str]:
    """Make the instance's fair what the file says; returns the changes (empty: nothing to do).
    Raises ``ApplyError`` (nothing written) if something refers to what would go."""
    tables = loaded.fair.tables
    with dbmod.write(db) as conn:
        changes: list[str] = []
        refusals: list[str] = []
        plan: tuple[list[Any], list[Any], str] | None = None
        current_event = conn.execute("SELECT id FROM event").fetchone()
        tickets_issued = conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
        if current_event and current_event[0] != tables["event"][0]["id"] and tickets_issued:
            refusals.append(
                f"the fair id cannot change from {current_event[0]!r} to {tables['event'][0]['id']!r}:"
                " tickets were issued for it (make a new central for a new edition)"
            )
        work: list[tuple[str, list[dict[str, Any]], list[Any]]] = []
        for table in spec.TABLES:
            # With a plan, its stands replace the old ones (checked against the new zones).
            ignore = frozenset({"stands"}) if loaded.plan is not None else frozenset()
            table_changes, table_refusals, upserts, removed = _changes(conn, table, tables[table], ignore)
            changes += table_changes
            refusals += table_refusals
            work.append((table, upserts, removed))
        if loaded.plan is not None:
            plan_changes, plan_refusals, stand_upserts, stand_removed, text = _plan_changes(conn, loaded.plan)
            changes += plan_changes
            refusals += plan_refusals
            plan = (stand_upserts, stand_removed, text)
        if refusals:
            raise ApplyError(refusals)
        if dry_run or not changes:
            conn.execute("SELECT 1")  # the transaction ends with nothing written
            return changes
        for table, upserts, _removed in work:
            if table == "event":
                conn.execute("DELETE FROM event WHERE id != ?", (tables["event"][0]["id"],))
            _upsert(conn, table, upserts)
        if plan is not None:
            _write_plan(conn, *plan)
        for table, _upserts, removed in reversed(work):
            if table != "event":
                _delete(conn, table, removed)
    clock.use_zone(tables["event"][0]["timezone"])
    return changes


def apply_plan(db: Database, derived: svgplan.Derived) -> list[str]:
    """Import a plan alone (``kiosk plan import``); returns the changes, raises ``ApplyError``."""
    with dbmod.write(db) as conn:
        changes, refusals, upserts, removed, text = _plan_changes(conn, derived)
        if refusals:
            raise ApplyError(refusals)
        _write_plan(conn, upserts, removed, text)
    return changes


def zone_ids(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT id FROM zones")}


def plan_document(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT document FROM site_plan WHERE id = 1").fetchone()
    return json.loads(row[0]) if row else None


def export_plan(conn: sqlite3.Connection) -> str | None:
    """The instance's plan as SVG (``None`` without a plan)."""
    document = plan_document(conn)
    if document is None:
        return None
    stands = [dict(row) for row in conn.execute("SELECT * FROM stands ORDER BY number")]
    return svgplan.export_svg(document, stands)


# ---------------------------------------------------------------- export


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def _names(row: dict[str, Any]) -> str:
    parts = [f"fr = {_toml(row['name_fr'])}"]
    parts += [
        f"{lang} = {_toml(row[f'name_{lang}'])}"
        for lang in ("ar", "en")
        if row[f"name_{lang}"] != row["name_fr"]
    ]
    return "{ " + ", ".join(parts) + " }"


ORDER = {"event_days": "date", "ticket_types": "code"}


def fair_tables(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """The rows a fair file makes, as the instance holds them (in file order)."""
    return {
        table: [
            dict(row) for row in conn.execute(f"SELECT * FROM [{table}] ORDER BY {ORDER.get(table, 'rowid')}")
        ]
        for table in spec.TABLES
    }


def export_fair(conn: sqlite3.Connection, plan_file: str | None = None) -> str:
    """The instance's fair as a fair file's text (``plan_file``: the name for [plan])."""
    tables = fair_tables(conn)
    if not tables["event"]:
        raise LookupError("this instance has no fair yet (kiosk init --fair FILE, or kiosk fair apply)")
    return tables_to_toml(tables, plan_file)


def _typed(value: Any) -> str:
    """A whole number as a TOML integer; anything else (a typo on a form) as text, which
    the fair file's check then refuses with its usual reason."""
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return str(int(value))
    return _toml(value)


def tables_to_toml(tables: dict[str, list[dict[str, Any]]], plan_file: str | None = None) -> str:
    """Fair file text from table rows (``fair_tables``'s shape): what ``parse_fair`` reads back."""
    event = tables["event"][0]
    days = tables["event_days"]
    usual = Counter((d["opens"], d["closes"], d["early_opens"]) for d in days).most_common(1)
    opens, closes, early = usual[0][0] if usual else ("10:00", "22:00", "10:00")
    out = [
        "[fair]",
        f"id = {_toml(event['id'])}",
        f"name = {_names(event)}",
        f"venue = {_toml(event['venue'])}",
        f"timezone = {_toml(event['timezone'])}",
        f"start = {_date(event['start_date'])}",
        f"end = {_date(event['end_date'])}",
        "",
        "[hours]",
        f"opens = {_toml(opens)}",
        f"closes = {_toml(closes)}",
        f"early_opens = {_toml(early)}",
    ]
    first, last = str(event["start_date"]), str(event["end_date"])
    for day in days:
        if (day["opens"], day["closes"], day["early_opens"]) != (opens, closes, early) and first <= day[
            "date"
        ] <= last:
            out += ["", "[[day]]", f"date = {day['date']}"]
            out += [
                f"{key} = {_toml(day[key])}"
                for key, usual_value in (("opens", opens), ("closes", closes), ("early_opens", early))
                if day[key] != usual_value
            ]
    for row in tables["zones"]:
        out += [
            "",
            "[[zone]]",
            f"id = {_toml(row['id'])}",
            f"kind = {_toml(row['kind'])}",
            f"name = {_names(row)}",
        ]
    for row in tables["gates"]:
        out += [
            "",
            "[[gate]]",
            f"id = {_toml(row['id'])}",
            f"name = {_names(row)}",
            f"zone = {_toml(row['zone_id'])}",
            f"directions = {_toml(str(row['directions']).split(','))}",
        ]
        if row["occupancy_limit"] not in (None, ""):
            out.append(f"limit = {_typed(row['occupancy_limit'])}")
    for row in tables["ticket_types"]:
        out += [
            "",
            "[[ticket_type]]",
            f"id = {_toml(row['id'])}",
            f"code = {_typed(row['code'])}",
            f"days = {_typed(row['default_days'])}",
            f"zones = {_toml([z.strip() for z in str(row['zones']).split(',') if z.strip()])}",
            f"early_access = {_toml(bool(row['early_access']))}",
            f"visitor = {_toml(bool(row['is_visitor']))}",
            f"reentry = {_toml(bool(row['reentry']))}",
            f"name = {_names(row)}",
        ]
    for row in tables["categories"]:
        out += ["", "[[category]]", f"id = {_toml(row['id'])}", f"name = {_names(row)}"]
        if row["synonyms"]:
            out.append(f"synonyms = {_toml(row['synonyms'])}")
    for row in tables["provinces"]:
        out += ["", "[[province]]", f"id = {_toml(row['id'])}", f"name = {_names(row)}"]
    if plan_file:
        out += ["", "[plan]", f"file = {_toml(plan_file)}"]
    return "\n".join(out) + "\n"


def _date(value: Any) -> str:
    """A TOML date if it is one; else quoted text the check refuses with its reason."""
    text = str(value).strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return _toml(text)
