"""Reading the directory for screens and the API: summaries, details, browsing, stands."""

from __future__ import annotations

import sqlite3
from typing import Any, TypedDict

from kiosk import db as dbmod
from kiosk.finder import search


class CategoryName(TypedDict):
    id: str
    name_fr: str
    name_ar: str
    name_en: str


class StandPlace(TypedDict):
    number: str
    zone: str


class Summary(TypedDict):
    """An exhibitor as lists, search results and the API show it."""

    id: str
    name_fr: str
    name_ar: str
    name_zgh: str  # in Tifinagh, when the directory gives it ('' otherwise)
    kind: str
    products_fr: str
    products_ar: str
    province_id: str | None
    province_fr: str | None
    province_ar: str | None
    province_en: str | None
    organisation: str | None
    categories: list[CategoryName]
    stands: list[StandPlace]
    stand: str | None  # the first of ``stands``


class Named(TypedDict):
    id: str
    name_fr: str
    name_ar: str


class OtherStand(Named):
    stand_number: str


class Detail(Summary):
    """Everything the exhibitor page shows."""

    description_fr: str
    description_ar: str
    description_en: str
    phone: str
    organisation_id: str | None
    other_stands: list[OtherStand]  # the organisation's other exhibitors' stands
    neighbours: list[Named]  # exhibitors sharing a stand with this one


def _categories(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[CategoryName]]:
    marks = ",".join("?" * len(ids))
    found: dict[str, list[CategoryName]] = {}
    for row in conn.execute(
        "SELECT ec.exhibitor_id, c.id, c.name_fr, c.name_ar, c.name_en FROM exhibitor_categories ec"
        f" JOIN categories c ON c.id = ec.category_id WHERE ec.exhibitor_id IN ({marks}) ORDER BY c.name_fr",
        ids,
    ):
        found.setdefault(row[0], []).append(
            {"id": row[1], "name_fr": row[2], "name_ar": row[3], "name_en": row[4]}
        )
    return found


def _stands(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[StandPlace]]:
    marks = ",".join("?" * len(ids))
    found: dict[str, list[StandPlace]] = {}
    for row in conn.execute(
        "SELECT es.exhibitor_id, s.number, s.zone_id FROM exhibitor_stands es"
        f" JOIN stands s ON s.number = es.stand_number WHERE es.exhibitor_id IN ({marks})"
        " ORDER BY s.number",
        ids,
    ):
        found.setdefault(row[0], []).append({"number": row[1], "zone": row[2]})
    return found


def summaries(conn: sqlite3.Connection, ids: list[str]) -> list[Summary]:
    """Display rows of exhibitors in the order of ``ids``."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        row["id"]: dict(row)
        for row in conn.execute(
            "SELECT e.id, e.name_fr, e.name_ar, e.name_zgh, e.kind, e.products_fr, e.products_ar,"
            " e.province_id, p.name_fr AS province_fr, p.name_ar AS province_ar, p.name_en AS province_en,"
            " o.name AS organisation FROM exhibitors e LEFT JOIN provinces p ON p.id = e.province_id"
            f" LEFT JOIN organisations o ON o.id = e.organisation_id WHERE e.id IN ({marks})",
            ids,
        )
    }
    categories = _categories(conn, ids)
    stands = _stands(conn, ids)
    result: list[Summary] = []
    for exhibitor_id in ids:
        row = rows.get(exhibitor_id)
        if row is None:
            continue
        places = stands.get(exhibitor_id, [])
        result.append(
            {
                "id": row["id"],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_zgh": row["name_zgh"],
                "kind": row["kind"],
                "products_fr": row["products_fr"],
                "products_ar": row["products_ar"],
                "province_id": row["province_id"],
                "province_fr": row["province_fr"],
                "province_ar": row["province_ar"],
                "province_en": row["province_en"],
                "organisation": row["organisation"],
                "categories": categories.get(exhibitor_id, []),
                "stands": places,
                "stand": places[0]["number"] if places else None,
            }
        )
    return result


def find(conn: dbmod.Connection, text: str, limit: int = 10) -> list[Summary]:
    """Search and return display rows, best first."""
    return summaries(conn, [hit.id for hit in search.search(conn, text, limit)])


class Found(TypedDict):
    """Some of a search's results, and how many there are in all."""

    total: int
    results: list[Summary]


def find_range(conn: dbmod.Connection, text: str, start: int, stop: int) -> Found:
    """Results ``start`` to ``stop`` (best first) of a search, with the true number of matches."""
    found = search.find(conn, text, stop)
    return {"total": found.total, "results": summaries(conn, [hit.id for hit in found.hits[start:stop]])}


def exhibitor(conn: sqlite3.Connection, exhibitor_id: str) -> Detail | None:
    """Everything the exhibitor page shows, with the organisation's other stands."""
    found = summaries(conn, [exhibitor_id])
    if not found:
        return None
    summary = found[0]
    detail = conn.execute(
        "SELECT description_fr, description_ar, description_en, phone, organisation_id FROM exhibitors"
        " WHERE id = ?",
        (exhibitor_id,),
    ).fetchone()
    own = {stand["number"] for stand in summary["stands"]}
    others: list[OtherStand] = []
    if detail["organisation_id"]:
        for other in conn.execute(
            "SELECT e.id, e.name_fr, e.name_ar, es.stand_number FROM exhibitors e"
            " JOIN exhibitor_stands es ON es.exhibitor_id = e.id"
            " WHERE e.organisation_id = ? AND e.id != ? ORDER BY es.stand_number",
            (detail["organisation_id"], exhibitor_id),
        ):
            if other["stand_number"] not in own:
                others.append(
                    {
                        "id": other["id"],
                        "name_fr": other["name_fr"],
                        "name_ar": other["name_ar"],
                        "stand_number": other["stand_number"],
                    }
                )
    # Who else shares this exhibitor's stands.
    neighbours: list[Named] = [
        {"id": r["id"], "name_fr": r["name_fr"], "name_ar": r["name_ar"]}
        for r in conn.execute(
            "SELECT DISTINCT e.id, e.name_fr, e.name_ar FROM exhibitor_stands es JOIN exhibitors e"
            " ON e.id = es.exhibitor_id WHERE es.stand_number IN (SELECT stand_number FROM exhibitor_stands"
            " WHERE exhibitor_id = ?) AND e.id != ? ORDER BY e.name_fr",
            (exhibitor_id, exhibitor_id),
        )
    ]
    return {
        **summary,
        "description_fr": detail["description_fr"],
        "description_ar": detail["description_ar"],
        "description_en": detail["description_en"],
        "phone": detail["phone"],
        "organisation_id": detail["organisation_id"],
        "other_stands": others,
        "neighbours": neighbours,
    }


def categories(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Categories with their number of exhibitors, most populated first."""
    return [
        dict(row)
        for row in conn.execute(
            "SELECT c.*, count(ec.exhibitor_id) AS exhibitors FROM categories c"
            " LEFT JOIN exhibitor_categories ec ON ec.category_id = c.id GROUP BY c.id"
            " HAVING exhibitors > 0 ORDER BY exhibitors DESC, c.name_fr"
        )
    ]


def provinces(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in conn.execute(
            "SELECT p.*, count(e.id) AS exhibitors FROM provinces p LEFT JOIN exhibitors e"
            " ON e.province_id = p.id GROUP BY p.id ORDER BY p.name_fr"
        )
    ]


def category(conn: sqlite3.Connection, category_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM categories WHERE id = ?", (category_id,)).fetchone()


def province(conn: sqlite3.Connection, province_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM provinces WHERE id = ?", (province_id,)).fetchone()


def _listed(conn: sqlite3.Connection, selection: str, value: str, start: int, stop: int) -> Found:
    """Exhibitors ``start`` to ``stop`` of a ``selection`` (its FROM and WHERE, exhibitors as
    ``e``), by name then id (so pages neither repeat nor skip one of two namesakes), with how
    many there are in all."""
    with dbmod.read(conn):
        total = conn.execute(f"SELECT count(*) {selection}", (value,)).fetchone()[0]
        ids = [
            row[0]
            for row in conn.execute(
                f"SELECT e.id {selection} ORDER BY e.name_fr, e.id LIMIT ? OFFSET ?",
                (value, max(stop - start, 0), start),
            )
        ]
        return {"total": total, "results": summaries(conn, ids)}


def in_category(conn: sqlite3.Connection, category_id: str, start: int, stop: int) -> Found:
    """Exhibitors ``start`` to ``stop`` of a category, by name, and how many it has."""
    selection = (
        "FROM exhibitor_categories ec JOIN exhibitors e ON e.id = ec.exhibitor_id WHERE ec.category_id = ?"
    )
    return _listed(conn, selection, category_id, start, stop)


def in_province(conn: sqlite3.Connection, province_id: str, start: int, stop: int) -> Found:
    """Exhibitors ``start`` to ``stop`` of a province, by name, and how many it has."""
    return _listed(conn, "FROM exhibitors e WHERE e.province_id = ?", province_id, start, stop)


def stands(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every stand with its zone and the exhibitors on it."""
    rows = [dict(row) for row in conn.execute("SELECT * FROM stands ORDER BY number")]
    on_stand: dict[str, list[str]] = {}
    for number, exhibitor_id in conn.execute("SELECT stand_number, exhibitor_id FROM exhibitor_stands"):
        on_stand.setdefault(number, []).append(exhibitor_id)
    for row in rows:
        row["exhibitors"] = sorted(on_stand.get(row["number"], []))
    return rows


def directory_version(conn: sqlite3.Connection) -> int:
    """Changes so far to what an exhibitor page says of the directory (migration 0104's triggers)."""
    return int(conn.execute("SELECT version FROM finder_directory_state").fetchone()[0])


def stand(conn: sqlite3.Connection, number: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM stands WHERE number = ?", (number,)).fetchone()
