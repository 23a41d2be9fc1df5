"""Attendance figures from the scan log and the walk-in tallies.

Everything is derived from the append-only logs, so a kiosk and the central
instance (which holds every kiosk's events) compute figures the same way. Annulled
scans are skipped. Walk-in tallies count into entries, exits, visitors and
occupancy like scanned tickets. The database keeps the figures as the events arrive
(migrations 0700 to 0705: an event's trigger notes it, and the notes are counted as
one set at the end of the write, or of a batch in ``events.counted_together``), so reading
them costs the same whatever the day's volume.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from itertools import groupby, pairwise
from typing import NamedTuple, TypedDict

from kiosk import clock
from kiosk import db as dbmod

QUARTER_SECONDS = 900  # the counters' unit of time (migration 0702)
VALID_SCANS = "scans.result = 'accepted' AND scans.uuid NOT IN (SELECT scan_uuid FROM annulments)"


class ZoneCount(NamedTuple):
    inside: int
    peak: int


class HourEntries(TypedDict):
    hour: int
    gate: str
    zone: str
    fair_entrance: bool  # the gate is one of the fair's outer gates (``fair_zones``)
    entries: int


class DayTotals(TypedDict):
    """A day's attendance without its hours (the dashboard's control room)."""

    date: str
    entries: int  # into the fair, at its outer gates
    exits: int  # out of the fair, at its outer gates
    not_inside: int
    unique_visitors: int
    ticket_visitors: int
    zone_entries: dict[str, int]  # entries through each zone's gates
    inside: dict[str, int]
    peak: dict[str, int]
    walk_ins: dict[str, int]
    entries_by_gate: dict[str, int]


class DayFigures(DayTotals):
    """A day's attendance (CSV export, ``/api/v1/attendance``)."""

    entries_per_hour: list[HourEntries]


class GateFigures(TypedDict):
    """What a gate's screen shows (see ``gate_figures``)."""

    gate_entries: int
    inside_zone: int
    peak_zone: int
    occupancy_limit: int | None
    places_left: int | None
    near_limit: bool


class Minute(NamedTuple):
    """One zone's passages in one minute or one hour (a row of ``zone_minutes`` or
    ``zone_hours``): over their prefix
    sums in time order p_0 = 0, p_1..p_n, net = p_n, low = min p_k, high = max p_k and
    rise = max (p_k - min of p_0..p_k)."""

    net: int
    low: int
    high: int
    rise: int


def walk(minutes: Iterable[Minute]) -> ZoneCount:
    """The clamped walk over minutes in order, from nobody inside. Entering a minute with
    x inside, the count leaves it at max(x + net, net - low) and peaks in it at
    max(x + high, rise): high alone is not enough, since a minute that starts with exits
    at an empty zone climbs from zero (rise), not from x + low."""
    inside = peak = 0
    for net, low, high, rise in minutes:
        peak = max(peak, inside + high, rise)
        inside = max(inside + net, net - low)
    return ZoneCount(inside=inside, peak=peak)


def occupancy(conn: sqlite3.Connection, day: date, zone_id: str | None = None) -> dict[str, ZoneCount]:
    """People inside each zone now, and the day's peak, for zones with passages that day
    (only ``zone_id`` when given).

    The one definition of "inside": entries add, exits subtract, taken in the order they
    happened (device time corrected by the clock offset central measured for the device
    when the passage arrived), and the count never goes below zero at any moment (nobody
    can leave before anyone entered: an exit counted at an empty zone is ignored, a later
    entry counts). Read from the summaries the database keeps as events arrive
    (migrations 0700, 0703): per zone and hour, its minutes before the latest and the
    latest minute, at most 48 summaries a zone and a day, whatever the volume.
    """
    zone_filter = " AND h.zone_id = :zone" if zone_id is not None else ""
    rows = conn.execute(
        "SELECT h.zone_id, h.net, h.low, h.high, h.rise, coalesce(m.net, 0), coalesce(m.low, 0),"
        " coalesce(m.high, 0), coalesce(m.rise, 0) FROM zone_hours h LEFT JOIN zone_minutes m"
        " ON m.fair_date = h.fair_date AND m.zone_id = h.zone_id AND m.minute = h.last_minute"
        f" WHERE h.fair_date = :day{zone_filter} ORDER BY h.zone_id, h.hour",
        {"day": day.isoformat(), "zone": zone_id},
    ).fetchall()
    return {
        # A row's two summaries as plain (net, low, high, rise): the walk only unpacks them.
        zone: walk(minute for row in zone_rows for minute in (row[1:5], row[5:9]))
        for zone, zone_rows in groupby(rows, key=lambda row: row[0])
    }


class Presence(NamedTuple):
    inside: bool  # more accepted entries than exits
    left: bool  # went out at least once


def presence(conn: sqlite3.Connection, serial: int, zone_id: str, day: date) -> Presence:
    """Whether one ticket is in a zone today, from every gate's passages this instance
    holds (its own and those the feed brought). Counted, not ordered: entries minus
    exits, so every instance holding the same passages agrees whatever order they
    arrived in."""
    entries, exits = conn.execute(
        "SELECT coalesce(sum(direction = 'in'), 0), coalesce(sum(direction = 'out'), 0) FROM scans"
        f" WHERE ticket_serial = ? AND zone_id = ? AND fair_date = ? AND {VALID_SCANS}",
        (serial, zone_id, day.isoformat()),
    ).fetchone()
    return Presence(inside=entries > exits, left=exits > 0)


def inside_zone(conn: sqlite3.Connection, zone_id: str, day: date) -> int:
    """People in one zone now (see ``occupancy``)."""
    count = occupancy(conn, day, zone_id).get(zone_id)
    return count.inside if count else 0


def fair_zones(conn: sqlite3.Connection) -> set[str]:
    """The zones whose gates are the fair's outer gates: the zones of kind ``grounds``
    (entering one is entering the fair; the others, heritage or kids' space, are zones
    inside it). A fair that declares no grounds has every zone as its grounds."""
    kinds = dict(conn.execute("SELECT id, kind FROM zones").fetchall())
    return {zone for zone, kind in kinds.items() if kind == "grounds"} or set(kinds)


@functools.lru_cache(maxsize=64)
def _local_quarter_sql(day: date, zone: tzinfo) -> str:
    """SQL for the fair-zone quarter of an hour of day (0 to 95) of a ``quarter`` of
    ``day``'s counters: the quarter shifted by the zone's offset (in quarters) where it
    holds, from 12 hours before the day's midnight to 36 after (a fair day may run past
    midnight)."""
    first = int(datetime.combine(day, datetime.min.time(), zone).timestamp()) // QUARTER_SECONDS - 48
    shifts: list[tuple[int, int]] = []
    for quarter in range(first, first + 48 * 4):
        offset = datetime.fromtimestamp(quarter * QUARTER_SECONDS, zone).utcoffset()
        shift = int(offset.total_seconds()) // QUARTER_SECONDS if offset else 0
        if not shifts or shifts[-1][1] != shift:
            shifts.append((quarter, shift))
    if len(shifts) == 1:
        return f"((quarter + {shifts[0][1]}) % 96)"
    cases = " ".join(f"WHEN quarter < {after[0]} THEN {before[1]}" for before, after in pairwise(shifts))
    return f"((quarter + CASE {cases} ELSE {shifts[-1][1]} END) % 96)"


def local_quarter_sql(day: date) -> str:
    """SQL for the fair's local quarter of an hour of day (0 to 95) of a row's ``quarter``
    on ``day`` (the counters' unit): readers group and place rows by it in SQLite."""
    return _local_quarter_sql(day, clock.zone())


def day_totals(conn: sqlite3.Connection, day: date) -> DayTotals:
    """The day's figures but its hours: entries and exits at the fair's outer gates
    (``fair_zones``), entries into each zone and gate, unique visitors, inside now and peak
    per zone, walk-ins. Read from the counters the database keeps per gate, zone and
    quarter of an hour of corrected time as the events arrive (migrations 0700 to 0702),
    summed by SQLite: a few dozen rows, whatever the volume."""
    on = day.isoformat()
    visitors = conn.execute("SELECT visitors FROM day_totals WHERE fair_date = ?", (on,)).fetchone()
    zones = [row[0] for row in conn.execute("SELECT id FROM zones ORDER BY id")]
    grounds = fair_zones(conn)
    counts = occupancy(conn, day)
    inside = dict.fromkeys(zones, 0) | {zone: count.inside for zone, count in counts.items()}
    peak = dict.fromkeys(zones, 0) | {zone: count.peak for zone, count in counts.items()}
    entries = exits = not_inside = 0
    zone_entries = dict.fromkeys(zones, 0)
    entries_by_gate: dict[str, int] = defaultdict(int)
    walk_ins = {"adult": 0, "child": 0, "group": 0}
    for gate, zone, people_in, people_out, adults, children, groups, refused in conn.execute(
        "SELECT gate_id, zone_id, sum(entries), sum(exits), sum(adults), sum(children), sum(groups),"
        " sum(not_inside) FROM gate_quarters WHERE fair_date = ? GROUP BY gate_id, zone_id",
        (on,),
    ):
        not_inside += refused
        zone_entries[zone] = zone_entries.get(zone, 0) + people_in
        if people_in:
            entries_by_gate[gate] += people_in
        if zone in grounds:
            entries += people_in
            exits += people_out
            walk_ins["adult"] += adults
            walk_ins["child"] += children
            walk_ins["group"] += groups
    ticket_visitors = visitors[0] if visitors else 0
    return {
        "date": on,
        "entries": entries,
        "exits": exits,
        # Exits refused because the ticket was not inside: pass-back attempts, or an
        # entry the exit's kiosk had not heard of (counted apart from real exits).
        "not_inside": not_inside,
        # Ticket holders once each, and people let in without a ticket at the fair's gates.
        "unique_visitors": ticket_visitors + sum(walk_ins.values()),
        "ticket_visitors": ticket_visitors,
        "zone_entries": zone_entries,
        "inside": inside,
        "peak": peak,
        "walk_ins": walk_ins,
        "entries_by_gate": dict(sorted(entries_by_gate.items())),
    }


def entries_per_hour(conn: sqlite3.Connection, day: date) -> list[HourEntries]:
    """Entries per fair-zone hour of day, gate and zone on ``day`` (tickets and walk-ins),
    in hour, gate and zone order; summed by SQLite from the quarters' counters."""
    grounds = fair_zones(conn)
    per_hour: dict[tuple[int, str, str], int] = defaultdict(int)
    for gate, zone, hour, people_in in conn.execute(
        f"SELECT gate_id, zone_id, {local_quarter_sql(day)} / 4 AS hour, sum(entries)"
        " FROM gate_quarters WHERE fair_date = ? AND entries > 0 GROUP BY gate_id, zone_id, hour",
        (day.isoformat(),),
    ):
        per_hour[(hour, gate, zone)] += people_in  # an hour the clocks go back to comes twice
    return [
        {"hour": hour, "gate": gate, "zone": zone, "fair_entrance": zone in grounds, "entries": count}
        for (hour, gate, zone), count in sorted(per_hour.items())
    ]


def day_figures(conn: sqlite3.Connection, day: date) -> DayFigures:
    """The day's figures (``day_totals``) and its entries per hour per gate
    (``entries_per_hour``)."""
    return {**day_totals(conn, day), "entries_per_hour": entries_per_hour(conn, day)}


def kept_day_totals(conn: dbmod.Connection, day: date) -> DayTotals:
    """``day_totals`` as last read, until the next commit to the database (``kiosk.db.kept``):
    every open dashboard tab reads them again and again between two batches. Shared: never
    change it."""
    return dbmod.kept(conn, ("attendance.day_totals", day), lambda: day_totals(conn, day))


def kept_day_figures(conn: dbmod.Connection, day: date) -> DayFigures:
    """``day_figures`` as last read, until the next commit to the database: the CSV export
    and ``/api/v1/attendance`` (no log-in needed) read the same figures again and again
    between two batches. Shared: never change it."""

    def read() -> DayFigures:
        return {**kept_day_totals(conn, day), "entries_per_hour": entries_per_hour(conn, day)}

    return dbmod.kept(conn, ("attendance.day_figures", day), read)


def gate_figures(conn: sqlite3.Connection, gate_id: str, day: date) -> GateFigures:
    """What a gate's screen shows: its entries today, and for its zone people inside now
    and the day's peak (every gate's passages this instance holds: ``occupancy``), the
    zone's limit and places left (``near_limit`` when a tenth or less remain)."""
    gate = conn.execute("SELECT zone_id, occupancy_limit FROM gates WHERE id = ?", (gate_id,)).fetchone()
    count = occupancy(conn, day, gate["zone_id"]).get(gate["zone_id"]) if gate else None
    inside, peak = (count.inside, count.peak) if count else (0, 0)
    limit = gate["occupancy_limit"] if gate else None
    left = max(0, limit - inside) if limit is not None else None
    return {
        "gate_entries": gate_entries(conn, gate_id, day),
        "inside_zone": inside,
        "peak_zone": peak,
        "occupancy_limit": limit,
        "places_left": left,
        "near_limit": limit is not None and left is not None and left <= max(1, limit // 10),
    }


def gate_entries(conn: sqlite3.Connection, gate_id: str, day: date) -> int:
    """Entries through one gate today (tickets and walk-ins), for the kiosk screen; kept
    as the events arrive (migration 0700)."""
    row = conn.execute(
        "SELECT entries FROM gate_days WHERE gate_id = ? AND fair_date = ?", (gate_id, day.isoformat())
    ).fetchone()
    return row[0] if row else 0
