"""Gates that see each other, as real processes: central plus three entry kiosks of the
sales area (two two-way gates and the exit-only gate) and one heritage kiosk, each a
``kiosk serve`` with its sync loop; scans go through each kiosk's own HTTP API."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

from conftest import free_port, post_scan, serving
from sync_helpers import FAIR_DAY, Proxy, day_tickets, enroll, point_at, query, serve_at, wait_until

from kiosk import db as dbmod
from kiosk import instance
from kiosk.entry import attendance

# The test clock stands still: without debounce, a ticket back at a gate is a new scan.
LOOP = {"KIOSK_SYNC_INTERVAL": "0.3", "KIOSK_SYNC_MAX_BACKOFF": "0.6", "KIOSK_DEBOUNCE_SECONDS": "0"}
KIOSKS = {
    "main": ("entry-main", "entry", "main"),
    "east": ("entry-east", "entry", "east"),
    "exit": ("exit-south", "entry", "south-exit"),
    "heritage": ("heritage", "heritage", "heritage"),
}


def get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def holds(folder: Path, scan_uuid: str) -> bool:
    return bool(query(folder, "SELECT 1 FROM scans WHERE uuid = ?", (scan_uuid,)))


@contextmanager
def fair(central_dir: Path, tmp_path: Path, fair_clock: str) -> Iterator[dict[str, object]]:
    """Central and the four kiosks running; yields their folders, URLs and central's port."""
    port = free_port()
    env = {"KIOSK_NOW": fair_clock, **LOOP}
    with ExitStack() as stack:
        central = stack.enter_context(serve_at(central_dir, port, env))
        central_url = f"http://127.0.0.1:{port}"
        folders = {
            key: enroll(central_url, central_dir, tmp_path / key, name, role, gate)
            for key, (name, role, gate) in KIOSKS.items()
        }
        urls = {key: stack.enter_context(serving(folder, env))[0] for key, folder in folders.items()}
        yield {
            "folders": folders,
            "urls": urls,
            "central": central,
            "central_url": central_url,
            "port": port,
            "env": env,
            "stack": stack,
        }


def test_an_admission_travels_to_every_gate_of_its_zone(
    central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    with fair(central_dir, tmp_path, fair_clock) as running:
        folders, urls = running["folders"], running["urls"]
        first, second = day_tickets(central_dir, 2)
        admitted = post_scan(urls["main"], first)
        assert admitted["reason"] == "ok"
        wait_until(
            lambda: holds(folders["east"], admitted["scan_uuid"]), 30, "east hears of main's admission"
        )
        refused = post_scan(urls["east"], first)
        assert (refused["reason"], refused["level"]) == ("already_inside", "amber")
        # The exit-only gate knows the ticket is inside: a real exit, then main lets it back.
        wait_until(lambda: holds(folders["exit"], admitted["scan_uuid"]), 30, "the exit gate hears of it")
        left = post_scan(urls["exit"], first)
        assert (left["reason"], left["direction"]) == ("ok", "out")
        wait_until(lambda: holds(folders["main"], left["scan_uuid"]), 30, "main hears of the exit")
        assert post_scan(urls["main"], first)["reason"] == "ok"
        # The heritage kiosk decides on its own zone, and holds nothing of the sales area.
        inside_heritage = post_scan(urls["heritage"], second)
        assert inside_heritage["reason"] == "ok"
        assert post_scan(urls["exit"], second)["reason"] == "not_inside"

        def at_central() -> tuple[object, ...]:
            figures = get(running["central_url"] + "/api/v1/attendance")
            zones = figures["zone_entries"]
            assert isinstance(zones, dict)
            return figures["entries"], figures["exits"], zones["sales"], zones["heritage"]

        # The fair's entries are those at its outer gates (main, twice; one exit between),
        # the heritage admission counts as that zone's entry only.
        wait_until(lambda: at_central() == (2, 1, 2, 1), 30, "central has them all")
        assert query(folders["heritage"], "SELECT DISTINCT zone_id FROM scans") == [("heritage",)]
        # Every sales gate ends with every sales passage, each held once.
        wait_until(
            lambda: all(
                query(folders[k], "SELECT count(*) FROM scans WHERE result = 'accepted'")[0][0] == 3
                for k in ("main", "east", "exit")
            ),
            30,
            "every sales gate holds the three accepted passages",
        )
        assert query(central_dir, "SELECT count(*) FROM scans GROUP BY uuid HAVING count(*) > 1") == []


def test_central_down_gates_decide_alone_double_entry_flagged_after(
    central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    with fair(central_dir, tmp_path, fair_clock) as running:
        folders, urls = running["folders"], running["urls"]
        (ticket,) = day_tickets(central_dir, 1)
        running["central"].terminate()
        running["central"].wait(timeout=20)
        # Decisions stay local and instant: both gates admit (neither can know of the other).
        at_main = post_scan(urls["main"], ticket)
        at_east = post_scan(urls["east"], ticket)
        assert at_main["reason"] == at_east["reason"] == "ok"
        with serve_at(central_dir, running["port"], running["env"]):
            wait_until(
                lambda: (
                    query(central_dir, "SELECT count(*) FROM sync_conflicts WHERE kind = 'double_entry'")
                    == [(1,)]
                ),
                60,
                "central flags the double entry",
            )
            for key, other in (("main", at_east), ("east", at_main)):
                wait_until(lambda k=key, o=other: holds(folders[k], o["scan_uuid"]), 60, f"{key} hears of it")
            # Both gates now know: a third entry is refused at either.
            assert post_scan(urls["main"], ticket)["reason"] == "already_inside"


def test_kill_9_while_receiving_the_feed_counts_nothing_twice(
    central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    env = {"KIOSK_NOW": fair_clock, **LOOP}
    with serving(central_dir, env) as (central_url, _central):
        east = enroll(central_url, central_dir, tmp_path / "east", "entry-east", "entry", "east")
        main = enroll(central_url, central_dir, tmp_path / "main", "entry-main", "entry", "main")
        # A busy day at main, already at central: three pages of feed for east.
        main_id = query(main, "SELECT id FROM device")[0][0]
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            conn.executemany(
                "INSERT INTO scans (uuid, device_id, device_seq, device_time, fair_date, gate_id, zone_id,"
                " direction, code_digest, ticket_serial, type_id, result, reason) VALUES"
                " (?, ?, ?, ?, ?, 'main', 'sales', 'in', ?, ?, 'day', 'accepted', 'ok')",
                (
                    (str(uuid.uuid4()), main_id, seq, fair_clock, FAIR_DAY, f"{seq:064x}", 10**9 + seq)
                    for seq in range(1, 5001)
                ),
            )
        database.conn.close()
        proxy = Proxy(central_url)
        point_at(east, proxy.url)
        feed_answers = []
        kiosk: dict[str, object] = {}

        def kill_mid_feed(path: str) -> None:
            if path.startswith("/api/v1/sync/feed"):
                feed_answers.append(path)
                if len(feed_answers) == 2:
                    kiosk["process"].kill()  # SIGKILL right after the second page left central

        proxy.after_answer = kill_mid_feed
        try:
            with serving(east, env) as (_url, process):
                kiosk["process"] = process
                wait_until(
                    lambda: process.poll() is not None, 60, "the kiosk killed while receiving the feed"
                )
            assert query(east, "PRAGMA integrity_check") == [("ok",)]
            part = query(east, "SELECT count(*) FROM scans")[0][0]
            assert part < 5000, "killed before the whole feed had arrived"
            proxy.after_answer = None
            with serving(east, env) as (_east_url, _process):
                wait_until(
                    lambda: query(east, "SELECT count(*) FROM scans")[0][0] == 5000,
                    60,
                    "the rest of the feed",
                )
                # What east's screen shows: main's entries and the area's "inside now".
                assert query(east, "SELECT entries FROM gate_days WHERE gate_id = 'main'") == [(5000,)]
                database = instance.open_db(east)
                inside = attendance.inside_zone(database.conn, "sales", date.fromisoformat(FAIR_DAY))
                database.conn.close()
        finally:
            proxy.close()
        assert inside == 5000
        assert query(east, "SELECT count(DISTINCT uuid) FROM scans") == [(5000,)]
        cursor = query(east, "SELECT feed_cursor FROM sync_state")[0][0]
        assert cursor >= query(central_dir, "SELECT max(seq) FROM feed_log")[0][0]
