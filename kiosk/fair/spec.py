"""The fair file: one ``fair.toml`` read with ``tomllib``, checked, turned into table rows.

``read_fair(path)`` returns a ``FairFile`` (the rows of the event, event_days, zones,
gates, ticket_types, categories and provinces tables, and the plan it names) or raises
``FairFileError`` with every problem as ``FILE:LINE: reason``. ``tomllib`` gives no line
numbers, so ``KeyLines`` finds the line of a table or key by scanning the text: good
enough to point an organizer at the right place.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FAIR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
LANGS = ("fr", "ar", "en")
# "grounds": the fair itself; its gates are the outer gates, where the day's entries count.
ZONE_KINDS = ("grounds", "area", "room")
DIRECTIONS = ("in", "out")
ALL_ZONES = "*"
MAX_DAYS = 62
MAX_ITEMS = 5000
# The tables a fair file fills, in loading order (parents before children).
TABLES = ("event", "event_days", "zones", "gates", "ticket_types", "categories", "provinces")
KEYS = {
    "fair": {"id", "name", "venue", "timezone", "start", "end"},
    "hours": {"opens", "closes", "early_opens"},
    "day": {"date", "opens", "closes", "early_opens"},
    "zone": {"id", "kind", "name"},
    "gate": {"id", "zone", "directions", "limit", "name"},
    "ticket_type": {"id", "code", "days", "zones", "early_access", "visitor", "reentry", "name"},
    "category": {"id", "name", "synonyms"},
    "province": {"id", "name"},
    "plan": {"file"},
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class FairFileError(ValueError):
    """The fair file (or its plan) has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass
class FairFile:
    path: Path
    tables: dict[str, list[dict[str, Any]]]
    plan_file: Path | None = None
    plan_line: int = 1

    @property
    def start(self) -> date:
        return date.fromisoformat(self.tables["event"][0]["start_date"])


class KeyLines:
    """Line numbers of ``[table]``, ``[[table]]`` headers and ``key =`` lines of a TOML text."""

    HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
    ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
    KEY = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        section, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            if match := self.ARRAY.match(line):
                section = match[1]
                index = counts.get(section, 0)
                counts[section] = index + 1
                self.headers[(section, index)] = number
            elif match := self.HEADER.match(line):
                section, index = match[1], 0
                self.headers[(section, 0)] = number
            elif match := self.KEY.match(line):
                self.keys.setdefault((section, index, match[1]), number)

    def of(self, section: str, index: int = 0, key: str | None = None) -> int:
        if key is not None and (section, index, key) in self.keys:
            return self.keys[(section, index, key)]
        return self.headers.get((section, index), 1)


@dataclass
class _Reader:
    """Checks values of one fair file, collecting problems with their lines."""

    file: str
    lines: KeyLines
    problems: list[Problem] = field(default_factory=list)

    def problem(self, section: str, index: int, key: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, self.lines.of(section, index, key), reason))

    def table(self, data: dict[str, Any], section: str, index: int = 0) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problem(section, index, None, f"[{section}] must be a table")
            return {}
        for key in sorted(set(data) - KEYS[section]):
            self.problem(section, index, key, f"unknown key {key!r} in [{section}]")
        return data

    def text(self, data: dict[str, Any], section: str, index: int, key: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(section, index, None, f"[{section}] has no {key}")
            return ""
        if not isinstance(value, str) or len(value) > 500:
            self.problem(section, index, key, f"{key} must be text (at most 500 characters)")
            return ""
        return value.strip()

    def ident(
        self, data: dict[str, Any], section: str, index: int, pattern: re.Pattern[str] = ITEM_ID
    ) -> str:
        value = self.text(data, section, index, "id")
        if value and not pattern.match(value):
            self.problem(section, index, "id", f"id {value!r}: use lower-case letters, digits and dashes")
            return ""
        return value

    def names(self, data: dict[str, Any], section: str, index: int, default: str = "") -> dict[str, str]:
        value = data.get("name")
        if value is None and default:
            return {f"name_{lang}": default for lang in LANGS}
        if isinstance(value, str):
            value = {"fr": value}
        if not isinstance(value, dict) or not isinstance(value.get("fr"), str) or not value["fr"].strip():
            self.problem(section, index, "name", 'name needs French: name = { fr = "…", ar = "…" }')
            return {f"name_{lang}": default for lang in LANGS}
        unknown = sorted(set(value) - set(LANGS))
        if unknown:
            self.problem(section, index, "name", f"name: unknown language {unknown[0]!r} (fr, ar, en)")
        french = value["fr"].strip()
        names = {}
        for lang in LANGS:
            text = value.get(lang)
            if text is not None and not isinstance(text, str):
                self.problem(section, index, "name", f"name.{lang} must be text")
                text = None
            names[f"name_{lang}"] = (text or "").strip() or french
        return names

    def boolean(self, data: dict[str, Any], section: str, index: int, key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(section, index, key, f"{key} must be true or false")
            return default
        return value

    def integer(
        self, data: dict[str, Any], section: str, index: int, key: str, low: int, high: int
    ) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(section, index, key, f"{key} must be a whole number from {low} to {high}")
            return None
        return value

    def day(self, data: dict[str, Any], section: str, index: int, key: str) -> date | None:
        value = data.get(key)
        if value is None:
            self.problem(section, index, None, f"[{section}] has no {key}")
            return None
        if not isinstance(value, date) or hasattr(value, "hour"):
            self.problem(section, index, key, f"{key} must be a TOML date like 2026-06-15 (no quotes)")
            return None
        return value

    def hour(self, data: dict[str, Any], section: str, index: int, key: str, default: str | None) -> str:
        value = data.get(key, default)
        if value is None:
            self.problem(section, index, None, f"[{section}] has no {key}")
            return "00:00"
        if not isinstance(value, str) or not HH_MM.match(value):
            self.problem(section, index, key, f'{key} must be a time like "10:00", not {value!r}')
            return "00:00"
        return value

    def items(self, document: dict[str, Any], section: str) -> list[dict[str, Any]]:
        value = document.get(section, [])
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            self.problem(section, 0, None, f"[[{section}]] must be a list of at most {MAX_ITEMS} tables")
            return []
        return [self.table(item, section, index) for index, item in enumerate(value)]


def parse_fair(text: str, path: Path) -> FairFile:
    """The rows of a fair file's text; raises ``FairFileError`` listing every problem."""
    name = str(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        raise FairFileError([Problem(name, int(match[1]) if match else 1, f"not TOML: {error}")]) from None
    read = _Reader(name, KeyLines(text))
    for key in sorted(set(document) - set(KEYS)):
        read.problem(key, 0, None, f"unknown table [{key}]")
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    fair = read.table(document.get("fair", {}), "fair")
    if "fair" not in document:
        read.problems.append(Problem(name, 1, "no [fair] table"))
    event = {
        "id": read.ident(fair, "fair", 0, FAIR_ID),
        **read.names(fair, "fair", 0),
        "venue": read.text(fair, "fair", 0, "venue", required=False),
        "timezone": read.text(fair, "fair", 0, "timezone"),
    }
    try:
        ZoneInfo(event["timezone"] or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        read.problem("fair", 0, "timezone", f"unknown time zone {event['timezone']!r} (an IANA name)")
    start, end = read.day(fair, "fair", 0, "start"), read.day(fair, "fair", 0, "end")
    if start and end and end < start:
        read.problem("fair", 0, "end", "end is before start")
    elif start and end and (end - start).days >= MAX_DAYS:
        read.problem("fair", 0, "end", f"a fair lasts at most {MAX_DAYS} days")
    event["start_date"] = start.isoformat() if start else ""
    event["end_date"] = end.isoformat() if end else ""
    tables["event"] = [event]
    _days(read, document, start, end, tables)
    zone_ids = _zones(read, document, tables)
    _gates(read, document, zone_ids, tables)
    _ticket_types(read, document, zone_ids, tables)
    for section, table in (("category", "categories"), ("province", "provinces")):
        for index, item in enumerate(read.items(document, section)):
            row = {"id": read.ident(item, section, index), **read.names(item, section, index)}
            if section == "category":
                row["synonyms"] = read.text(item, section, index, "synonyms", required=False)
            tables[table].append(row)
        _unique(read, section, tables[table], "id")
    fair_file = FairFile(path, tables)
    if "plan" in document:
        plan = read.table(document["plan"], "plan")
        file = read.text(plan, "plan", 0, "file")
        fair_file.plan_line = read.lines.of("plan", 0, "file")
        if file:
            fair_file.plan_file = (path.parent / file).resolve()
            if not fair_file.plan_file.is_file():
                read.problem("plan", 0, "file", f"no plan file {file!r} next to the fair file")
    if read.problems:
        raise FairFileError(read.problems)
    return fair_file


def _days(
    read: _Reader, document: dict[str, Any], start: date | None, end: date | None, tables: dict[str, Any]
) -> None:
    hours = read.table(document.get("hours", {}), "hours")
    if "hours" not in document:
        read.problems.append(Problem(read.file, 1, "no [hours] table (opens, closes, early_opens)"))
    default = {
        "opens": read.hour(hours, "hours", 0, "opens", None),
        "closes": read.hour(hours, "hours", 0, "closes", None),
    }
    default["early_opens"] = read.hour(hours, "hours", 0, "early_opens", default["opens"])
    _check_hours(read, "hours", 0, default)
    exceptions: dict[date, dict[str, str]] = {}
    for index, item in enumerate(read.items(document, "day")):
        day = read.day(item, "day", index, "date")
        if day is None:
            continue
        if start and end and not start <= day <= end:
            read.problem("day", index, "date", f"{day} is not a day of the fair ({start} to {end})")
            continue
        if day in exceptions:
            read.problem("day", index, "date", f"{day} has two [[day]] tables")
            continue
        hours_of_day = {key: read.hour(item, "day", index, key, default[key]) for key in default}
        _check_hours(read, "day", index, hours_of_day)
        exceptions[day] = hours_of_day
    if start and end and end >= start and (end - start).days < MAX_DAYS:
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            tables["event_days"].append({"date": day.isoformat(), **exceptions.get(day, default)})


def _check_hours(read: _Reader, section: str, index: int, hours: dict[str, str]) -> None:
    if hours["closes"] == hours["opens"]:
        read.problem(section, index, "closes", f"closes equals opens ({hours['opens']})")
    if hours["early_opens"] > hours["opens"]:
        read.problem(section, index, "early_opens", "early_opens is after opens")


def _unique(read: _Reader, section: str, rows: list[dict[str, Any]], key: str, toml_key: str = "id") -> None:
    seen: dict[object, int] = {}
    for index, row in enumerate(rows):
        value = row[key]
        if value in ("", None):
            continue
        if value in seen:
            read.problem(
                section,
                index,
                toml_key,
                f"duplicate {toml_key} {value!r} (also [[{section}]] {seen[value] + 1})",
            )
        else:
            seen[value] = index


def _zones(read: _Reader, document: dict[str, Any], tables: dict[str, Any]) -> set[str]:
    items = read.items(document, "zone")
    if not items:
        read.problems.append(Problem(read.file, 1, "no [[zone]]: a fair has at least one zone"))
    for index, item in enumerate(items):
        kind = item.get("kind", "area")
        if kind not in ZONE_KINDS:
            read.problem("zone", index, "kind", f"kind must be {', '.join(ZONE_KINDS)}, not {kind!r}")
        tables["zones"].append(
            {"id": read.ident(item, "zone", index), **read.names(item, "zone", index), "kind": kind}
        )
    _unique(read, "zone", tables["zones"], "id")
    return {row["id"] for row in tables["zones"] if row["id"]}


def _gates(read: _Reader, document: dict[str, Any], zone_ids: set[str], tables: dict[str, Any]) -> None:
    for index, item in enumerate(read.items(document, "gate")):
        gate_id = read.ident(item, "gate", index)
        zone = read.text(item, "gate", index, "zone")
        if zone and zone not in zone_ids:
            read.problem("gate", index, "zone", f"gate {gate_id!r}: unknown zone {zone!r}")
        directions = item.get("directions", ["in", "out"])
        if (
            not isinstance(directions, list)
            or not directions
            or any(d not in DIRECTIONS for d in directions)
            or len(set(directions)) != len(directions)
        ):
            read.problem("gate", index, "directions", 'directions must be ["in", "out"], ["in"] or ["out"]')
            directions = ["in", "out"]
        limit = read.integer(item, "gate", index, "limit", 1, 1_000_000)
        tables["gates"].append(
            {
                "id": gate_id,
                **read.names(item, "gate", index, default=gate_id),
                "zone_id": zone,
                "directions": ",".join(d for d in DIRECTIONS if d in directions),
                "occupancy_limit": limit,
            }
        )
    _unique(read, "gate", tables["gates"], "id")


def _ticket_types(
    read: _Reader, document: dict[str, Any], zone_ids: set[str], tables: dict[str, Any]
) -> None:
    for index, item in enumerate(read.items(document, "ticket_type")):
        type_id = read.ident(item, "ticket_type", index)
        code = read.integer(item, "ticket_type", index, "code", 1, 255)
        if code is None and "code" not in item:
            read.problem("ticket_type", index, None, "[ticket_type] has no code (1-255)")
        zones = item.get("zones", [ALL_ZONES])
        if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
            read.problem("ticket_type", index, "zones", 'zones must be ["*"] or a list of zone ids')
            zones = [ALL_ZONES]
        elif ALL_ZONES in zones and len(zones) > 1:
            read.problem("ticket_type", index, "zones", '"*" already means every zone')
        for zone in zones:
            if zone != ALL_ZONES and zone not in zone_ids:
                read.problem("ticket_type", index, "zones", f"ticket type {type_id!r}: unknown zone {zone!r}")
        days = item.get("days", 1)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            read.problem("ticket_type", index, "days", f"days must be a whole number from 1 to {MAX_DAYS}")
            days = 1
        tables["ticket_types"].append(
            {
                "id": type_id,
                "code": code,
                **read.names(item, "ticket_type", index),
                "zones": ",".join(zones),
                "early_access": int(read.boolean(item, "ticket_type", index, "early_access", False)),
                "default_days": days,
                "is_visitor": int(read.boolean(item, "ticket_type", index, "visitor", True)),
                "reentry": int(read.boolean(item, "ticket_type", index, "reentry", True)),
            }
        )
    _unique(read, "ticket_type", tables["ticket_types"], "id")
    _unique(read, "ticket_type", tables["ticket_types"], "code", "code")


def read_fair(path: Path) -> FairFile:
    """Read and check a fair file from disk (see ``parse_fair``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FairFileError([Problem(str(path), 1, f"cannot read the file: {error}")]) from None
    return parse_fair(text, Path(path))
