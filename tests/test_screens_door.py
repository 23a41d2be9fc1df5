"""The workshop door as staff read it (issue 14 point 8): log-in, search, verdict details,
camera line and the roster of everyone in the room, through Flask's test client."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import ticket
from sessions_helpers import START, add_session, open_db, register

from kiosk import clock, create_app

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}  # not loopback: staff authentication is needed


@pytest.fixture
def door(central_dir: Path):
    return create_app(central_dir, {"TESTING": True}).test_client()


def log_in(client, name: str = "Rachid", pin: str = "246824") -> None:
    answer = client.post("/staff/login", data={"name": name, "pin": pin}, environ_base=REMOTE)
    assert answer.status_code == 302, answer.text


def test_staff_names_are_case_insensitive(door) -> None:
    log_in(door, "rachid")
    assert "Rachid" in door.get("/sessions/", environ_base=REMOTE).text
    api = door.post("/api/v1/login", json={"name": "  RACHID ", "pin": "246824"}, environ_base=REMOTE)
    assert api.status_code == 200 and api.get_json()["role"] == "workshop"
    wrong = door.post("/staff/login", data={"name": "rachid", "pin": "0000"}, environ_base=REMOTE)
    assert wrong.status_code == 401


def test_log_in_page_is_styled_and_switches_language_keeping_next(door) -> None:
    page = door.get("/staff/login?next=/sessions/&lang=ar").text
    assert 'class="languages"' in page and 'class="login-card"' in page and "css/kiosk.css" in page
    assert 'dir="rtl"' in page
    assert "/staff/login?next=%2Fsessions%2F&amp;lang=fr" in page


def test_nobody_found_only_after_something_is_typed(door, central_dir: Path) -> None:
    session_id = add_session(open_db(central_dir))
    log_in(door)
    assert door.get(f"/sessions/{session_id}/search?q=", environ_base=REMOTE).text.strip() == ""
    assert door.get(f"/sessions/{session_id}/search?q=a", environ_base=REMOTE).text.strip() == ""
    found = door.get(f"/sessions/{session_id}/search?q=zzzz&lang=fr", environ_base=REMOTE).text
    assert "Aucune personne trouvée." in found
    assert "لم يتم العثور على أحد." in door.get(f"/sessions/{session_id}/search?q=zzzz&lang=ar").text


def test_door_without_a_camera_does_not_say_a_camera_checks_people_in(door, central_dir: Path) -> None:
    session_id = add_session(open_db(central_dir))
    log_in(door)
    door.post(f"/sessions/{session_id}/select", environ_base=REMOTE)
    page = door.get(f"/sessions/{session_id}/?lang=fr", environ_base=REMOTE).text
    assert "data-camera-here" in page and "La caméra enregistre" not in page


def test_doors_not_open_gives_the_opening_time(door, central_dir: Path) -> None:
    later = add_session(open_db(central_dir), required=False, start=START + timedelta(hours=2))
    log_in(door)
    code = ticket(central_dir, "day")["short_code"]
    verdict = door.post(f"/sessions/{later}/check-in?lang=fr", data={"code": code}, environ_base=REMOTE).text
    assert 'data-reason="session_closed"' in verdict
    assert "Ouverture des portes à 12:30." in verdict  # 13:00 start, doors 30 min before


def test_full_session_says_seats_are_held_until_the_release(door, central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=1, required=False)
    register(db, session_id, ["Inscrite Absente"])
    log_in(door)
    code = ticket(central_dir, "day")["short_code"]
    verdict = door.post(f"/sessions/{session_id}/check-in?lang=fr", data={"code": code}, environ_base=REMOTE)
    assert 'data-reason="session_full"' in verdict.text
    assert "Les places restantes sont réservées aux inscrits jusqu&#39;à 11:10." in verdict.text


def test_roster_lists_ticket_holders_and_the_no_show_rate_after_release(
    door, central_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=5, required=False)
    register(db, session_id, ["Inscrite Absente"])
    log_in(door)
    holders = [ticket(central_dir, "day", offset=n)["short_code"] for n in range(3)]
    for code in holders:
        answer = door.post(f"/sessions/{session_id}/check-in", data={"code": code}, environ_base=REMOTE)
        assert 'data-reason="ok"' in answer.text
    screen = door.get(f"/sessions/{session_id}/roster?lang=fr", environ_base=REMOTE).text
    assert all(code in screen for code in holders) and screen.count('data-kind="ticket"') == 3
    assert "Taux d'absence" not in screen  # at the start minute nobody is a no-show yet
    table = list(csv.reader(io.StringIO(door.get(f"/sessions/{session_id}/roster.csv").text)))
    assert sorted(row[2] for row in table if row[3:4] == ["ticket"]) == sorted(holders)
    assert table[-1] == ["no_show_rate", ""]
    api = door.get(f"/api/v1/sessions/{session_id}/roster", environ_base=REMOTE).get_json()
    tickets = [p for p in api["people"] if p["kind"] == "ticket"]
    assert sorted(p["short_code"] for p in tickets) == sorted(holders)
    assert all(p["status"] == "checked_in" for p in tickets) and api["no_show_rate"] is None
    monkeypatch.setenv("KIOSK_NOW", clock.iso(START + timedelta(minutes=11)))
    log_in(door)  # eleven minutes idle logged Rachid out
    after = door.get(f"/sessions/{session_id}/roster?lang=fr", environ_base=REMOTE).text
    assert "Taux d'absence" in after and "data-no-show-rate>100 %" in after
