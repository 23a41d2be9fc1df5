"""Property-based convergence: random interleavings of scans, reference changes at
central, syncs, kiosk crashes (at the worst moment: after central answered, before the
kiosk recorded it), central outages and tombstone purges. In the end central holds
each event exactly once and every kiosk's reference data equals central's.

Central is the real app behind a real HTTP server on loopback (in this process, so
examples stay fast); kiosks are real instance folders synced by ``sync.client``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FAIR_START
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sync_helpers import day_tickets, device_id, enroll, events_of, query, reference_of, scan
from werkzeug.serving import make_server

from kiosk import clock, create_app, demo, instance
from kiosk import db as dbmod
from kiosk.entry import tally
from sync import protocol
from sync.client import Client, Refused, Transient

KIOSKS = ("k1", "k2")


class Crash(BaseException):
    """The kiosk process dies (not an Exception: nothing may catch it but the test)."""


class Switch:
    """WSGI front of central: swap the app per example, or answer 503 (an outage)."""

    def __init__(self) -> None:
        self.app = None
        self.down = False

    def __call__(self, environ, start_response):
        if self.down or self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "down", "detail": "outage"}']
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A template: demo central with two enrolled, synced kiosks; and the server."""
    root = tmp_path_factory.mktemp("convergence")
    template = root / "template"
    central_dir = template / "central"
    database = instance.create(central_dir, ["central"], name="central", gate="main")
    demo.build(database, central_dir, FAIR_START)
    database.conn.close()
    switch = Switch()
    server = make_server("127.0.0.1", 0, switch, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KIOSK_NOW", f"{FAIR_START}T11:00:00+01:00")
        switch.app = create_app(central_dir, {"TESTING": True})
        for name in KIOSKS:
            enroll(url, central_dir, template / name, name, "entry", "main")
    yield {
        "root": root,
        "template": template,
        "switch": switch,
        "url": url,
        "tickets": day_tickets(central_dir, 12),
    }
    server.shutdown()


def sync_round(folder: Path, crash_after: int | None) -> bool:
    """One round; a crash after ``crash_after`` answered requests. True if it completed."""
    client = Client(folder, attempts=1)
    if crash_after is not None:
        real, calls = client.transport._once, [0]

        def dying(*args: object) -> object:
            answer = real(*args)
            calls[0] += 1
            if calls[0] > crash_after:
                raise Crash
            return answer

        client.transport._once = dying  # type: ignore[method-assign]
    try:
        client.round()
        return True
    except (Transient, Refused, Crash):
        return False
    finally:
        client.close()


def change_reference(central_dir: Path, kind: str, n: int, tickets: list[str]) -> None:
    database = instance.open_db(central_dir)
    moment = clock.iso(clock.now())
    with dbmod.write(database) as conn:
        serial = conn.execute(
            "SELECT serial FROM tickets WHERE payload = ?", (tickets[n % len(tickets)],)
        ).fetchone()
        if kind == "revoke" and serial:
            conn.execute("INSERT OR REPLACE INTO revocations VALUES (?, 'test', ?)", (serial[0], moment))
        elif kind == "unrevoke":
            conn.execute("DELETE FROM revocations WHERE serial = (SELECT min(serial) FROM revocations)")
        elif kind == "gate":
            conn.execute("UPDATE gates SET occupancy_limit = ? WHERE id = 'heritage'", (100 + n,))
        elif kind == "ticket":
            conn.execute(
                "INSERT OR IGNORE INTO tickets (uuid, serial, short_code, type_id, valid_from, valid_days,"
                " kid, payload, issued_at) VALUES (?, ?, ?, 'day', ?, 1, 1, 'x', ?)",
                (f"prop-{n}", (1 << 39) + n, f"PROP-{n}", str(FAIR_START), moment),
            )
        elif kind == "drop":
            # A ticket every kiosk already holds (from the template): its tombstone must travel.
            conn.execute(
                "DELETE FROM tickets WHERE serial = (SELECT serial FROM tickets ORDER BY uuid"
                " LIMIT 1 OFFSET ?)",
                (n,),
            )
        elif kind == "purge":
            protocol.purge_tombstones(conn, protocol.current_cursor(conn))
    database.conn.close()


kiosk_index = st.integers(0, len(KIOSKS) - 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("scan"), kiosk_index, st.integers(0, 11), st.sampled_from(["in", "out"])),
        st.tuples(st.just("walk_in"), kiosk_index),
        st.tuples(
            st.just("reference"),
            st.sampled_from(["revoke", "unrevoke", "gate", "ticket", "drop", "purge"]),
            st.integers(0, 30),
        ),
        st.tuples(st.just("sync"), kiosk_index, st.one_of(st.none(), st.integers(0, 4))),
        st.tuples(st.just("outage"), st.booleans()),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
# Interleavings worth pinning besides the random ones: a tombstone and a revocation
# travelling incrementally, a crash right after central answered a push, an outage
# in the middle, a purge forcing a fresh snapshot.
@example(
    ops=[
        ("reference", "drop", 3),
        ("reference", "revoke", 1),
        ("sync", 0, None),
        ("reference", "unrevoke", 0),
        ("sync", 1, 2),
    ]
)
@example(
    ops=[
        ("scan", 0, 1, "in"),
        ("sync", 0, 1),
        ("scan", 0, 2, "in"),
        ("outage", True),
        ("sync", 0, None),
        ("outage", False),
        ("sync", 0, 1),
    ]
)
@example(
    ops=[
        ("reference", "ticket", 5),
        ("sync", 1, None),
        ("reference", "drop", 0),
        ("reference", "purge", 0),
        ("scan", 1, 3, "in"),
        ("sync", 1, 3),
    ]
)
def test_random_interleavings_converge(world: dict[str, object], ops: list[tuple]) -> None:
    root, switch = Path(world["root"]), world["switch"]
    tickets: list[str] = world["tickets"]  # type: ignore[assignment]
    case = root / "case"
    shutil.rmtree(case, ignore_errors=True)
    shutil.copytree(Path(world["template"]), case)
    central_dir = case / "central"
    kiosks = [case / name for name in KIOSKS]
    switch.app = create_app(central_dir, {"TESTING": True})  # type: ignore[attr-defined]
    switch.down = False  # type: ignore[attr-defined]
    cursors = {k: [query(k, "SELECT cursor FROM sync_state")[0][0]] for k in kiosks}
    for op in ops:
        if op[0] == "scan":
            scan(kiosks[op[1]], tickets[op[2]], "main", op[3])
        elif op[0] == "walk_in":
            tally.record_walk_in(instance.open_db(kiosks[op[1]]), "main", "adult")
        elif op[0] == "reference":
            change_reference(central_dir, op[1], op[2], tickets)
        elif op[0] == "sync":
            folder = kiosks[op[1]]
            completed = sync_round(folder, op[2])
            cursors[folder].append(query(folder, "SELECT cursor FROM sync_state")[0][0])
            if completed:
                assert reference_of(folder) == reference_of(central_dir, "entry")
        else:
            switch.down = op[1]  # type: ignore[attr-defined]
    switch.down = False  # type: ignore[attr-defined]
    for folder in kiosks:
        assert sync_round(folder, None)
        cursors[folder].append(query(folder, "SELECT cursor FROM sync_state")[0][0])
    for folder in kiosks:
        me = device_id(folder)
        assert events_of(central_dir, me) == events_of(folder, me)
        seqs = query(
            central_dir,
            "SELECT device_seq FROM scans WHERE device_id = ? UNION ALL"
            " SELECT device_seq FROM walk_ins WHERE device_id = ?",
            (me, me),
        )
        last = query(folder, "SELECT seq FROM device")[0][0]
        assert sorted(s for (s,) in seqs) == list(range(1, last + 1))  # each event exactly once
        assert reference_of(folder) == reference_of(central_dir, "entry")
        assert cursors[folder] == sorted(cursors[folder]), "a cursor went back"
