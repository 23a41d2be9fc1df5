"""The demo fair: a realistic, clearly fictional salon built the same way on every run.

Dated from a start day (today unless told) for eight days, so the demo works
whenever it is run. Its signing key is derived from a fixed seed so that the demo's
tickets are the same on every machine: never use it for a real fair.
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
from kiosk.finder.demo import build_directory as finder_demo
from kiosk.sessions.demo import build_demo as sessions_demo
from kiosk.tickets import keys
from kiosk.tickets.issuing import issue_tickets

SEED = "salon-kiosk demo fair"
FAIR_DAYS = 8

EVENT = {
    "id": "salon-ess-bmk-demo",
    "name_fr": "Salon régional de l'ESS Béni Mellal-Khénifra (démo)",
    "name_ar": "المعرض الجهوي للاقتصاد الاجتماعي والتضامني بني ملال خنيفرة (عرض)",
    "name_en": "Béni Mellal-Khénifra Regional SSE Fair (demo)",
    "venue": "Khouribga",
}

ZONES = [
    ("sales", "Espace de vente en plein air", "فضاء البيع في الهواء الطلق", "Open-air sales area", "area"),
    ("heritage", "Zone du patrimoine immatériel", "فضاء التراث اللامادي", "Intangible heritage zone", "area"),
    ("conference", "Salle de conférences", "قاعة المحاضرات", "Conference hall", "room"),
    ("workshop", "Salle des ateliers", "قاعة الورشات", "Workshop room", "room"),
    ("kids", "Espace enfants", "فضاء الأطفال", "Kids' space", "area"),
    ("stage", "Scène des soirées", "منصة السهرات", "Evening stage", "area"),
]

# id, names, zone, directions, occupancy limit of the zone at this gate
GATES = [
    ("main", "Entrée principale", "المدخل الرئيسي", "Main entrance", "sales", "in,out", None),
    ("east", "Entrée est", "المدخل الشرقي", "East entrance", "sales", "in,out", None),
    (
        "heritage",
        "Entrée du patrimoine",
        "مدخل فضاء التراث",
        "Heritage zone entrance",
        "heritage",
        "in,out",
        150,
    ),
    ("kids", "Entrée espace enfants", "مدخل فضاء الأطفال", "Kids' space entrance", "kids", "in,out", 60),
    # An exit-only kiosk: at the two-way gates above, exits are recorded by staff.
    ("south-exit", "Sortie sud", "المخرج الجنوبي", "South exit", "sales", "out", None),
]

ALL_ZONES = "*"
# id, code, names, zones, early access, days, is_visitor, tickets in the demo (per day for 1-day types)
TICKET_TYPES = [
    ("day", 1, "Entrée journée", "تذكرة يوم", "Day pass", ALL_ZONES, 0, 1, 1, 250),
    ("pass", 2, "Pass 8 jours", "تذكرة 8 أيام", "8-day pass", ALL_ZONES, 0, 8, 1, 300),
    ("child", 3, "Enfant", "طفل", "Child", "sales,heritage,kids,stage", 0, 1, 1, 50),
    ("exhibitor", 4, "Badge exposant", "شارة عارض", "Exhibitor badge", ALL_ZONES, 1, 8, 0, 320),
    ("staff", 5, "Organisation", "المنظمون", "Staff", ALL_ZONES, 1, 8, 0, 60),
    ("guest", 6, "Presse / invité", "صحافة / ضيف", "Press / guest", ALL_ZONES, 0, 8, 1, 100),
    (
        "workshop",
        7,
        "Place d'atelier",
        "مقعد ورشة",
        "Workshop seat",
        "sales,conference,workshop",
        0,
        1,
        1,
        25,
    ),
]

# A workshop seat lets its holder in once: gone out, not back in.
NO_REENTRY = {"workshop"}

# Parts of the demo that features add (exhibitors, programme...): f(db, rng, start).
DemoPart = Callable[[Database, random.Random, date], None]
DEMO_PARTS: list[DemoPart] = [sessions_demo, finder_demo]


def demo_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(SEED.encode()).digest())


def opening_hours(day_index: int) -> tuple[str, str, str]:
    """(opens, closes, early_opens): evening shows keep the last days open past midnight."""
    if day_index >= FAIR_DAYS - 2:
        return "10:00", "00:30", "08:00"
    return "10:00", "22:00", "08:00"


def build_reference(db: Database, start: date) -> None:
    """Event, days, zones, gates and ticket types of the demo fair."""
    with dbmod.write(db) as conn:
        conn.execute(
            "INSERT INTO event (id, name_fr, name_ar, name_en, venue, timezone, start_date,"
            " end_date) VALUES (:id, :name_fr, :name_ar, :name_en, :venue, 'Africa/Casablanca',"
            " :start, :end)",
            {**EVENT, "start": start.isoformat(), "end": (start + timedelta(days=FAIR_DAYS - 1)).isoformat()},
        )
        for index in range(FAIR_DAYS):
            conn.execute(
                "INSERT INTO event_days VALUES (?, ?, ?, ?)",
                ((start + timedelta(days=index)).isoformat(), *opening_hours(index)),
            )
        conn.executemany("INSERT INTO zones VALUES (?, ?, ?, ?, ?)", ZONES)
        conn.executemany("INSERT INTO gates VALUES (?, ?, ?, ?, ?, ?, ?)", GATES)
        conn.executemany(
            "INSERT INTO ticket_types (id, code, name_fr, name_ar, name_en, zones, early_access,"
            " default_days, is_visitor, reentry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*kind[:9], kind[0] not in NO_REENTRY) for kind in TICKET_TYPES],
        )


def build(db: Database, instance_dir: Path, start: date | None = None) -> dict[str, int]:
    """Load the whole demo fair into a fresh central instance; returns tickets per type."""
    start = start or clock.now().date()
    rng = random.Random(f"{SEED} {start.isoformat()}")
    build_reference(db, start)
    with dbmod.write(db) as conn:
        keys.create_key(conn, instance_dir, clock.at(start, time(8)), demo_signing_key())
    moment = clock.at(start - timedelta(days=7), time(9))
    counts: dict[str, int] = {}
    for type_id, _code, *_names, _zones, _early, days, _visitor, count in TICKET_TYPES:
        counts[type_id] = 0
        first_days = [start] if days > 1 else [start + timedelta(days=i) for i in range(FAIR_DAYS)]
        for day in first_days:
            issued = issue_tickets(db, instance_dir, type_id, count, day=day, rng=rng, moment=moment)
            counts[type_id] += len(issued)
    for part in DEMO_PARTS:
        part(db, rng, start)
    return counts
