"""The verdict path on a real kiosk database: every reason code end to end, debounce,
annulment, walk-ins and the attendance figures they produce."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import clock, instance
from kiosk.db import Database
from kiosk.entry import attendance, scanning, tally
from kiosk.tickets import codec, issuing, shortcode
from tests.conftest import FAIR_START
from tests.helpers import rows, ticket

DAY2 = FAIR_START + timedelta(days=1)


def at(hour: int, minute: int = 0, second: int = 0, day: date = FAIR_START) -> datetime:
    return clock.at(day, time(hour, minute, second))


@pytest.fixture
def db(kiosk_dir: Path) -> Database:
    return instance.open_db(kiosk_dir)


@pytest.fixture
def scanner() -> scanning.Scanner:
    return scanning.Scanner(debounce_seconds=4)


def figures(db: Database, day: date = FAIR_START) -> dict:
    return attendance.day_figures(db.conn, day)


def test_day_ticket_enters_and_counts(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    verdict = scanner.scan(db, payload, "main", "in", at(11))
    assert (verdict.ok, verdict.reason, verdict.level, verdict.ticket_type) == (True, "ok", "green", "day")
    stored = rows(kiosk_dir, "SELECT * FROM scans WHERE uuid = ?", (verdict.scan_uuid,))
    assert stored[0]["result"] == "accepted" and stored[0]["device_seq"] == 1
    assert figures(db)["entries"] == 1 and figures(db)["inside"]["sales"] == 1


def test_camera_seeing_a_code_twice_is_one_scan(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    first = scanner.scan(db, payload, "main", "in", at(11))
    again = scanner.scan(db, payload, "main", "in", at(11, 0, 2))
    assert again.ok and again.repeat and again.scan_uuid == first.scan_uuid
    assert len(rows(kiosk_dir, "SELECT * FROM scans")) == 1
    later = scanner.scan(db, payload, "main", "in", at(11, 0, 10))
    assert later.reason == "already_inside" and not later.repeat


def test_refusals_are_debounced_too(db, scanner, kiosk_dir: Path) -> None:
    assert scanner.scan(db, "garbage", "main", "in", at(11)).reason == "unknown_format"
    assert scanner.scan(db, "garbage", "main", "in", at(11, 0, 1)).repeat
    assert len(rows(kiosk_dir, "SELECT * FROM scans")) == 1


def test_exit_then_reentry(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    assert scanner.scan(db, payload, "main", "in", at(11)).ok
    assert scanner.scan(db, payload, "east", "out", at(12)).ok
    assert figures(db)["inside"]["sales"] == 0
    assert scanner.scan(db, payload, "east", "in", at(13)).ok
    day = figures(db)
    assert (day["entries"], day["exits"], day["unique_visitors"]) == (2, 1, 1)


def test_pass_counts_once_per_day(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "pass")["payload"]
    for hour in (11, 15):
        assert scanner.scan(db, payload, "main", "in", at(hour)).ok
        assert scanner.scan(db, payload, "main", "out", at(hour, 30)).ok
    assert scanner.scan(db, payload, "main", "in", at(11, day=DAY2)).ok
    assert figures(db)["unique_visitors"] == 1
    assert figures(db, DAY2)["unique_visitors"] == 1
    assert figures(db)["entries"] == 2


def test_exhibitors_are_not_visitors(db, scanner, kiosk_dir: Path) -> None:
    assert scanner.scan(db, ticket(kiosk_dir, "exhibitor")["payload"], "main", "in", at(8, 30)).ok
    day = figures(db)
    assert day["entries"] == 1 and day["unique_visitors"] == 0


def test_outside_hours_and_early_access(db, scanner, kiosk_dir: Path) -> None:
    assert scanner.scan(db, ticket(kiosk_dir, "day")["payload"], "main", "in", at(8, 30)).reason == (
        "outside_hours"
    )
    assert scanner.scan(db, ticket(kiosk_dir, "staff")["payload"], "main", "in", at(8, 30)).ok


def test_not_valid_today(db, scanner, kiosk_dir: Path) -> None:
    tomorrow = next(
        iter(
            rows(
                kiosk_dir.parent / "central",  # payloads stay on central
                "SELECT payload FROM tickets WHERE type_id = 'day' AND valid_from = ?",
                (DAY2.isoformat(),),
            )
        )
    )
    assert scanner.scan(db, tomorrow["payload"], "main", "in", at(11)).reason == "not_valid_today"


def test_wrong_zone(db, scanner, kiosk_dir: Path) -> None:
    verdict = scanner.scan(db, ticket(kiosk_dir, "workshop")["payload"], "heritage", "in", at(11))
    assert (verdict.reason, verdict.level) == ("wrong_zone", "amber")


def test_zone_full(db, scanner, kiosk_dir: Path) -> None:
    db.conn.execute("UPDATE gates SET occupancy_limit = 2 WHERE id = 'kids'")
    payloads = [ticket(kiosk_dir, "child", i)["payload"] for i in range(3)]
    assert scanner.scan(db, payloads[0], "kids", "in", at(11)).ok
    assert scanner.scan(db, payloads[1], "kids", "in", at(11, 1)).ok
    assert scanner.scan(db, payloads[2], "kids", "in", at(11, 2)).reason == "zone_full"
    assert scanner.scan(db, payloads[0], "kids", "out", at(11, 3)).ok
    assert scanner.scan(db, payloads[2], "kids", "in", at(11, 4)).ok


def test_revoked(db, scanner, kiosk_dir: Path) -> None:
    row = ticket(kiosk_dir, "day")
    db.conn.execute("INSERT INTO revocations VALUES (?, 'lost', ?)", (row["serial"], clock.iso(at(9))))
    verdict = scanner.scan(db, row["payload"], "main", "in", at(11))
    assert (verdict.reason, verdict.level) == ("revoked", "red")


def test_unknown_key(db, scanner, central_dir: Path) -> None:
    stranger = Ed25519PrivateKey.generate()
    payload = issuing.sign_payload(stranger, 99, 1, FAIR_START, 1, 12345)
    assert scanner.scan(db, payload, "main", "in", at(11)).reason == "unknown_key"


def test_forged_with_the_right_key_id(db, scanner) -> None:
    forger = Ed25519PrivateKey.generate()
    payload = issuing.sign_payload(forger, 1, 1, FAIR_START, 1, 12345)
    assert scanner.scan(db, payload, "main", "in", at(11)).reason == "invalid_signature"


def test_one_character_changed_is_never_admitted(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "pass")["payload"]
    reasons = set()
    for position in range(len(codec.PREFIX), len(payload)):
        replacement = "0" if payload[position] != "0" else "1"
        altered = payload[:position] + replacement + payload[position + 1 :]
        verdict = scanner.scan(db, altered, "main", "in", at(11, 0, 0) + timedelta(seconds=position * 5))
        assert not verdict.ok, position
        reasons.add(verdict.reason)
    assert "invalid_signature" in reasons
    assert reasons <= {"invalid_signature", "unknown_format", "unknown_key"}
    assert figures(db)["entries"] == 0


def test_typed_short_code(db, scanner, kiosk_dir: Path) -> None:
    row = ticket(kiosk_dir, "day")
    typed = row["short_code"].lower().replace("-", " ")
    verdict = scanner.scan(db, typed, "main", "in", at(11))
    assert verdict.ok and verdict.short_code == row["short_code"]


def test_typed_short_code_unknown_or_mistyped(db, scanner, kiosk_dir: Path) -> None:
    known = {r["serial"] for r in rows(kiosk_dir, "SELECT serial FROM tickets")}
    serial = next(s for s in range(1, 100) if s not in known)
    assert scanner.scan(db, shortcode.encode(serial), "main", "in", at(11)).reason == "unknown_ticket"
    mistyped = scanner.scan(db, "ABC-DEF-GHX", "main", "in", at(11))  # X is not its check symbol
    assert (mistyped.reason, mistyped.level) == ("mistyped_code", "amber")


@pytest.mark.parametrize(
    "code",
    [
        "",
        " ",
        "\x00",
        "😀" * 50,
        "x" * 1_000_000,
        b"\xff\xfe\xfd",
        b"\x00" * 1000,
        "SK1:" + "%" * 113,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
    ],
)
def test_bad_input_is_refused_and_skews_nothing(db, scanner, code: str | bytes) -> None:
    verdict = scanner.scan(db, code, "main", "in", at(11))
    assert not verdict.ok and verdict.reason == "unknown_format" and verdict.level == "red"
    assert figures(db)["entries"] == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_random_input_is_never_admitted(db, scanner, code: str | bytes) -> None:
    assert not scanner.scan(db, code, "main", "in", at(11)).ok


def test_unknown_gate_or_direction_is_an_error_not_a_verdict(db, scanner) -> None:
    with pytest.raises(scanning.GateError):
        scanner.scan(db, "x", "nowhere", "in", at(11))
    with pytest.raises(scanning.GateError):
        scanner.scan(db, "x", "main", "sideways", at(11))


def test_annul_within_the_window(db, scanner, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    verdict = scanner.scan(db, payload, "main", "in", at(11))
    assert scanning.annul(db, verdict.scan_uuid, 5, at(11, 2)) == "ok"
    assert scanning.annul(db, verdict.scan_uuid, 5, at(11, 3)) == "already_annulled"
    assert figures(db)["entries"] == 0 and figures(db)["unique_visitors"] == 0
    assert scanner.scan(db, payload, "main", "in", at(11, 4)).ok, "annulled entry is not 'inside'"


def test_annul_too_late_or_unknown(db, scanner, kiosk_dir: Path) -> None:
    verdict = scanner.scan(db, ticket(kiosk_dir, "day")["payload"], "main", "in", at(11))
    assert scanning.annul(db, verdict.scan_uuid, 5, at(11, 6)) == "too_late"
    assert scanning.annul(db, "no-such-scan", 5, at(11, 6)) == "not_found"


def test_walk_ins_count_into_the_figures(db, scanner, kiosk_dir: Path) -> None:
    tally.record_walk_in(db, "main", "adult", moment=at(11))
    tally.record_walk_in(db, "main", "child", moment=at(11, 1))
    tally.record_walk_in(db, "east", "group", 12, moment=at(11, 2))
    scanner.scan(db, ticket(kiosk_dir, "day")["payload"], "main", "in", at(11, 3))
    day = figures(db)
    assert day["entries"] == 15 and day["unique_visitors"] == 15 and day["inside"]["sales"] == 15
    assert day["walk_ins"] == {"adult": 1, "child": 1, "group": 12}
    assert day["entries_by_gate"] == {"east": 12, "main": 3}
    with pytest.raises(ValueError):
        tally.record_walk_in(db, "main", "group", 0, moment=at(11))
    with pytest.raises(ValueError):
        tally.record_walk_in(db, "main", "alien", moment=at(11))


def test_peak_and_hours(db, scanner, kiosk_dir: Path) -> None:
    payloads = [ticket(kiosk_dir, "pass", i)["payload"] for i in range(3)]
    for i, payload in enumerate(payloads):
        scanner.scan(db, payload, "main", "in", at(10, 10 * i))
    scanner.scan(db, payloads[0], "main", "out", at(11, 5))
    day = figures(db)
    assert day["peak"]["sales"] == 3 and day["inside"]["sales"] == 2
    assert day["entries_per_hour"] == [
        {"hour": 10, "gate": "main", "zone": "sales", "fair_entrance": True, "entries": 3}
    ]


def test_scan_after_midnight_counts_for_the_evening(db, scanner, kiosk_dir: Path) -> None:
    last_evening = FAIR_START + timedelta(days=6)  # the demo's late days close at 00:30
    payload = ticket(kiosk_dir, "pass")["payload"]
    after_midnight = clock.at(last_evening + timedelta(days=1), time(0, 15))
    assert scanner.scan(db, payload, "main", "in", clock.at(last_evening, time(23))).ok
    verdict = scanner.scan(db, payload, "main", "out", after_midnight)
    assert verdict.ok, "the evening's entry is found: the exit belongs to the same fair day"
    assert {r["fair_date"] for r in rows(kiosk_dir, "SELECT fair_date FROM scans")} == {
        last_evening.isoformat()
    }


def test_sequence_numbers_are_contiguous_across_event_kinds(db, scanner, kiosk_dir: Path) -> None:
    verdict = scanner.scan(db, ticket(kiosk_dir, "day")["payload"], "main", "in", at(11))
    tally.record_walk_in(db, "main", "adult", moment=at(11, 1))
    scanning.annul(db, verdict.scan_uuid, 5, at(11, 2))
    seqs = sorted(
        r[0]
        for r in rows(
            kiosk_dir,
            "SELECT device_seq FROM scans UNION ALL SELECT device_seq"
            " FROM walk_ins UNION ALL SELECT device_seq FROM annulments",
        )
    )
    assert seqs == [1, 2, 3]


def test_hours_and_order_use_the_measured_clock_offset(db, scanner, kiosk_dir: Path) -> None:
    # What central knows after a sync: this device's clock runs one hour ahead.
    device_id = rows(kiosk_dir, "SELECT id FROM device")[0]["id"]
    db.conn.execute(
        "INSERT INTO sync_devices (name, device_id, role, created_at, clock_offset)"
        " VALUES ('fast', ?, 'entry', '2026-06-01', 3600)",
        (device_id,),
    )
    payload = ticket(kiosk_dir, "day")["payload"]
    scanner.scan(db, payload, "main", "in", at(12, 30))  # really 11:30
    assert figures(db)["entries_per_hour"] == [
        {"hour": 11, "gate": "main", "zone": "sales", "fair_entrance": True, "entries": 1}
    ]
