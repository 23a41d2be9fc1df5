"""No pass-back at a gate: directions set by the gate, staff-only exits at two-way gates,
amber "not inside" exits, re-entry per ticket type; the heritage screen's places left."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.entry import attendance
from kiosk.entry.scanning import Scanner
from tests.conftest import FAIR_START
from tests.helpers import rows, ticket

STAFF_PIN = "975312"


@pytest.fixture
def db(kiosk_dir: Path):
    database = instance.open_db(kiosk_dir)
    yield database
    database.conn.close()


def at(hour: int, minute: int = 0, second: int = 0):
    return clock.at(FAIR_START, time(hour, minute, second))


def test_exit_of_a_ticket_that_never_came_in_is_amber_and_not_counted(db, kiosk_dir: Path) -> None:
    scanner = Scanner(debounce_seconds=0)
    payload = ticket(kiosk_dir, "day")["payload"]
    verdict = scanner.scan(db, payload, "main", "out", at(11))
    assert (verdict.ok, verdict.reason, verdict.level) == (False, "not_inside", "amber")
    assert rows(kiosk_dir, "SELECT result, reason FROM scans")[0][:] == ("refused", "not_inside")
    figures = attendance.day_figures(db.conn, FAIR_START)
    assert figures["exits"] == 0 and figures["not_inside"] == 1
    # In, then out: a real exit; out again: not inside any more.
    assert scanner.scan(db, payload, "main", "in", at(11, 1)).ok
    assert scanner.scan(db, payload, "main", "out", at(11, 2)).ok
    assert scanner.scan(db, payload, "main", "out", at(11, 3)).reason == "not_inside"
    figures = attendance.day_figures(db.conn, FAIR_START)
    assert (figures["entries"], figures["exits"], figures["not_inside"]) == (1, 1, 2)


def test_reentry_after_exit_is_set_per_ticket_type(db, kiosk_dir: Path) -> None:
    scanner = Scanner(debounce_seconds=0)
    assert rows(kiosk_dir, "SELECT reentry FROM ticket_types WHERE id = 'workshop'")[0][0] == 0
    day, seat = ticket(kiosk_dir, "day")["payload"], ticket(kiosk_dir, "workshop")["payload"]
    for payload in (day, seat):
        assert scanner.scan(db, payload, "main", "in", at(11)).ok
        assert scanner.scan(db, payload, "south-exit", "out", at(12)).ok
    assert scanner.scan(db, day, "east", "in", at(13)).ok
    assert scanner.scan(db, seat, "east", "in", at(13)).reason == "no_reentry"


def test_exit_only_gate_scans_exits_without_being_told(kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "pass")["payload"]
    Scanner().scan(instance.open_db(kiosk_dir), payload, "main", "in", at(10, 30))
    client = create_app(kiosk_dir, {"TESTING": True, "GATE": "south-exit"}).test_client()
    screen = client.get("/entry/").text
    assert 'name="direction" value="out"' in screen and 'type="radio"' not in screen
    answer = client.post("/entry/scan", data={"code": payload, "direction": "out"})
    assert 'data-level="green"' in answer.text and "Au revoir" in answer.text
    assert client.post("/api/v1/scans", json={"code": payload}).json["direction"] == "out"
    # An entry at an exit-only gate is not possible: the screen calls staff.
    assert client.post("/entry/scan", data={"code": payload, "direction": "in"}).status_code == 409


def test_two_way_gate_visitors_cannot_choose_exit_staff_can(client, kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    with dbmod.write(database) as conn:
        accounts.add_staff(conn, "Nadia", "gate", STAFF_PIN)
    payload = ticket(kiosk_dir, "day")["payload"]
    screen = client.get("/entry/").text
    assert 'type="radio"' not in screen and 'name="direction" value="in"' in screen
    assert 'data-level="green"' in client.post("/entry/scan", data={"code": payload}).text
    refused = client.post("/entry/scan", data={"code": payload, "direction": "out"})
    assert refused.status_code == 403 and 'data-level="call-staff"' in refused.text
    assert rows(kiosk_dir, "SELECT count(*) FROM scans WHERE direction = 'out'")[0][0] == 0
    client.post("/staff/login", data={"name": "Nadia", "pin": STAFF_PIN})
    screen = client.get("/entry/").text
    assert 'type="radio" name="direction" value="out"' in screen
    exit_answer = client.post("/entry/scan", data={"code": payload, "direction": "out"})
    assert 'data-level="green"' in exit_answer.text
    assert rows(kiosk_dir, "SELECT result FROM scans WHERE direction = 'out'")[0][0] == "accepted"


def test_heritage_screen_shows_its_limit_and_places_left(kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    with dbmod.write(database) as conn:
        conn.execute("UPDATE gates SET occupancy_limit = 10 WHERE id = 'heritage'")
    scanner = Scanner(debounce_seconds=0)
    for offset in range(8):
        assert scanner.scan(database, ticket(kiosk_dir, "pass", offset)["payload"], "heritage", "in").ok
    client = create_app(kiosk_dir, {"TESTING": True, "GATE": "heritage"}).test_client()
    stats = client.get("/entry/stats").text
    assert 'id="places-left">2<' in stats and "places libres sur 10" in stats
    assert "near-limit" not in stats
    scanner.scan(database, ticket(kiosk_dir, "pass", 8)["payload"], "heritage", "in")
    stats = client.get("/entry/stats").text
    assert 'id="places-left">1<' in stats and "near-limit" in stats
    assert 'id="peak-zone">9<' in stats


def test_browser_camera_keeps_the_two_way_gate_rule(kiosk_dir: Path) -> None:
    """A phone camera page cannot record an exit at a two-way gate without staff either."""
    # No browser debounce: the same frame is shown before and after the log-in.
    client = create_app(kiosk_dir, {"TESTING": True, "CAMERA_DEBOUNCE_SECONDS": 0.0}).test_client()
    import cv2
    import numpy as np

    from kiosk.camera.synthetic import ticket_frame

    database = instance.open_db(kiosk_dir)
    with dbmod.write(database) as conn:
        accounts.add_staff(conn, "Nadia", "gate", STAFF_PIN)
    payload = ticket(kiosk_dir, "day")["payload"]
    Scanner().scan(database, payload, "main", "in", at(10, 30))
    frame = cv2.imencode(".jpg", ticket_frame(payload, np.random.default_rng(6), size=(800, 450)))[1]
    assert 'name="direction"' not in client.get("/camera/browser").text
    refused = client.post("/camera/browser/frame?direction=out", data=frame.tobytes())
    assert refused.status_code == 400
    assert rows(kiosk_dir, "SELECT count(*) FROM scans WHERE direction = 'out'")[0][0] == 0
    client.post("/staff/login", data={"name": "Nadia", "pin": STAFF_PIN})
    assert 'name="direction" value="out"' in client.get("/camera/browser").text
    exit_answer = client.post("/camera/browser/frame?direction=out", data=frame.tobytes())
    assert exit_answer.status_code == 200 and 'data-level="green"' in exit_answer.text
    assert rows(kiosk_dir, "SELECT result FROM scans WHERE direction = 'out'")[0][0] == "accepted"
