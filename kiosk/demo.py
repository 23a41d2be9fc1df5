"""The demo fair: the fair folder ``kiosk/fairs/demo-fair`` loaded like an organizer's own.

``fair.toml`` (zones, gates, ticket types, categories, provinces, hours), ``plan.svg``,
``exhibitors.csv`` and ``programme.csv`` go through the same functions as
``kiosk init --fair``, ``kiosk exhibitors import`` and ``kiosk sessions import``, with
every date shifted so that the fair starts on the chosen day (today unless told): the
demo works whenever it is run. What only a demo has is added here: tickets, staff with
fixed PINs, workshop registrations. Its signing key is derived from a fixed seed so
that the demo's tickets are the same on every machine: never use it for a real fair.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.fair import store
from kiosk.fair.spec import FairFile
from kiosk.finder import directory
from kiosk.kids.demo import build_demo as kids_demo
from kiosk.sessions import programme
from kiosk.sessions.demo import build_demo as sessions_demo
from kiosk.tickets import keys
from kiosk.tickets.issuing import issue_tickets

SEED = "salon-kiosk demo fair"
DEMO_FAIR = Path(__file__).with_name("fairs") / "demo-fair"
# Tickets the demo issues per type (per fair day for one-day types).
DEMO_TICKETS = {
    "day": 250,
    "pass": 300,
    "child": 50,
    "exhibitor": 320,
    "staff": 60,
    "guest": 100,
    "workshop": 25,
}

# Parts of the demo that features add (registrations...): f(db, rng, start).
DemoPart = Callable[[Database, random.Random, date], None]
DEMO_PARTS: list[DemoPart] = [sessions_demo, kids_demo]


def demo_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(SEED.encode()).digest())


def shift_fair(fair: FairFile, days: int) -> None:
    """Move every date of a fair file's rows by ``days``."""
    event = fair.tables["event"][0]
    for key in ("start_date", "end_date"):
        event[key] = (date.fromisoformat(event[key]) + timedelta(days=days)).isoformat()
    for row in fair.tables["event_days"]:
        row["date"] = (date.fromisoformat(row["date"]) + timedelta(days=days)).isoformat()


def load_demo_fair(start: date) -> store.Loaded:
    """The demo fair folder's fair file and plan, dated to start on ``start``."""
    loaded = store.load(DEMO_FAIR / "fair.toml")
    shift_fair(loaded.fair, (start - loaded.fair.start).days)
    return loaded


def build_reference(db: Database, start: date) -> None:
    """Event, days, zones, gates, ticket types, categories, provinces and plan of the demo."""
    store.apply_fair(db, load_demo_fair(start))


def _programme_rows(start: date) -> list[tuple[int, dict[str, str]]]:
    """The demo programme's rows, each session moved to the same wall-clock time on the
    same day of the fair that starts on ``start``."""
    rows = programme.read_csv(DEMO_FAIR / "programme.csv")
    first = min(clock.parse_time(row["starts_at"]).date() for _line, row in rows)
    shift = start - first
    for _line, row in rows:
        for key in ("starts_at", "ends_at"):
            moment = clock.parse_time(row[key])
            row[key] = clock.iso(clock.at(moment.date() + shift, moment.time()))
    return rows


def build(db: Database, instance_dir: Path, start: date | None = None) -> dict[str, int]:
    """Load the whole demo fair into a fresh central instance; returns tickets per type."""
    start = start or clock.now().date()
    rng = random.Random(f"{SEED} {start.isoformat()}")
    build_reference(db, start)
    with dbmod.write(db) as conn:
        keys.create_key(conn, instance_dir, clock.at(start, time(8)), demo_signing_key())
        fair_days = conn.execute("SELECT count(*) FROM event_days").fetchone()[0]
        types = [
            (row["id"], row["default_days"])
            for row in conn.execute("SELECT * FROM ticket_types ORDER BY code")
        ]
    moment = clock.at(start - timedelta(days=7), time(9))
    counts: dict[str, int] = {}
    for type_id, days in types:
        counts[type_id] = 0
        if not DEMO_TICKETS.get(type_id):
            continue
        first_days = [start] if days > 1 else [start + timedelta(days=i) for i in range(fair_days)]
        for day in first_days:
            issued = issue_tickets(
                db, instance_dir, type_id, DEMO_TICKETS[type_id], day=day, rng=rng, moment=moment
            )
            counts[type_id] += len(issued)
    refused = programme.load_rows(db, _programme_rows(start)).refused
    refused += directory.import_csv(db, DEMO_FAIR / "exhibitors.csv").errors
    if refused:
        raise RuntimeError(f"the demo fair folder has bad rows: {refused[:3]}")
    for part in DEMO_PARTS:
        part(db, rng, start)
    return counts
