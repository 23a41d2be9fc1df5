"""One mechanism for repeats and cancellations at the gate and at the session door
(kiosk.verdict_log): a code seen again moments ago is the first verdict, recorded once;
a cancelled verdict is decided afresh."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

from kiosk import clock, instance, verdict_log
from kiosk.entry import scanning
from tests.conftest import FAIR_START
from tests.helpers import rows, ticket


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return clock.at(FAIR_START, time(hour, minute, second))


def test_a_code_scanned_again_after_its_annulment_is_decided_afresh(kiosk_dir: Path) -> None:
    db = instance.open_db(kiosk_dir)
    scanner = scanning.Scanner(debounce_seconds=4)
    payload = ticket(kiosk_dir, "day")["payload"]
    first = scanner.scan(db, payload, "main", "in", at(11))
    assert scanning.annul(db, str(first.scan_uuid), 5, at(11, 0, 1)) == "ok"
    again = scanner.scan(db, payload, "main", "in", at(11, 0, 2))
    assert again.ok and not again.repeat and again.scan_uuid != first.scan_uuid
    assert scanner.scan(db, payload, "main", "in", at(11, 0, 3)).repeat
    assert len(rows(kiosk_dir, "SELECT * FROM scans")) == 2


def test_a_repeat_is_the_same_code_at_the_same_place(kiosk_dir: Path) -> None:
    db = instance.open_db(kiosk_dir)
    digest = verdict_log.code_digest(ticket(kiosk_dir, "day")["payload"])
    scanning.Scanner().scan(db, ticket(kiosk_dir, "day")["payload"], "main", "in", at(11))
    place = {"gate_id": "main", "direction": "in"}
    assert verdict_log.repeat_of(db.conn, verdict_log.SCANS, digest, place, at(11, 0, 3), 4) is not None
    assert verdict_log.repeat_of(db.conn, verdict_log.SCANS, digest, place, at(11, 0, 5), 4) is None
    elsewhere = {"gate_id": "main", "direction": "out"}
    assert verdict_log.repeat_of(db.conn, verdict_log.SCANS, digest, elsewhere, at(11, 0, 3), 4) is None
