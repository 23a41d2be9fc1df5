"""The dashboard's live part and the attendance readers keep what they drew or read until
the next commit to the database (``kiosk.db.kept``), and after a commit each part of the
control room is drawn again only when what it shows changed (``kiosk.dashboard.parts``):
each test changes one thing a part shows, the way it happens at the fair, and fails if a
poll still shows the old one."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import template_rendered
from flask.testing import FlaskClient
from sync_helpers import WALK_IN_COLUMNS, day_tickets, scan, walk_in_row

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from sync import protocol
from tests.test_sync_dashboard import login, merge_kiosk

DEVICE = "0f1e2d3c-aaaa-bbbb-cccc-000000000042"


@pytest.fixture
def organizer(central_dir: Path) -> FlaskClient:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    login(client)
    return client


@pytest.fixture
def drawn(organizer: FlaskClient) -> Iterator[list[str]]:
    """The templates each request renders (Flask's own signal)."""
    names: list[str] = []

    def record(_app: object, template: object, context: object, **_extra: object) -> None:
        names.append(str(getattr(template, "name", "")))

    with template_rendered.connected_to(record, organizer.application):
        yield names


def live(client: FlaskClient) -> str:
    answer = client.get("/dashboard/live?lang=en")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def figure(page: str, name: str) -> int:
    found = re.search(rf'<bdi class="value" id="{name}">(\d+)</bdi>', page)
    assert found, name
    return int(found.group(1))


def enrolled(central_dir: Path, name: str = "entry-3") -> str:
    """A kiosk enrolled on central; its device token."""
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        code = protocol.add_device(conn, name, "entry", "main", clock.now())
        token = protocol.enroll(conn, code, DEVICE, clock.now())["token"]
    database.conn.close()
    return str(token)


def contact(central_dir: Path, token: str, status: dict[str, object]) -> None:
    """The kiosk's hello as central records it (another connection than the app's)."""
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        device = protocol.authenticate(conn, token)
        protocol.record_contact(conn, device, clock.iso(clock.now()), status, 1, clock.now())
    database.conn.close()


def test_a_poll_with_nothing_new_draws_nothing_again(organizer: FlaskClient, drawn: list[str]) -> None:
    first = live(organizer)
    assert "dashboard/_room.html" in drawn
    drawn.clear()
    again = live(organizer)
    assert drawn == ["dashboard/_live.html"]
    assert again.split('<p class="updated">')[0] == first.split('<p class="updated">')[0]


def test_a_scan_at_central_shows_at_the_next_poll(
    organizer: FlaskClient, drawn: list[str], central_dir: Path
) -> None:
    assert figure(live(organizer), "entries") == 0
    # Through the app itself: the commit is the pooled connection's own, which SQLite's
    # data_version does not report to it.
    answer = organizer.post("/api/v1/scans", json={"code": day_tickets(central_dir, 1)[0], "gate": "main"})
    assert answer.get_json()["ok"]
    drawn.clear()
    page = live(organizer)
    assert "dashboard/_room.html" in drawn
    assert figure(page, "entries") == 1 and figure(page, "unique-visitors") == 1
    assert organizer.get("/api/v1/attendance").get_json()["entries"] == 1
    assert organizer.get("/dashboard/export/attendance.csv").get_data(as_text=True).count("\n") == 2


def test_a_batch_shows_at_the_next_poll(organizer: FlaskClient, central_dir: Path, kiosk_dir: Path) -> None:
    assert figure(live(organizer), "entries") == 0
    assert organizer.get("/api/v1/attendance").get_json()["entries"] == 0
    for code in day_tickets(central_dir, 3):
        assert scan(kiosk_dir, code) == "ok"
    merge_kiosk(central_dir, kiosk_dir)  # a push, applied on another connection
    assert figure(live(organizer), "entries") == 3
    assert organizer.get("/api/v1/attendance").get_json()["entries"] == 3
    export = organizer.get("/dashboard/export/attendance.csv").get_data(as_text=True)
    assert export.splitlines()[1].endswith(",3")


def test_a_void_shows_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    enrolled(central_dir)
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:  # a kiosk's bug: a walk-in of a billion people
        row = walk_in_row(DEVICE, 1, kind="group", people=10**9)
        batch = {"events": [{"table": "walk_ins", "columns": WALK_IN_COLUMNS, "rows": [row]}]}
        protocol.apply_batch(conn, DEVICE, batch, clock.now())
    database.conn.close()
    assert "bad_people" in live(organizer)
    # Voided through the app (its own connection's commit).
    answer = organizer.post("/dashboard/devices/entry-3/void", headers={"Origin": "http://localhost"})
    assert answer.status_code == 302
    assert "bad_people" not in live(organizer)


def test_a_device_health_change_shows_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    token = enrolled(central_dir)
    contact(central_dir, token, {"camera": "ok"})
    assert "camera frozen or missing" not in live(organizer)
    contact(central_dir, token, {"camera": "frozen"})
    assert "camera frozen or missing" in live(organizer)


def test_a_silent_device_turns_offline_with_nothing_committed(
    organizer: FlaskClient, central_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock stopped 10 s into a minute; the kiosk called just under the limit ago.
    moment = clock.now().replace(second=10, microsecond=0)
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")
    monkeypatch.setenv("KIOSK_NOW", clock.iso(moment))
    token = enrolled(central_dir)
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        called = moment - timedelta(seconds=protocol.OFFLINE_AFTER_SECONDS - 1)
        protocol.record_contact(conn, protocol.authenticate(conn, token), None, {}, 1, called)
    database.conn.close()
    assert "no contact for more than 2 minutes" not in live(organizer)
    # Two seconds later, within the same minute: the same figures, a new alert.
    monkeypatch.setenv("KIOSK_NOW", clock.iso(moment + timedelta(seconds=2)))
    assert "no contact for more than 2 minutes" in live(organizer)


def test_another_process_commit_is_seen(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    conn = database.conn
    read = lambda: conn.execute("SELECT name_en FROM event").fetchone()[0]  # noqa: E731
    before = dbmod.kept(conn, "test.event", read)
    assert dbmod.kept(conn, "test.event", lambda: "read again") == before  # nothing committed
    script = (
        "import sys; from kiosk import db, instance\n"
        "with db.write(instance.open_db(sys.argv[1])) as conn:\n"
        "    conn.execute(\"UPDATE event SET name_en = 'Renamed fair'\")\n"
    )
    subprocess.run([sys.executable, "-c", script, str(central_dir)], check=True, cwd=Path.cwd())
    assert dbmod.kept(conn, "test.event", read) == "Renamed fair"
    conn.close()


def test_a_clock_set_back_draws_the_room_again(
    organizer: FlaskClient, drawn: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = clock.now()
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")
    monkeypatch.setenv("KIOSK_NOW", clock.iso(moment))
    live(organizer)
    monkeypatch.setenv("KIOSK_NOW", clock.iso(moment - timedelta(minutes=5)))
    drawn.clear()
    live(organizer)
    assert "dashboard/_room.html" in drawn


def parts_drawn(drawn: list[str]) -> list[str]:
    return sorted(name.removeprefix("dashboard/") for name in drawn if name not in DRAWN_EACH_TIME)


# The live fragment and the room's layout are drawn at every poll and after every commit.
DRAWN_EACH_TIME = ("dashboard/_live.html", "dashboard/_room.html")


def write(central_dir: Path, sql: str, params: tuple[object, ...] = ()) -> None:
    """A commit by another connection than the app's (a push, the setup screen)."""
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        conn.execute(sql, params)
    database.conn.close()


def test_a_push_draws_again_only_the_parts_it_changed(
    organizer: FlaskClient, drawn: list[str], central_dir: Path, kiosk_dir: Path
) -> None:
    codes = day_tickets(central_dir, 2)
    assert scan(kiosk_dir, codes[0]) == "ok"
    merge_kiosk(central_dir, kiosk_dir)
    first = live(organizer)
    assert "Entrée principale" not in first  # ?lang=en
    assert "Main entrance 11:00: 1" in first
    assert re.search(r'<li class="today">.*?<bdi class="day-value">1</bdi>', first, re.S)
    assert re.search(r'data-zone="sales">.*?<bdi>1</bdi>', first, re.S)
    assert scan(kiosk_dir, codes[1]) == "ok"
    merge_kiosk(central_dir, kiosk_dir)
    drawn.clear()
    page = live(organizer)
    # The figures, the day's bar, the grounds' gauge, the chart's frame (a new peak) and its
    # one changed quarter, and the device's row (its last push): nothing else.
    assert parts_drawn(drawn) == [
        "_chart.svg",
        "_chart_quarter.svg",
        "_device.html",
        "_figures.html",
        "_gauge.html",
        "_so_far.html",
    ]
    assert figure(page, "entries") == 2 and "Main entrance 11:00: 2" in page
    assert re.search(r'<li class="today">.*?<bdi class="day-value">2</bdi>', page, re.S)
    assert re.search(r'data-zone="sales">.*?<bdi>2</bdi>', page, re.S)


def test_a_refused_pass_back_shows_at_the_next_poll(
    organizer: FlaskClient, central_dir: Path, kiosk_dir: Path
) -> None:
    code = day_tickets(central_dir, 1)[0]
    assert scan(kiosk_dir, code) == "ok"
    merge_kiosk(central_dir, kiosk_dir)
    assert figure(live(organizer), "passback-count") == 0
    assert scan(kiosk_dir, code) == "already_inside"
    merge_kiosk(central_dir, kiosk_dir)
    page = live(organizer)
    assert figure(page, "passback-count") == 1
    assert re.search(r'<table class="passback-refusals">.*?Main entrance.*?<bdi>1</bdi>', page, re.S)


def test_the_kids_space_counts_show_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    assert 'id="kids-drop-offs"' not in live(organizer)
    row = (
        "0f1e2d3c-aaaa-bbbb-cccc-00000000c1d5",
        DEVICE,
        1,
        clock.iso(clock.now()),
        "2026-06-15",
        4,
        1,
        3,
        20,
    )
    write(central_dir, "INSERT INTO kids_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    assert figure(live(organizer), "kids-drop-offs") == 4


def test_a_sessions_seats_show_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    def seats(page: str) -> list[str]:
        fill = re.search(r'<ul class="gauge-list" id="session-fill">(.*?)</ul>', page, re.S)
        assert fill is not None
        return re.findall(r"/ <bdi>(\d+)</bdi>", fill.group(1))

    before = seats(live(organizer))
    assert "77" not in before
    write(central_dir, "UPDATE sessions SET capacity = 77 WHERE starts_at LIKE '2026-06-15T%'")
    assert seats(live(organizer)) == ["77"] * len(before)


def test_a_conflict_shows_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    assert "Late upload" not in live(organizer)
    moment = clock.iso(clock.now())
    detail = '{"device": "entry-9", "events": 12, "delay_seconds": 600}'
    write(
        central_dir,
        "INSERT INTO sync_conflicts (kind, key, device_id, detail, detected_at, updated_at)"
        " VALUES ('late_upload', 'late:test', NULL, ?, ?, ?)",
        (detail, moment, moment),
    )
    assert "Late upload" in live(organizer)


def test_a_check_in_and_its_undo_show_at_the_next_poll(organizer: FlaskClient, central_dir: Path) -> None:
    """The sessions' fill is read again only when the sessions' counter moved (migration
    0270): a check-in, then its undo, each move it."""

    def in_room(page: str) -> list[int]:
        fill = re.search(r'<ul class="gauge-list" id="session-fill">(.*?)</ul>', page, re.S)
        assert fill is not None
        return [int(n) for n in re.findall(r"<bdi>(\d+)</bdi> / <bdi>", fill.group(1))]

    session = (
        instance.open_db(central_dir)
        .conn.execute(
            "SELECT id FROM sessions WHERE starts_at LIKE '2026-06-15T%' ORDER BY starts_at LIMIT 1"
        )
        .fetchone()[0]
    )
    before = in_room(live(organizer))
    checkin = "0f1e2d3c-aaaa-bbbb-cccc-0000000c4e01"
    write(
        central_dir,
        "INSERT INTO session_checkins (uuid, device_id, device_seq, device_time, session_id, ticket_serial,"
        " result, reason) VALUES (?, ?, 1, ?, ?, 424242, 'accepted', 'ok')",
        (checkin, DEVICE, clock.iso(clock.now()), session),
    )
    after = in_room(live(organizer))
    assert after[0] == before[0] + 1 and after[1:] == before[1:]
    write(
        central_dir,
        "INSERT INTO session_checkin_undos (uuid, device_id, device_seq, device_time, checkin_uuid)"
        " VALUES ('0f1e2d3c-aaaa-bbbb-cccc-0000000c4e02', ?, 2, ?, ?)",
        (DEVICE, clock.iso(clock.now()), checkin),
    )
    assert in_room(live(organizer)) == before
