"""Helpers for the session tests: a small session of our own on a demo instance."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.sessions import programme, registrations

DAY = datetime(2026, 6, 15).date()
START = clock.at(DAY, time(11))  # the test clock is 11:00 on the first fair day


def at(minutes: float) -> datetime:
    """A moment relative to the test session's start."""
    return START + timedelta(minutes=minutes)


def add_session(
    db: Database,
    capacity: int = 3,
    required: bool = True,
    title: str = "Atelier test",
    start: datetime = START,
) -> str:
    with dbmod.write(db) as conn:
        row = programme.clean_session(
            conn,
            {
                "title_fr": title,
                "title_ar": "ورشة",
                "title_en": "Test workshop",
                "speaker": "Formatrice Test",
                "zone": "workshop",
                "starts_at": clock.iso(start),
                "ends_at": clock.iso(start + timedelta(hours=2)),
                "capacity": str(capacity),
                "kind": "workshop",
                "registration_required": "yes" if required else "no",
            },
        )
        programme.save_session(conn, row)
    return str(row["id"])


def register(
    db: Database, session_id: str, names: list[str], serials: list[int | None] | None = None
) -> list[dict[str, object]]:
    """Registrations made a day apart each, in the order given."""
    made = []
    with dbmod.write(db) as conn:
        for index, name in enumerate(names):
            serial = serials[index] if serials else None
            made.append(
                registrations.register(
                    conn, session_id, name, at(-24 * 60 * (10 - index)), ticket_serial=serial
                )
            )
    return made


def open_db(folder: Path) -> Database:
    return instance.open_db(folder)


def workshop_kiosk(
    central_dir: Path,
    folder: Path,
    capacity: int = 2,
    names: list[str] | None = None,
    serials: list[int | None] | None = None,
) -> tuple[str, list[dict[str, object]]]:
    """A workshop kiosk at ``folder``, provisioned from a bundle of the demo fair plus a
    session of our own and its registrations; returns (session id, registrations)."""
    from kiosk import bundle

    central = open_db(central_dir)
    session_id = add_session(central, capacity=capacity, title="Atelier caméra")
    made = register(central, session_id, names or ["Amine Alaoui", "Bilal Naji"], serials)
    bundle_file = folder.with_suffix(".bundle")
    bundle.write_bundle(central, bundle_file, "workshop")
    database = instance.create(folder, ["workshop"], name=folder.name)
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    database.conn.close()
    return session_id, made
