"""The organizer's dashboard as French and Arabic readers see it (issue 14 point 10):
fair time, names instead of ids, short codes, isolated numbers, a header with log-out."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from flask import render_template_string
from helpers import ticket

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from sync import protocol


@pytest.fixture
def central(central_dir: Path):
    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    return client


def test_times_are_the_fairs_wall_clock_not_utc(central_dir: Path) -> None:
    app = create_app(central_dir, {"TESTING": True})
    with app.test_request_context("/"):
        # November in Morocco is UTC+1 (pytz, behind Flask-Babel's own conversion, says UTC).
        shown = render_template_string("{{ '2026-11-29T18:05:00+00:00' | when }}")
    assert shown == "29/11 19:05"


def test_conflict_line_names_the_ticket_zone_and_local_time(central, central_dir: Path) -> None:
    held = ticket(central_dir, "day")
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        detail = {
            "ticket_serial": held["serial"],
            "zone": "sales",
            "date": "2026-06-15",
            "entries": 2,
            "exits": 0,
        }
        detail["scans"] = [
            {
                "uuid": f"u{n}",
                "device_id": f"d{n}",
                "gate": gate,
                "device_time": f"2026-06-15T11:2{n}:00+01:00",
            }
            for n, gate in enumerate(("main", "east"))
        ]
        protocol.flag(
            conn,
            "double_entry",
            "double_entry:test",
            None,
            detail,
            datetime.fromisoformat("2026-06-15T10:30:00+00:00"),
        )
    live = central.get("/dashboard/live?lang=fr").text
    line = " ".join(re.search(r'<li class="conflict double_entry">(.*?)</li>', live, re.S).group(1).split())
    assert held["short_code"] in line and str(held["serial"]) not in line
    assert "sales" not in line and "2 entrées" in line
    assert "11:30:00" in line and "2026-06-15T" not in line
    arabic = central.get("/dashboard/live?lang=ar").text
    assert f'<bdi dir="ltr" data-ticket>{held["short_code"]}</bdi>' in arabic
    assert "عمليتا دخول" in arabic


def test_no_ids_in_french_and_arabic_screens(central, central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        protocol.add_device(conn, "borne-est", "entry,finder", "east", clock.now())
    for language, words in (
        ("fr", ["entrée, recherche de stands"]),
        ("ar", ["المدخل، البحث عن الأروقة", "المدخل, البحث عن الأروقة"]),
    ):
        page = central.get(f"/dashboard/devices?lang={language}").text
        row = re.search(r"<td><bdi>borne-est</bdi></td>.*?</tr>", page, re.S).group(0)
        assert "entry,finder" not in row and any(word in row for word in words), row
        assert '<option value="east">' in page and ">east<" not in page


def test_camera_state_is_translated(central_dir: Path) -> None:
    app = create_app(central_dir, {"TESTING": True})
    with app.test_request_context("/?lang=fr"):
        assert render_template_string("{{ 'none' | camera_state }}") == "pas de caméra"


def test_header_has_the_event_name_and_a_log_out(central) -> None:
    page = central.get("/dashboard/?lang=fr").text
    header = re.search(r'<header class="kiosk-header dashboard-header">(.*?)</header>', page, re.S).group(1)
    assert "Salon" in header or "salon" in header
    assert 'action="/staff/logout"' in header and "Hanane" in header
