"""The demo's kids' space staff (a ``kiosk.demo.DEMO_PARTS`` entry). No child or adult is
invented: the kids' kiosk starts empty, as at a real fair's opening."""

from __future__ import annotations

import random
from datetime import date

import click

from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.db import Database

# name, role, PIN: for the demo only, printed when the demo is built. The supervisor
# (kids_lead) releases a child without the receipt; her PIN is 8 digits (kiosk.staff).
KIDS_STAFF = ("Salma", "kids", "975310")
KIDS_LEAD = ("Nadia", "kids_lead", "86420975")


def build_demo(db: Database, rng: random.Random, start: date) -> None:
    with dbmod.write(db) as conn:
        for name, role, pin in (KIDS_STAFF, KIDS_LEAD):
            accounts.add_staff(conn, name, role, pin)
    for name, role, pin in (KIDS_STAFF, KIDS_LEAD):
        click.echo(f"Demo kids' space staff (name, role, PIN): {name} {role} {pin}")
