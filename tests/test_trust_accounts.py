"""Staff accounts under attack (issue 11): PIN lengths, sessions that end, lock-out per
client and per account, and log-in that does not tell which names exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import db as dbmod
from kiosk import instance
from kiosk import staff as accounts
from kiosk.sessions.demo import DEMO_STAFF


@pytest.mark.parametrize(
    ("role", "pin"),
    [
        ("gate", "1357"),
        ("gate", "12345"),
        ("workshop", "2468x1"),
        ("gate", "1234567890123"),
        ("gate", "١٢٣٤٥٦"),  # Arabic-Indic digits: not what the kiosk keypad sends
        ("organizer", "246810"),
        ("organizer", "1234567"),
        ("organizer", "two words"),
        ("organizer", " padded pass phrase "),
        ("organizer", "x" * 65),
    ],
)
def test_short_pins_are_refused(kiosk_dir: Path, role: str, pin: str) -> None:
    with dbmod.write(instance.open_db(kiosk_dir)) as conn, pytest.raises(ValueError, match="PIN"):
        accounts.add_staff(conn, "Nobody", role, pin)


@pytest.mark.parametrize(
    ("role", "pin"),
    [
        ("gate", "135791"),
        ("workshop", "123456789012"),
        ("organizer", "24681357"),
        ("organizer", "sel et menthe"),
    ],
)
def test_long_enough_pins_are_taken(kiosk_dir: Path, role: str, pin: str) -> None:
    with dbmod.write(instance.open_db(kiosk_dir)) as conn:
        accounts.add_staff(conn, "Somebody", role, pin)


def test_the_demo_staff_follow_the_rule() -> None:
    for _name, role, pin in DEMO_STAFF:
        assert accounts.pin_problem(role, pin) is None, (role, pin)
