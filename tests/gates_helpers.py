"""Helpers for the gates tests: scans at distinct moments, figures, in-process sync rounds."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

from kiosk import clock, instance
from kiosk.entry import attendance
from kiosk.entry.admission import Situation
from kiosk.entry.scanning import Scanner
from kiosk.schedule import OpeningHours
from sync.client import Client
from tests.conftest import FAIR_START

_SECONDS = itertools.count()
DAY1 = date(2026, 6, 15)
HOURS = OpeningHours(DAY1, opens=time(10), closes=time(22), early_opens=time(8))


def situation(**changes: object) -> Situation:
    """A gate's situation at 11:00 on the first day, entering the sales zone, nobody
    inside; ``changes`` replace any field."""
    base = Situation(
        moment=clock.at(DAY1, time(11)),
        day=DAY1,
        hours=HOURS,
        direction="in",
        zone_id="sales",
        occupancy_limit=None,
        inside_zone=0,
        ticket_inside=False,
        revoked=False,
    )
    return replace(base, **changes)


def next_moment():
    """The next second of the first fair day from 11:00: passages at different gates keep
    the order they happened in (the fixed test clock would give them all one time)."""
    return clock.parse_time(f"{FAIR_START}T11:00:00+01:00") + timedelta(seconds=next(_SECONDS))


def scan(folder: Path, code: str, gate: str = "main", direction: str | None = None) -> str:
    database = instance.open_db(folder)
    try:
        return Scanner(debounce_seconds=0).scan(database, code, gate, direction, next_moment()).reason
    finally:
        database.conn.close()


def figures(folder: Path) -> dict[str, object]:
    database = instance.open_db(folder)
    try:
        return attendance.day_figures(database.conn, FAIR_START)
    finally:
        database.conn.close()


def sync(*folders: Path) -> None:
    """One full sync round of each kiosk, in order."""
    for folder in folders:
        client = Client(folder)
        try:
            client.round()
        finally:
            client.close()
