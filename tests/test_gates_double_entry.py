"""Double entries judged in the order the passages happened, not the order they reached
central: a re-entry at one gate that arrives before the exit scanned at another is no
double entry once that exit arrives, and a flag raised meanwhile is cleared."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

from sync_helpers import ANNULMENT_COLUMNS, SCAN_COLUMNS, scan_row

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.db import Database
from sync import protocol
from tests.conftest import FAIR_START

MAIN, EAST = "device-main", "device-east"
SERIAL = 4242


def at(hour: int, minute: int) -> datetime:
    return clock.at(FAIR_START, time(hour, minute))


def push(database: Database, device: str, *rows: list[object]) -> None:
    document = {"events": [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [list(r) for r in rows]}]}
    with dbmod.write(database) as conn:
        protocol.apply_batch(conn, device, document, at(18, 0), device, roles="entry")


def passage(device: str, seq: int, moment: datetime, direction: str, gate: str = "main") -> list[object]:
    return scan_row(
        device,
        seq,
        device_time=clock.iso(moment),
        gate_id=gate,
        direction=direction,
        ticket_serial=SERIAL,
        type_id="day",
        result="accepted",
        reason="ok",
    )


def doubles(database: Database) -> list[str]:
    return [
        row[0] for row in database.conn.execute("SELECT key FROM sync_conflicts WHERE kind = 'double_entry'")
    ]


def test_a_late_exit_clears_the_flag_of_the_reentry_that_came_first(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    push(database, MAIN, passage(MAIN, 1, at(10, 0), "in"))
    # East's re-entry at 12:00 reaches central before main's exit at 11:00 (main offline).
    push(database, EAST, passage(EAST, 1, at(12, 0), "in", "east"))
    assert doubles(database) == [f"double_entry:{SERIAL}:sales:{FAIR_START}"]
    push(database, MAIN, passage(MAIN, 2, at(11, 0), "out"))
    assert doubles(database) == []


def test_a_reentry_at_another_gate_while_inside_stays_flagged(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    # In at main 10:00, out at main 13:00; east let the ticket in at 12:00, before that exit.
    push(database, MAIN, passage(MAIN, 1, at(10, 0), "in"), passage(MAIN, 2, at(13, 0), "out"))
    push(database, EAST, passage(EAST, 1, at(12, 0), "in", "east"))
    assert len(doubles(database)) == 1
    detail = protocol.conflicts(database.conn, "double_entry")[0]["detail"]
    assert [scan["gate"] for scan in detail["scans"]] == ["main", "east"]
    # Counted, not ordered, the day holds as many entries as exits: still a double entry.
    assert (detail["entries"], detail["exits"]) == (2, 1)


def test_annulling_the_second_entry_clears_the_flag(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    push(database, MAIN, passage(MAIN, 1, at(10, 0), "in"))
    second = passage(EAST, 1, at(10, 30), "in", "east")
    push(database, EAST, second)
    assert len(doubles(database)) == 1
    annulment = [str(uuid.uuid4()), EAST, 2, clock.iso(at(10, 31)), second[0], None]
    document = {
        "events": [
            {
                "table": "annulments",
                "columns": ANNULMENT_COLUMNS,
                "rows": [annulment],
            }
        ]
    }
    with dbmod.write(database) as conn:
        protocol.apply_batch(conn, EAST, document, at(10, 32) + timedelta(seconds=1), EAST, roles="entry")
    assert doubles(database) == []
