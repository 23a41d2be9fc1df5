"""The session door on real SQLite files: codes, waitlist, walk-ins, undo, roster, offline kiosk."""

from __future__ import annotations

from pathlib import Path

import base45
import pytest
from helpers import rows, ticket
from sessions_helpers import add_session, at, open_db, register

from kiosk import bundle, events, instance, reference, settings
from kiosk import db as dbmod
from kiosk.sessions import checkin, registrations
from kiosk.sessions.checkin import DoorSettings, check_in_code

FAST = DoorSettings(debounce_seconds=0)


def reason(db, session_id: str, code: str, minutes: float, settings: DoorSettings = FAST) -> str:
    """The reason code of a check-in ``minutes`` after the test session's start."""
    return check_in_code(db, session_id, code, at(minutes), settings=settings).reason


def test_registration_qr_short_code_and_ticket_all_check_in(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=5)
    day_ticket = ticket(central_dir, "day")
    made = register(db, session_id, ["Amal", "Badr", "Chama"], [None, None, day_ticket["serial"]])
    by_qr = check_in_code(db, session_id, registrations.qr_text(str(made[0]["token"])), at(-5), settings=FAST)
    assert (by_qr.reason, by_qr.name, by_qr.late) == ("ok", "Amal", False)
    by_short = check_in_code(
        db, session_id, str(made[1]["short_code"]).lower().replace("-", ""), at(2), settings=FAST
    )
    assert (by_short.reason, by_short.name, by_short.late) == ("ok", "Badr", True)
    by_ticket = check_in_code(db, session_id, day_ticket["short_code"], at(3), settings=FAST)
    assert (by_ticket.reason, by_ticket.name) == ("ok", "Chama")
    again = check_in_code(db, session_id, day_ticket["payload"], at(4), settings=FAST)
    assert again.reason == "already_checked_in" and again.status == "checked_in"
    stored = rows(central_dir, "SELECT result, reason, late FROM session_checkins ORDER BY device_seq")
    assert [tuple(r) for r in stored] == [
        ("accepted", "ok", 0),
        ("accepted", "ok", 1),
        ("accepted", "ok", 1),
        ("refused", "already_checked_in", 0),
    ]


def test_ticket_level_refusals_come_from_the_ticket_code_path(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=5, required=False)
    payload = ticket(central_dir, "day")["payload"]
    raw = bytearray(base45.b45decode(payload[4:]))
    raw[-1] ^= 1  # one bit of the signature
    tampered = "SK1:" + base45.b45encode(bytes(raw)).decode()
    revoked = ticket(central_dir, "day", offset=1)
    with dbmod.write(db) as conn:
        conn.execute(
            "INSERT INTO revocations VALUES (?, 'lost', '2026-06-14T10:00:00+01:00')", (revoked["serial"],)
        )
    cases = {
        "hello": "unknown_format",
        "": "unknown_format",
        "X" * 5000: "unknown_format",
        "000-000-0Z!": "unknown_format",
        tampered: "invalid_signature",
        revoked["short_code"]: "revoked",
        "SK1:" + base45.b45encode(b"\x7f\x7f" + bytes(raw[2:])).decode(): "unknown_key",
    }
    for code, reason in cases.items():
        verdict = check_in_code(db, session_id, code, at(0), settings=FAST)
        assert verdict.reason == reason, code[:20]
        assert not verdict.ok and verdict.level == "red"


def test_unknown_ticket_short_code(central_dir: Path) -> None:
    from kiosk.tickets import shortcode

    db = open_db(central_dir)
    session_id = add_session(db, required=False)
    assert reason(db, session_id, shortcode.encode(12345), 0, FAST) == "unknown_ticket"


def test_registration_of_another_session_is_not_registered_even_at_an_open_session(central_dir: Path) -> None:
    db = open_db(central_dir)
    open_session = add_session(db, required=False)
    other = add_session(db, title="Autre atelier")
    made = register(db, other, ["Dounia"])
    assert reason(db, open_session, registrations.qr_text(str(made[0]["token"])), 0) == "not_registered"
    assert reason(db, open_session, "SKR1:NOSUCHTOKEN", 0, FAST) == "not_registered"


def test_registration_required_refuses_an_unregistered_ticket(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db)
    verdict = check_in_code(db, session_id, ticket(central_dir, "pass")["payload"], at(0), settings=FAST)
    assert verdict.reason == "not_registered" and verdict.level == "amber"


def test_session_closed_outside_the_doors_hours(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db)
    made = register(db, session_id, ["Elias"])
    assert reason(db, session_id, str(made[0]["short_code"]), -31, FAST) == "session_closed"
    assert reason(db, session_id, str(made[0]["short_code"]), 120, FAST) == "session_closed"


def test_waitlist_waits_then_moves_up_on_cancellation(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=2)
    made = register(db, session_id, ["Farah", "Ghita", "Hamza", "Ilyas"])
    waiting = check_in_code(db, session_id, str(made[2]["short_code"]), at(-10), settings=FAST)
    assert (waiting.reason, waiting.status) == ("session_full", "waitlist")
    with dbmod.write(db) as conn:
        assert registrations.cancel(conn, str(made[0]["id"]), at(-9))
        assert not registrations.cancel(conn, str(made[0]["id"]), at(-9))
    moved = check_in_code(db, session_id, str(made[2]["short_code"]), at(-8), settings=FAST)
    assert (moved.reason, moved.status) == ("ok", "confirmed")
    cancelled = check_in_code(db, session_id, str(made[0]["short_code"]), at(-7), settings=FAST)
    assert cancelled.reason == "not_registered" and cancelled.status == "cancelled"
    figures, _ = checkin.occupancy(db.conn, session_id, at(-7), FAST)
    assert (figures.checked_in, figures.held, figures.waitlist, figures.free) == (1, 1, 1, 0)


def test_no_shows_release_their_seats_after_the_set_time(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=2)
    made = register(db, session_id, ["Jamal", "Kenza", "Lina"])
    assert check_in_code(db, session_id, str(made[0]["short_code"]), at(-3), settings=FAST).ok
    # Kenza holds the last seat until 10 minutes after the start.
    assert reason(db, session_id, str(made[2]["short_code"]), 9, FAST) == "session_full"
    figures, _ = checkin.occupancy(db.conn, session_id, at(10), FAST)
    assert figures.statuses[str(made[2]["id"])] == "confirmed"
    assert figures.statuses[str(made[1]["id"])] == "no_show"
    late = check_in_code(db, session_id, str(made[2]["short_code"]), at(10), settings=FAST)
    assert (late.reason, late.late) == ("ok", True)
    # Kenza comes after all: the room is full now.
    assert reason(db, session_id, str(made[1]["short_code"]), 12, FAST) == "session_full"


def test_the_no_show_time_comes_from_the_config(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=1)
    made = register(db, session_id, ["Hajar", "Idriss"])
    config = settings.defaults() | {"SESSION_NO_SHOW_MINUTES": 30, "DEBOUNCE_SECONDS": 0}
    later = DoorSettings.from_config(config)
    assert reason(db, session_id, str(made[1]["short_code"]), 20, later) == "session_full"
    assert reason(db, session_id, str(made[1]["short_code"]), 30, later) == "ok"


def test_walk_ins_while_seats_are_left_then_full(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=2)
    register(db, session_id, ["Mehdi"])
    first = checkin.walk_in(db, session_id, "  Nora   Ait  ", at(-2), phone="0600000000", settings=FAST)
    assert (first.reason, first.name) == ("ok", "Nora Ait")
    second = checkin.walk_in(db, session_id, "Oussama", at(-1), settings=FAST)
    assert second.reason == "session_full"  # Mehdi's seat is held
    with pytest.raises(registrations.RegistrationError):
        checkin.walk_in(db, session_id, "   ", at(-1), settings=FAST)
    assert [r["name"] for r in rows(central_dir, "SELECT name FROM session_walk_ins")] == ["Nora Ait"]


def test_open_session_counts_ticket_holders_and_refuses_once_full(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=2, required=False)
    codes = [ticket(central_dir, "day", offset=i)["payload"] for i in range(3)]
    assert [reason(db, session_id, c, 0, FAST) for c in codes] == ["ok", "ok", "session_full"]
    assert reason(db, session_id, codes[0], 1, FAST) == "already_checked_in"


def test_undo_frees_the_seat_and_is_logged(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=1)
    made = register(db, session_id, ["Rim"])
    verdict = check_in_code(db, session_id, str(made[0]["short_code"]), at(0), settings=FAST)
    assert checkin.undo(db, str(verdict.checkin_uuid), at(1)) == "ok"
    assert checkin.undo(db, str(verdict.checkin_uuid), at(1)) == "already_undone"
    assert checkin.undo(db, "no-such-uuid", at(1)) == "not_found"
    assert checkin.occupancy(db.conn, session_id, at(1), FAST)[0].checked_in == 0
    assert reason(db, session_id, str(made[0]["short_code"]), 2, FAST) == "ok"
    assert len(rows(central_dir, "SELECT * FROM session_checkin_undos")) == 1


def test_camera_twice_gives_the_same_verdict(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db)
    made = register(db, session_id, ["Sara"])
    code = registrations.qr_text(str(made[0]["token"]))
    first = check_in_code(db, session_id, code, at(0))
    second = check_in_code(db, session_id, code, at(0.05))
    assert first.reason == second.reason == "ok" and second.repeat
    assert second.checkin_uuid == first.checkin_uuid and second.name == "Sara"
    assert check_in_code(db, session_id, code, at(1)).reason == "already_checked_in"


def test_unknown_session_raises(central_dir: Path) -> None:
    with pytest.raises(checkin.SessionNotFound):
        check_in_code(open_db(central_dir), "nope", "x", at(0))


def test_search_by_name_and_short_code(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db)
    made = register(db, session_id, ["Yasmine Tazi", "Youssef Tahiri", "Zakaria Lamrani"])
    figures, _ = checkin.occupancy(db.conn, session_id, at(0), FAST)
    names = [p.name for p, _s in checkin.search(db.conn, session_id, "tazi", figures.statuses)]
    assert names == ["Yasmine Tazi"]
    found = checkin.search(db.conn, session_id, str(made[2]["short_code"]), figures.statuses)
    assert [(p.name, s) for p, s in found] == [("Zakaria Lamrani", "confirmed")]
    assert checkin.search(db.conn, session_id, "y", figures.statuses) == []


def test_roster_and_no_show_rate(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=3)
    made = register(db, session_id, ["A One", "B Two", "C Three", "D Four"])
    for index, minute in ((0, -5), (2, 4)):
        assert check_in_code(db, session_id, str(made[index]["short_code"]), at(minute), settings=FAST).ok
    checkin.walk_in(db, session_id, "E Walk", at(15), settings=FAST)
    people, rate = checkin.roster(db.conn, session_id, at(130), FAST)
    assert [(p["name"], p["status"], p["late"]) for p in people] == [
        ("A One", "checked_in", False),
        ("B Two", "no_show", False),
        ("C Three", "checked_in", True),
        ("D Four", "waitlist", False),
        ("E Walk", "checked_in", True),
    ]
    assert rate == pytest.approx(1 / 3)


def test_tables_are_registered_for_sync_and_bundles() -> None:
    assert {"session_walk_ins", "session_checkins", "session_checkin_undos"} <= set(events.EVENT_TABLES)
    assert reference.REFERENCE_TABLES.index("sessions") < reference.REFERENCE_TABLES.index(
        "session_registrations"
    )


def test_a_workshop_kiosk_checks_in_offline_from_a_bundle(central_dir: Path, tmp_path: Path) -> None:
    central = open_db(central_dir)
    session_id = add_session(central, capacity=2)
    made = register(central, session_id, ["Widad", "Xavier"])
    bundle_file = tmp_path / "fair.bundle"
    bundle.write_bundle(central, bundle_file, "workshop")
    kiosk = instance.create(tmp_path / "workshop", ["workshop"], name="workshop-kiosk")
    bundle.load_tables(kiosk, bundle.read_bundle(bundle_file))
    code = registrations.qr_text(str(made[1]["token"]))
    verdict = check_in_code(kiosk, session_id, code, at(0), settings=FAST)
    assert (verdict.reason, verdict.name) == ("ok", "Xavier")
    stored = rows(tmp_path / "workshop", "SELECT device_id, device_seq FROM session_checkins")
    device = rows(tmp_path / "workshop", "SELECT id FROM device")[0]["id"]
    assert [tuple(r) for r in stored] == [(device, 1)]
    assert rows(central_dir, "SELECT count(*) AS n FROM session_checkins")[0]["n"] == 0


def test_a_rescan_right_after_an_undo_is_decided_afresh(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db)
    made = register(db, session_id, ["Tarik"])
    first = check_in_code(db, session_id, str(made[0]["short_code"]), at(0))
    assert checkin.undo(db, str(first.checkin_uuid), at(0.01)) == "ok"
    again = check_in_code(db, session_id, str(made[0]["short_code"]), at(0.02))
    assert again.ok and not again.repeat and again.checkin_uuid != first.checkin_uuid
    assert checkin.occupancy(db.conn, session_id, at(1), FAST)[0].checked_in == 1


def test_checking_in_someone_of_another_session_by_id_is_refused(central_dir: Path) -> None:
    db = open_db(central_dir)
    open_session = add_session(db, required=False)
    other = add_session(db, title="Autre")
    made = register(db, other, ["Ouafae"])
    verdict = checkin.check_in_person(db, open_session, str(made[0]["id"]), at(0), settings=FAST)
    assert verdict.reason == "not_registered"
    assert checkin.occupancy(db.conn, open_session, at(0), FAST)[0].checked_in == 0
    mine = register(db, open_session, ["Pierre"])
    assert checkin.check_in_person(db, open_session, str(mine[0]["id"]), at(0), settings=FAST).ok


def test_a_cancelled_registrant_at_an_open_session_counts_in_the_room(central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=1, required=False)
    made = register(db, session_id, ["Qods", "Rania"])
    with dbmod.write(db) as conn:
        registrations.cancel(conn, str(made[0]["id"]), at(-60))
    assert reason(db, session_id, str(made[0]["short_code"]), 0) == "session_full"  # Rania's seat
    assert reason(db, session_id, str(made[1]["short_code"]), 0) == "ok"
    figures, _ = checkin.occupancy(db.conn, session_id, at(11), FAST)
    assert figures.checked_in == 1
    assert reason(db, session_id, str(made[0]["short_code"]), 11) == "session_full"
