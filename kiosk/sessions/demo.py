"""The demo fair's door staff and workshop registrations (fictional people).

The programme itself is ``kiosk/fairs/demo-fair/programme.csv`` (loaded by ``kiosk.demo``).
Workshops need a registration; the demo books most seats, overbooks a few (waitlist)
and cancels some. Demo staff accounts have the fixed PINs of ``DEMO_STAFF``.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, time, timedelta

import click

from kiosk import clock
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.db import Database
from kiosk.sessions import registrations

# name, role, PIN: for the demo only, printed when the demo is built.
DEMO_STAFF = [
    ("Hanane", "organizer", "24681357"),
    ("Omar", "gate", "135791"),
    ("Rachid", "workshop", "246824"),
    ("Meryem", "workshop", "864286"),
]

FIRST_NAMES = [
    "Aicha",
    "Fatima",
    "Khadija",
    "Zineb",
    "Hafsa",
    "Imane",
    "Sanaa",
    "Naima",
    "Loubna",
    "Souad",
    "Mohamed",
    "Ahmed",
    "Brahim",
    "Hassan",
    "Mustapha",
    "Abdellah",
    "Khalid",
    "Driss",
    "Hamid",
    "Aziz",
]
LAST_NAMES = [
    "Amrani",
    "Bennani",
    "Chakir",
    "El Fassi",
    "Haddou",
    "Idrissi",
    "Jaafari",
    "Lamrani",
    "Moussaoui",
    "Naciri",
    "Ouchen",
    "Rahmouni",
    "Sebti",
    "Tahiri",
    "Zahraoui",
    "Belhaj",
    "Ait Lahcen",
    "Bouzid",
]


def _register_some(
    conn: sqlite3.Connection,
    rng: random.Random,
    session_id: str,
    count: int,
    day: date,
    booked_from: datetime,
) -> None:
    serials = [
        row[0]
        for row in conn.execute(
            "SELECT serial FROM tickets WHERE type_id = 'workshop' AND valid_from = ? ORDER BY serial",
            (day.isoformat(),),
        )
    ]
    rng.shuffle(serials)
    moment = booked_from
    for index in range(count):
        moment += timedelta(minutes=rng.randint(5, 300))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        phone = f"06{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.7 else ""
        # About half the seats are booked with a workshop ticket, the others on their own QR.
        serial = serials.pop() if serials and index % 2 == 0 else None
        row = registrations.register(
            conn, session_id, name, moment, phone=phone, ticket_serial=serial, rng=rng
        )
        if rng.random() < 0.08:
            registrations.cancel(conn, str(row["id"]), moment + timedelta(hours=rng.randint(1, 48)))


def build_demo(db: Database, rng: random.Random, start: date) -> None:
    """Staff accounts and workshop registrations of the demo fair (a ``DEMO_PARTS`` entry):
    most seats of each workshop booked, a few overbooked (waitlist), some cancelled."""
    with dbmod.write(db) as conn:
        for name, role, pin in DEMO_STAFF:
            accounts.add_staff(conn, name, role, pin)
        booked_from = clock.at(start - timedelta(days=10), time(9))
        workshops = conn.execute(
            "SELECT id, capacity, starts_at FROM sessions WHERE registration_required = 1 ORDER BY starts_at, title_fr"
        ).fetchall()
        for workshop in workshops:
            day = clock.fair_date(clock.parse_time(workshop["starts_at"]))
            count = workshop["capacity"] + rng.randint(-6, 5)
            _register_some(conn, rng, workshop["id"], count, day, booked_from)
    click.echo(
        "Demo staff (name, role, PIN): " + "; ".join(f"{name} {role} {pin}" for name, role, pin in DEMO_STAFF)
    )
