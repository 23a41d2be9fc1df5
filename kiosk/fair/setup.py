"""What the organizer's setup screens change, through the same functions as the CLI.

A form edits one row (the fair, a day's hours, a zone, a gate, a ticket type, a
category, a province): the instance's rows with that one changed are written out as a
fair file (``store.tables_to_toml``), checked by ``spec.parse_fair`` (the very reasons
``kiosk fair check`` gives) and applied by ``store.apply_fair`` (the same refusals as
``kiosk fair apply``). Nothing is written unless the whole fair is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.db import Database
from kiosk.fair import spec, store

# table -> (key column, [(column, input kind)]); kinds: text, date, time, int, bool, choice name
FIELDS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "event": (
        "id",
        [
            ("name_fr", "text"),
            ("name_ar", "text"),
            ("name_en", "text"),
            ("venue", "text"),
            ("timezone", "text"),
            ("start_date", "date"),
            ("end_date", "date"),
        ],
    ),
    "event_days": ("date", [("opens", "time"), ("closes", "time"), ("early_opens", "time")]),
    "zones": ("id", [("name_fr", "text"), ("name_ar", "text"), ("name_en", "text"), ("kind", "kinds")]),
    "gates": (
        "id",
        [
            ("name_fr", "text"),
            ("name_ar", "text"),
            ("name_en", "text"),
            ("zone_id", "zones"),
            ("directions", "directions"),
            ("occupancy_limit", "int"),
        ],
    ),
    "ticket_types": (
        "id",
        [
            ("code", "int"),
            ("name_fr", "text"),
            ("name_ar", "text"),
            ("name_en", "text"),
            ("zones", "text"),
            ("default_days", "int"),
            ("early_access", "bool"),
            ("is_visitor", "bool"),
            ("reentry", "bool"),
        ],
    ),
    "categories": (
        "id",
        [("name_fr", "text"), ("name_ar", "text"), ("name_en", "text"), ("synonyms", "text")],
    ),
    "provinces": ("id", [("name_fr", "text"), ("name_ar", "text"), ("name_en", "text")]),
}
# Rows an organizer may add or remove here (the fair itself and its days come from the dates).
GROWING = ("zones", "gates", "ticket_types", "categories", "provinces")


class SetupError(ValueError):
    """The change was not made; ``reasons`` says why (the fair file check's or apply's words)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Outcome:
    changes: list[str]


def _row_from_form(table: str, form: dict[str, str], old: dict[str, Any] | None) -> dict[str, Any]:
    key, fields = FIELDS[table]
    row: dict[str, Any] = dict(old or {})
    if old is None:
        row[key] = (form.get(key) or "").strip()
    for column, kind in fields:
        value = form.get(column)
        if kind == "bool":
            row[column] = int(value in ("1", "on", "true", "yes"))
        else:
            row[column] = (value or "").strip()
    if table in ("zones", "gates", "ticket_types", "categories", "provinces"):
        # Arabic and English names fall back to French, as in the file.
        for lang in ("ar", "en"):
            row[f"name_{lang}"] = row.get(f"name_{lang}") or row.get("name_fr", "")
    return row


def _apply(db: Database, tables: dict[str, list[dict[str, Any]]]) -> Outcome:
    text = store.tables_to_toml(tables)
    try:
        fair = spec.parse_fair(text, Path("fair.toml"))
        changes = store.apply_fair(db, store.Loaded(fair, None))
    except spec.FairFileError as error:
        raise SetupError(sorted({problem.reason for problem in error.problems})) from None
    except store.ApplyError as error:
        raise SetupError(error.reasons) from None
    return Outcome(changes)


def save_row(db: Database, table: str, key: str | None, form: dict[str, str]) -> Outcome:
    """Change (``key`` given) or add one row; raises SetupError with the reasons."""
    if table not in FIELDS or (key is None and table not in GROWING):
        raise SetupError([f"{table} rows cannot be added here"])
    tables = store.fair_tables(db.conn)
    if not tables["event"]:
        raise SetupError(["this instance has no fair yet: kiosk init --fair FILE"])
    key_column = FIELDS[table][0]
    rows = tables[table]
    index = next((i for i, row in enumerate(rows) if str(row[key_column]) == key), None)
    if key is not None and index is None:
        raise SetupError([f"no {store.LABEL[table]} {key!r}"])
    row = _row_from_form(table, form, rows[index] if index is not None else None)
    if index is None:
        rows.append(row)
    else:
        rows[index] = row
    return _apply(db, tables)


def delete_row(db: Database, table: str, key: str) -> Outcome:
    """Remove one zone, gate, ticket type, category or province (refused if used)."""
    if table not in GROWING:
        raise SetupError([f"{table} rows cannot be removed here"])
    tables = store.fair_tables(db.conn)
    key_column = FIELDS[table][0]
    tables[table] = [row for row in tables[table] if str(row[key_column]) != key]
    return _apply(db, tables)
