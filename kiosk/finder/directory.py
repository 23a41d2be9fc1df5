"""The exhibitor directory: CSV import and export, and loading rows into the tables.

One CSV row is one exhibitor with its stand(s) (``;`` separated, a stand may appear
on several rows: shared stands). An exhibitor's id is a UUID derived from its folded
organisation and French name, so importing the same file on two instances, or twice,
names the same exhibitor (a second import updates it). Bad rows are reported with
their line number and reason; the good ones are loaded.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import db as dbmod
from kiosk import sheets, spreadsheet
from kiosk.db import Database
from kiosk.finder.text import fold, is_arabic

COLUMNS = [
    "stand",
    "name_fr",
    "name_ar",
    "kind",
    "organisation",
    "province",
    "categories",
    "products_fr",
    "products_ar",
    "description_fr",
    "description_ar",
    "description_en",
    "phone",
]
# Columns a directory may have or not: the name in Tamazight (Tifinagh).
OPTIONAL_COLUMNS = ["name_zgh"]
KINDS = ("cooperative", "association", "artisan", "other")
# Folded French and Arabic spellings accepted for the kind column.
KIND_ALIASES = {
    "cooperative": "cooperative",
    "تعاونيه": "cooperative",
    "association": "association",
    "جمعيه": "association",
    "artisan": "artisan",
    "artisane": "artisan",
    "حرفي": "artisan",
    "other": "other",
    "autre": "other",
    "اخر": "other",
}
NAMESPACE = uuid.UUID("8f6d7a52-3c1e-4b7e-9a55-0d2f5f1c9b10")
PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{5,19}$")
MAX_TEXT = 2000


class DirectoryError(ValueError):
    """The file cannot be read as an exhibitor CSV at all."""


@dataclass
class ImportReport:
    loaded: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # "category 'Bijoux' (bijoux): named in French only ..."
    new_rows: list[tuple[str, str]] = field(default_factory=list)  # (table, id) of each row created


@dataclass
class Known:
    """What a row may refer to: stands, provinces and categories by folded name or id.
    Unless ``strict``, a province or category name nothing matches becomes a new one
    (``new``: table -> {id: name as written})."""

    stands: frozenset[str]
    provinces: dict[str, str]
    categories: dict[str, str]
    strict: bool = True
    new: dict[str, dict[str, str]] = field(default_factory=lambda: {"provinces": {}, "categories": {}})

    def find_or_make(self, table: str, name: str) -> str | None:
        """The id of a province or category by any of its names (made up if allowed)."""
        names = self.provinces if table == "provinces" else self.categories
        found = names.get(fold(name))
        if found is not None or self.strict or not fold(name):
            return found
        slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:40]
        slug = slug or f"{table[0]}-{uuid.uuid5(NAMESPACE, fold(name)).hex[:8]}"  # Arabic-only names
        taken = set(names.values())
        candidate, number = slug, 1
        while candidate in taken:
            number += 1
            candidate = f"{slug}-{number}"
        names[fold(name)] = candidate
        self.new[table][candidate] = name
        return candidate


def exhibitor_id(organisation: str, name_fr: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{fold(organisation)}|{fold(name_fr)}"))


def organisation_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"org|{fold(name)}"))


def load_known(conn: sqlite3.Connection, strict: bool = True) -> Known:
    provinces: dict[str, str] = {}
    for row in conn.execute("SELECT * FROM provinces"):
        for key in ("id", "name_fr", "name_ar", "name_en"):
            provinces[fold(row[key])] = row["id"]
    categories: dict[str, str] = {}
    for row in conn.execute("SELECT * FROM categories"):
        for key in ("id", "name_fr", "name_ar", "name_en"):
            categories[fold(row[key])] = row["id"]
    stands = frozenset(row[0] for row in conn.execute("SELECT number FROM stands"))
    return Known(stands, provinces, categories, strict)


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


# A checked row: the CSV's text columns plus the ids found for them (stand and category lists).
CleanRow = dict[str, str | list[str]]


def check_row(row: dict[str, str], known: Known) -> tuple[CleanRow | None, str | None]:
    """(clean row, None) or (None, reason) for one CSV row."""
    if None in row:  # csv.DictReader files surplus fields under the key None
        return None, f"more than {len(COLUMNS)} fields"
    if any(row.get(key) is None for key in COLUMNS):
        return None, f"fewer than {len(COLUMNS)} fields"
    values = {key: str(row[key]).strip() for key in COLUMNS}
    values |= {key: str(row.get(key) or "").strip() for key in OPTIONAL_COLUMNS}
    too_long = [key for key, value in values.items() if len(value) > MAX_TEXT]
    if too_long:
        return None, f"{too_long[0]} is longer than {MAX_TEXT} characters"
    if not values["name_fr"]:
        return None, "name_fr is empty"
    kind = KIND_ALIASES.get(fold(values["kind"]))
    if kind is None:
        return None, f"kind {values['kind']!r} is not one of {', '.join(KINDS)}"
    province = known.find_or_make("provinces", values["province"])
    if province is None:
        return None, f"unknown province {values['province']!r}"
    stands = [number.upper() for number in split_list(values["stand"])]
    if not stands:
        return None, "stand is empty"
    unknown_stands = [number for number in stands if number not in known.stands]
    if unknown_stands:
        return None, f"unknown stand {unknown_stands[0]!r}"
    categories = []
    for name in split_list(values["categories"]):
        category = known.find_or_make("categories", name)
        if category is None:
            return None, f"unknown category {name!r}"
        if category not in categories:
            categories.append(category)
    if values["phone"] and not PHONE.match(values["phone"]):
        return None, f"phone {values['phone']!r} is not a phone number"
    clean: CleanRow = {
        **values,
        "kind": kind,
        "province_id": province,
        "stands": stands,
        "category_ids": categories,
        "id": exhibitor_id(values["organisation"], values["name_fr"]),
    }
    return clean, None


def load_rows(
    db: Database, rows: Iterable[tuple[int, dict[str, str]]], replace: bool = False, strict: bool = False
) -> ImportReport:
    """Check and load (line, row) pairs in one transaction; with ``replace`` the directory
    is emptied first (only if at least one row is good). Provinces and categories the
    good rows name and nothing matches are created (listed in ``created``), or with
    ``strict`` the rows are refused."""
    report = ImportReport()
    with dbmod.write(db) as conn:
        known = load_known(conn, strict)
        good: list[CleanRow] = []
        seen: dict[str, int] = {}
        for line, row in rows:
            clean, reason = check_row(row, known)
            if clean is not None and clean["id"] in seen:
                reason = f"same organisation and name_fr as line {seen[str(clean['id'])]}"
                clean = None
            if clean is None:
                report.errors.append((line, str(reason)))
                continue
            seen[str(clean["id"])] = line
            good.append(clean)
        if replace and good:
            conn.execute("DELETE FROM exhibitors")
            conn.execute("DELETE FROM organisations")
        report.new_rows = _create_named(conn, known, good)
        report.created = [_created_line(conn, table, made_id) for table, made_id in report.new_rows]
        for clean in good:
            _store(conn, clean)
            report.loaded += 1
    return report


def _create_named(conn: sqlite3.Connection, known: Known, good: list[CleanRow]) -> list[tuple[str, str]]:
    """Insert the provinces and categories made up for the good rows; returns their (table, id).
    A name is known in the one language it was typed in; the others take it (as a fair file's
    missing names take the French) until the organizer gives them (setup screen, fair file)."""
    used: dict[str, set[str]] = {
        "provinces": {str(row["province_id"]) for row in good},
        "categories": {category for row in good for category in row["category_ids"]},
    }
    created = []
    for table, made in known.new.items():
        for made_id, name in made.items():
            if made_id not in used[table]:
                continue
            columns = "id, name_fr, name_ar, name_en" + (", synonyms" if table == "categories" else "")
            values = [made_id, name, name, name] + ([""] if table == "categories" else [])
            conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})", values)
            created.append((table, made_id))
    return created


def _created_line(conn: sqlite3.Connection, table: str, made_id: str) -> str:
    """What the report says of a made-up category or province: which names it still lacks."""
    row = conn.execute(f"SELECT name_fr FROM {table} WHERE id = ?", (made_id,)).fetchone()
    name = row["name_fr"]
    typed_in = "Arabic" if is_arabic(name) else "French"
    missing = " and ".join(lang for lang in ("French", "Arabic", "English") if lang != typed_in)
    kind = "category" if table == "categories" else "province"
    return f"{kind} {name!r} ({made_id}): named in {typed_in} only, give its {missing} names"


def _store(conn: sqlite3.Connection, row: CleanRow) -> None:
    org_name = str(row["organisation"])
    org_id = None
    if org_name:
        org_id = organisation_id(org_name)
        conn.execute(
            "INSERT INTO organisations (id, name) VALUES (?, ?) ON CONFLICT(id) DO NOTHING",
            (org_id, org_name),
        )
    conn.execute("DELETE FROM exhibitors WHERE id = ?", (row["id"],))
    conn.execute(
        "INSERT INTO exhibitors (id, name_fr, name_ar, name_zgh, kind, organisation_id, province_id,"
        " products_fr, products_ar, description_fr, description_ar, description_en, phone) VALUES (:id,"
        " :name_fr, :name_ar, :name_zgh, :kind, :org, :province_id, :products_fr, :products_ar,"
        " :description_fr, :description_ar, :description_en, :phone)",
        {**row, "org": org_id},
    )
    conn.executemany(
        "INSERT INTO exhibitor_categories VALUES (?, ?)",
        [(row["id"], category) for category in row["category_ids"]],
    )
    conn.executemany(
        "INSERT INTO exhibitor_stands VALUES (?, ?)", [(row["id"], number) for number in row["stands"]]
    )


def read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a directory CSV or .xlsx (first sheet; the line is the
    sheet's row); the header must hold every column."""
    try:
        return sheets.read_table(path, COLUMNS)
    except sheets.SheetError as error:
        raise DirectoryError(str(error)) from None


def import_csv(db: Database, path: Path, replace: bool = False, strict: bool = False) -> ImportReport:
    """Load a directory CSV or .xlsx file (see ``load_rows``)."""
    return load_rows(db, read_csv(path), replace=replace, strict=strict)


def export_rows(conn: sqlite3.Connection) -> list[dict[str, str]]:
    """The directory as CSV rows, ordered by first stand then name."""
    rows = []
    query = """
        SELECT e.*, o.name AS organisation,
          (SELECT group_concat(stand_number, ';') FROM
             (SELECT stand_number FROM exhibitor_stands WHERE exhibitor_id = e.id ORDER BY 1)) AS stand,
          (SELECT group_concat(category_id, ';') FROM
             (SELECT category_id FROM exhibitor_categories WHERE exhibitor_id = e.id ORDER BY 1))
             AS categories
        FROM exhibitors e LEFT JOIN organisations o ON o.id = e.organisation_id
        ORDER BY stand, e.name_fr
    """
    for row in conn.execute(query):
        record = dict(row)
        record["province"] = record.pop("province_id") or ""
        rows.append({column: record.get(column) or "" for column in COLUMNS + OPTIONAL_COLUMNS})
    return rows


def export_csv(db: Database, path: Path) -> int:
    rows = export_rows(db.conn)
    tmp = Path(str(path) + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as stream:
        writer = spreadsheet.Writer(stream)  # names and descriptions typed by exhibitors
        writer.writerow(COLUMNS + OPTIONAL_COLUMNS)
        writer.writerows([row[column] for column in COLUMNS + OPTIONAL_COLUMNS] for row in rows)
    tmp.replace(path)
    return len(rows)
