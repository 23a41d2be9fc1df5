"""The kids' space end to end: a real ``kiosk serve`` of a kids' kiosk (and a real central
for sync) on real SQLite files: drop-off, refused receipts, pick-up, the supervisor's
release, capacity, the end-of-day wipe, and what reaches central."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from conftest import FAIR_START, serving
from kids_helpers import (
    GATE_STAFF,
    KIDS_LEAD,
    KIDS_STAFF,
    ORGANIZER,
    call,
    call_bytes,
    every_text,
    form,
    make_kids_kiosk,
    rows,
    token,
)
from sync_helpers import enroll

from kiosk.kids.receipt import receipt_payload

FAMILY = {
    "adult": {"first_name": "Rkia", "phone": "0699 87 65 43"},
    "children": [
        {"first_name": "Ouissal", "age_band": "3-5", "note": "allergic to peanuts"},
        {"first_name": "Bahaa", "age_band": "6-8"},
    ],
}


def test_drop_off_two_children_refused_receipts_then_pick_up(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk) as (base, _process):
        assert call(base, "POST", "/api/v1/kids/drop-offs", FAMILY)[0] == 401
        gate_staff = token(base, GATE_STAFF)
        assert call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, gate_staff)[0] == 403
        staff = token(base, KIDS_STAFF)
        status, dropped = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)
        assert status == 201, dropped
        code = dropped["code"]
        assert len(code) == 4 and not set(code) & set("ILOU")
        assert [c["first_name"] for c in dropped["children"]] == ["Ouissal", "Bahaa"]

        status, inside = call(base, "GET", "/api/v1/kids/inside", token=staff)
        assert status == 200 and inside["inside"] == 2 and inside["capacity"] == 60
        assert {c["first_name"] for c in inside["children"]} == {"Ouissal", "Bahaa"}
        assert all(c["minutes"] == 0 and not c["long_stay"] for c in inside["children"])

        other = "ZZZZ" if code != "ZZZZ" else "YYYY"
        assert (
            call(base, "POST", "/api/v1/kids/pick-ups", {"code": other}, staff)[1]["reason"] == "unknown_code"
        )
        yesterday = receipt_payload(code, date(2026, 6, 14))
        refused = call(base, "POST", "/api/v1/kids/pick-ups", {"code": yesterday}, staff)
        assert refused[0] == 409 and refused[1]["ok"] is False and refused[1]["reason"] == "not_today"

        status, picked = call(
            base, "POST", "/api/v1/kids/pick-ups", {"code": receipt_payload(code, FAIR_START)}, staff
        )
        assert status == 200, picked
        assert {(c["first_name"], c["note"]) for c in picked["children"]} == {
            ("Ouissal", "allergic to peanuts"),
            ("Bahaa", ""),
        }
        again = call(base, "POST", "/api/v1/kids/pick-ups", {"code": code.lower()}, staff)
        assert again[1]["reason"] == "already_picked_up"
        assert call(base, "GET", "/api/v1/kids/inside", token=staff)[1]["inside"] == 0
    counts = rows(kiosk, "SELECT drop_offs, pick_ups, inside FROM kids_counts ORDER BY device_seq")
    assert counts == [(2, 0, 2), (2, 2, 0)]


def test_the_supervisor_releases_without_receipt_after_the_phone_check(
    central_dir: Path, tmp_path: Path
) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk) as (base, process):
        staff = token(base, KIDS_STAFF)
        dropped = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)[1]
        child = dropped["children"][0]["id"]
        # Kids' staff cannot release without a receipt: the space's supervisor only.
        assert form(base, f"/kids/release/{child}", {"phone": "0699876543"}, staff)[0] == 403
        lead = token(base, KIDS_LEAD)
        # Only the supervisor's Inside now list offers the release.
        release = f"/kids/release/{child}".encode()
        assert release not in call_bytes(base, "/kids/inside/list", staff)[1]
        assert release in call_bytes(base, "/kids/inside/list", lead)[1]
        status, page = form(base, f"/kids/release/{child}", {"phone": "0661 99 99 99"}, lead)
        assert status == 200 and 'data-reason="wrong_phone"' in page
        status, page = form(base, f"/kids/release/{child}", {"phone": "+212 699 876 543"}, lead)
        assert status == 200 and "kids-handed" in page
        inside = call(base, "GET", "/api/v1/kids/inside", token=staff)[1]
        assert [c["first_name"] for c in inside["children"]] == ["Bahaa"]
        status, page = form(base, f"/kids/release/{child}", {"phone": "+212 699 876 543"}, lead)
        assert 'data-reason="not_inside"' in page
    logged = process.stderr.read().decode() if process.stderr else ""
    assert "released without receipt by Nadia (phone checked)" in logged
    assert rows(kiosk, "SELECT staff_name, children FROM kids_overrides") == [("Nadia", 1)]
    assert rows(kiosk, "SELECT picked_up_by FROM kids_children WHERE id = ?", (child,)) == rows(
        kiosk, "SELECT id FROM staff WHERE name = 'Nadia'"
    )


def test_a_full_space_refuses_the_drop_off(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids", limit=3)
    with serving(kiosk) as (base, _process):
        staff = token(base, KIDS_STAFF)
        assert call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)[0] == 201
        status, refused = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)
        assert status == 409 and refused["reason"] == "zone_full" and refused["message"]
        one = {**FAMILY, "children": FAMILY["children"][:1]}
        assert call(base, "POST", "/api/v1/kids/drop-offs", one, staff)[0] == 201
        assert call(base, "POST", "/api/v1/kids/drop-offs", one, staff)[1]["reason"] == "zone_full"
        assert call(base, "GET", "/api/v1/kids/inside", token=staff)[1]["inside"] == 3


def test_end_of_day_wipe_leaves_counts_only(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk) as (base, _process):
        staff = token(base, KIDS_STAFF)
        code = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)[1]["code"]
        call(base, "POST", "/api/v1/kids/pick-ups", {"code": code}, staff)
        call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)  # still inside at closing
    assert "Ouissal" in every_text(kiosk)
    # A backup taken during the day holds the same names: the wipe removes it too.
    (kiosk / "backups").mkdir(exist_ok=True)
    earlier = kiosk / "backups" / "kiosk-20260615-120000-000.db.gz"
    earlier.write_bytes(b"a backup of the day")
    # The fair day closes at 22:00: a kiosk serving after that wipes on its own.
    with serving(kiosk, {"KIOSK_NOW": "2026-06-15T22:00:30+01:00"}) as (_base, process):
        deadline = time.monotonic() + 20
        while not rows(kiosk, "SELECT 1 FROM kids_wipes") and time.monotonic() < deadline:
            time.sleep(0.2)
    logged = process.stderr.read().decode() if process.stderr else ""
    assert "names and phones of 2026-06-15 wiped (2 drop-offs, 4 children)" in logged
    assert not earlier.exists()
    text = every_text(kiosk)
    for personal in ("Ouissal", "Bahaa", "Rkia", "peanuts", "0699 87 65 43"):
        assert personal not in text
    assert rows(kiosk, "SELECT count(*) FROM kids_children") == [(0,)]
    assert rows(kiosk, "SELECT fair_date, drop_offs, children, still_inside FROM kids_wipes") == [
        ("2026-06-15", 2, 4, 2)
    ]
    last = rows(kiosk, "SELECT drop_offs, pick_ups, inside FROM kids_counts ORDER BY device_seq DESC LIMIT 1")
    assert last == [(4, 2, 2)]


def test_central_gets_counts_and_nothing_personal(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _central_process):
        kiosk = enroll(central, central_dir, tmp_path / "kids", "kids", "kids", "kids")
        # No organizer account reaches the kids' kiosk; its supervisor's does (releases
        # without a receipt).
        assert rows(kiosk, "SELECT count(*) FROM staff WHERE role = 'organizer'") == [(0,)]
        assert rows(kiosk, "SELECT name FROM staff WHERE role = 'kids_lead'") == [("Nadia",)]
        with serving(kiosk) as (base, _process):
            staff = token(base, KIDS_STAFF)
            code = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)[1]["code"]
            call(base, "POST", "/api/v1/kids/pick-ups", {"code": code}, staff)
            call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)
            deadline = time.monotonic() + 30
            while rows(central_dir, "SELECT count(*) FROM kids_counts") != [(3,)]:
                assert time.monotonic() < deadline, "the counts never reached central"
                time.sleep(0.3)
        # The organizers' dashboard shows the counts (the latest of the kiosk).
        status, live = call_bytes(central, "/dashboard/live", token(central, ORGANIZER))
        assert status == 200 and b'id="kids-drop-offs">4<' in live and b'id="kids-inside">2<' in live
    stored = rows(
        central_dir,
        "SELECT drop_offs, pick_ups, inside, longest_stay_minutes FROM kids_counts ORDER BY device_seq",
    )
    assert stored == [(2, 0, 2, 0), (2, 2, 0, 0), (4, 2, 2, 0)]
    held = every_text(central_dir)
    for personal in ("Rkia", "Ouissal", "Bahaa", "peanuts", "0699 87 65 43", "699876543"):
        assert personal not in held
