"""Every write goes through ``kiosk.db.write``: representative operations (scans, sync
push and pull, the finder's index rebuild, a session check-in, a staff log-in) run with
a trace on every connection they open, and a statement that changes the file outside a
write transaction of ``kiosk.db`` fails the test."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sessions_helpers import add_session, register
from sync_helpers import day_tickets, enroll, scan
from werkzeug.serving import make_server

from kiosk import create_app, instance, staff
from kiosk import db as dbmod
from kiosk.finder import queries
from kiosk.serve import start_checkpoints
from kiosk.sessions import registrations
from kiosk.sessions.checkin import DoorSettings, check_in_code
from sync.client import Client

# Statements that change the file (or how it is written); plain BEGIN is a read.
CHANGES = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|VACUUM|REINDEX|ANALYZE"
    r"|BEGIN\s+(IMMEDIATE|EXCLUSIVE)|PRAGMA\s+\w+\s*=)",
    re.IGNORECASE,
)


@pytest.fixture
def stray_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Statements that changed the file outside ``kiosk.db.write``, on every connection
    ``kiosk.db.connect`` opens from now on (after its own pragmas and migrations)."""
    found: list[str] = []
    real_connect = dbmod.connect

    def traced(path: str | Path, **options: bool) -> dbmod.Database:
        database = real_connect(path, **options)
        conn = database.conn

        def check(statement: str) -> None:
            if CHANGES.match(statement) and not conn.writing:
                found.append(statement)

        conn.set_trace_callback(check)
        return database

    monkeypatch.setattr(dbmod, "connect", traced)
    return found


@pytest.fixture
def central_url(central_dir: Path, stray_writes: list[str]) -> Iterator[str]:
    """Central served in this process (so its connections are traced too)."""
    server = make_server("127.0.0.1", 0, create_app(central_dir), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_the_trace_sees_a_stray_write(kiosk_dir: Path, stray_writes: list[str]) -> None:
    database = instance.open_db(kiosk_dir)
    database.conn.execute("UPDATE sync_state SET last_error = 'stray'")
    with dbmod.write(database) as conn:
        conn.execute("UPDATE sync_state SET last_error = NULL")
    assert stray_writes == ["UPDATE sync_state SET last_error = 'stray'"]


def test_operations_write_only_inside_kiosk_db_write(
    central_dir: Path, central_url: str, tmp_path: Path, stray_writes: list[str]
) -> None:
    # Sync: enrollment and bootstrap, scans, a round (hello, push, pull by changes).
    folder = enroll(central_url, central_dir, tmp_path / "gate", "entry-main")
    tickets = day_tickets(central_dir, 3)
    assert [scan(folder, code) for code in tickets[:2]] == ["ok", "ok"]
    kiosk = create_app(folder, {"TESTING": True}).test_client()
    assert kiosk.post("/api/v1/scans", json={"code": tickets[2]}).get_json()["ok"]
    client = Client(folder)
    try:
        assert client.round().pushed == 3
    finally:
        client.close()

    central = instance.open_db(central_dir)
    # Finder: a directory change marks the index stale; the next search rebuilds it.
    with dbmod.write(central) as conn:
        conn.execute("UPDATE finder_index_state SET stale = 1")
    assert queries.find(central.conn, "miel", limit=1)
    assert central.conn.execute("SELECT stale FROM finder_index_state").fetchone()[0] == 0
    # Sessions: a registration checked in at the door.
    session_id = add_session(central)
    made = register(central, session_id, ["Amal"])
    code = registrations.qr_text(str(made[0]["token"]))
    assert check_in_code(central, session_id, code, settings=DoorSettings(debounce_seconds=0)).reason == "ok"
    # Staff: a wrong PIN from another host is counted, the right one clears the count.
    with dbmod.write(central) as conn:
        staff.add_staff(conn, "Zineb Test", "gate", "432165")
    login = create_app(central_dir, {"TESTING": True}).test_client()
    attempts = "SELECT count(*) FROM staff_attempts"
    remote = {"REMOTE_ADDR": "192.0.2.10"}
    wrong = login.post("/staff/login", data={"name": "Zineb Test", "pin": "0000"}, environ_base=remote)
    assert wrong.status_code == 401
    assert central.conn.execute(attempts).fetchone()[0] == 1
    right = login.post("/staff/login", data={"name": "Zineb Test", "pin": "432165"}, environ_base=remote)
    assert right.status_code == 302
    assert central.conn.execute(attempts).fetchone()[0] == 0
    central.conn.close()

    assert stray_writes == []


def test_a_durable_write_returns_once_its_commit_is_synced(kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    group = database.conn.wal_sync
    with dbmod.write(database, durable=False) as conn:
        conn.execute("UPDATE sync_state SET last_error = 'mark'")
    assert group.synced < group.committed  # a mark that may be lost does not wait for the disk
    with dbmod.write(database) as conn:
        conn.execute("UPDATE sync_state SET last_error = 'kept'")
    assert group.synced == group.committed  # the flush covered the mark too
    with pytest.raises(ZeroDivisionError), dbmod.write(database):
        1 / 0  # noqa: B018
    assert group.synced == group.committed  # a rolled-back write commits nothing


def test_concurrent_writers_share_flushes_and_each_returns_synced(kiosk_dir: Path) -> None:
    group = instance.open_db(kiosk_dir).conn.wal_sync
    returned: list[tuple[int, int]] = []

    def writer() -> None:
        database = instance.open_db(kiosk_dir)
        for _ in range(20):
            with dbmod.write(database) as conn:
                conn.execute("UPDATE sync_state SET last_error = ?", (str(threading.get_ident()),))
                before = group.committed  # under the lock: this commit will be the next one
            returned.append((before + 1, group.synced))
        database.conn.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(returned) == 80
    assert group.synced == group.committed
    # Each writer left only once a flush covered its own commit (its own or a neighbour's).
    assert all(synced >= commit for commit, synced in returned)


def test_a_nested_write_is_refused_not_a_deadlock(kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    with dbmod.write(database), pytest.raises(RuntimeError, match="inside a write"), dbmod.write(database):
        pass
    with dbmod.write(database) as conn:  # the lock was released
        assert conn.in_transaction


def test_a_checkpoint_off_the_write_path_starts_the_wal_over(kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    database.conn.execute("PRAGMA wal_autocheckpoint=0")  # what kiosk serve's pool does
    frames = "PRAGMA wal_checkpoint(PASSIVE)"
    for number in range(50):
        with dbmod.write(database) as conn:
            conn.execute("UPDATE sync_state SET last_error = ?", (str(number),))
    grown = database.conn.execute(frames).fetchone()[1]
    assert grown >= 50
    assert dbmod.checkpoint(database, restart_pages=10) == grown
    with dbmod.write(database) as conn:
        conn.execute("UPDATE sync_state SET last_error = 'after'")
    # The WAL was copied whole, so the next commit wrote from its beginning again.
    assert database.conn.execute(frames).fetchone()[1] < 10


def test_served_requests_leave_checkpoints_to_their_thread(kiosk_dir: Path) -> None:
    app = create_app(kiosk_dir, {"TESTING": True})
    checkpointer = start_checkpoints(kiosk_dir, app)
    try:
        database = app.extensions["kiosk.pool"].acquire()
        assert database.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    finally:
        checkpointer.stop()
