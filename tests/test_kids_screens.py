"""The kids' space staff screens served by a real ``kiosk serve``: who is inside with the
time since drop-off (long stays highlighted), the adults to call before closing, the
printable emergency list; all of it for kids' staff only; a kids' kiosk combined with
an entrance."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

from conftest import FAIR_START, serving
from kids_helpers import GATE_STAFF, KIDS_STAFF, call, call_bytes, make_kids_kiosk, token

from kiosk import clock, create_app, instance
from kiosk.kids import space


def test_inside_now_and_the_emergency_list_before_closing(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    database = instance.open_db(kiosk)
    space.drop_off(
        database,
        space.Adult("Rkia", "0699 87 65 43"),
        [space.NewChild("Ouissal", "3-5", "allergic to peanuts")],
        clock.at(FAIR_START, time(11)),
        places=60,
    )
    database.conn.close()
    with serving(kiosk, {"KIOSK_NOW": "2026-06-15T21:40:00+01:00"}) as (base, _process):
        assert call_bytes(base, "/kids/inside", "")[0] in (302, 200)  # log-in page, never the list
        assert b"Ouissal" not in call_bytes(base, "/kids/inside", "")[1]
        assert call_bytes(base, "/kids/inside", token(base, GATE_STAFF))[0] == 403
        staff = token(base, KIDS_STAFF)
        status, page = call_bytes(base, "/kids/inside?lang=fr", staff)
        assert status == 200
        html = page.decode()
        assert 'class="long-stay"' in html and "Ouissal" in html and re.search(r"64\d minutes", html)
        assert 'class="to-call"' in html and 'href="tel:0699 87 65 43"' in html
        status, page = call_bytes(base, "/kids/emergency?lang=ar", staff)
        html = page.decode()
        assert status == 200 and 'dir="rtl"' in html and "0699 87 65 43" in html and "peanuts" in html


def test_before_the_call_time_no_adult_is_listed(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk) as (base, _process):  # 11:00
        staff = token(base, KIDS_STAFF)
        family = {
            "adult": {"first_name": "Rkia", "phone": "0699876543"},
            "children": [{"first_name": "Ouissal", "age_band": "0-2"}],
        }
        assert call(base, "POST", "/api/v1/kids/drop-offs", family, staff)[0] == 201
        html = call_bytes(base, "/kids/inside", staff)[1].decode()
        assert "Ouissal" in html and 'class="to-call"' not in html and 'class="long-stay"' not in html


def test_a_kids_kiosk_can_also_be_an_entrance(central_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "both"
    instance.create(folder, ["entry", "kids"], name="both", gate="kids").conn.close()
    app = create_app(folder, {"TESTING": True})
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/api/v1/scans", "/api/v1/kids/drop-offs", "/kids/pick-up", "/entry/"} <= routes
    assert app.test_client().get("/").headers["Location"].startswith("/entry/")
