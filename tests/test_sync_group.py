"""Group commit on central (sync.group), with a real ``kiosk serve`` central and real
kiosks on loopback: pushes that wait together are applied in one transaction, each
kiosk gets its own answer (a bad batch refused to its kiosk only), and a central killed
while a group waits loses nothing and doubles nothing when the kiosks send again."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import free_port, serving
from sync_helpers import (
    WALK_IN_COLUMNS,
    device_id,
    enroll,
    events_of,
    insert_sql,
    query,
    serve_at,
    transport,
    walk_in_row,
)

from kiosk import clock, instance
from kiosk import db as dbmod
from sync import wire
from sync.client import Client, Refused, Transient

DEBUG = {"KIOSK_LOG_LEVEL": "DEBUG"}  # central logs each group's size
WALK_INS = 30  # per kiosk: one adult each, counted in the figures


def groups(central_dir: Path) -> list[int]:
    """The size of each group central applied, in order (from its log)."""
    text = (central_dir / "kiosk.log").read_text()
    return [int(n) for n in re.findall(r"(\d+) pushes applied in one transaction", text)]


@contextmanager
def write_locked(central_dir: Path) -> Iterator[None]:
    """Central's database held by another process's write transaction: the pushes that
    arrive meanwhile queue in central, then go as one group once it ends."""
    conn = sqlite3.connect(central_dir / "kiosk.db", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def append(
    folder: Path, table: str, columns: list[str], count: int, row: Callable[[str, int, str], tuple]
) -> None:
    """Append ``count`` rows ``row(device, seq, moment)`` to ``table``, stamped like real ones."""
    database = instance.open_db(folder)
    moment = clock.iso(clock.now())
    with dbmod.write(database) as conn:
        device, last = conn.execute("UPDATE device SET seq = seq + ? RETURNING id, seq", (count,)).fetchone()
        conn.executemany(
            insert_sql(table, columns),
            (row(device, seq, moment) for seq in range(last - count + 1, last + 1)),
        )
    database.conn.close()


def walk_ins(folder: Path, count: int) -> None:
    """Append ``count`` one-adult walk-ins at gate main."""
    append(
        folder,
        "walk_ins",
        WALK_IN_COLUMNS,
        count,
        lambda device, seq, moment: walk_in_row(device, seq, device_time=moment),
    )


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    """Run ``work`` in a thread; the dict gets its ``result`` or ``error``."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def push(folder: Path) -> Callable[[], int]:
    def work() -> int:
        client = Client(folder, attempts=1)
        try:
            return client.push()
        finally:
            client.close()

    return work


def adults_counted(central_dir: Path) -> int:
    sql = "SELECT coalesce(sum(adults), 0) FROM gate_quarters WHERE gate_id = 'main'"
    return query(central_dir, sql)[0][0]


def test_waiting_pushes_go_in_one_transaction_and_a_bad_batch_is_refused_to_its_kiosk_only(
    central_dir: Path, tmp_path: Path
) -> None:
    with serving(central_dir, DEBUG) as (central, _process):
        kiosks = [enroll(central, central_dir, tmp_path / f"k{n}", f"entry-{n}") for n in range(4)]
        for folder in kiosks:
            walk_ins(folder, WALK_INS)
        first, good, bad = kiosks[0], [kiosks[1], kiosks[3]], kiosks[2]
        # The bad kiosk's batch claims another kiosk's events: refused whole (issue 11).
        forged = {
            "events": [
                {
                    "table": "walk_ins",
                    "columns": WALK_IN_COLUMNS,
                    "rows": [walk_in_row(device_id(first), 999)],
                }
            ]
        }
        sender = transport(central, bad, attempts=1)
        with write_locked(central_dir):
            # The first push takes central's turn and waits for the database; the next
            # three queue behind it meanwhile.
            started = [in_thread(push(first))]
            time.sleep(0.5)
            started += [in_thread(push(folder)) for folder in good]
            started.append(in_thread(lambda: sender.request("POST", "/api/v1/sync/push", forged)))
            time.sleep(2.0)
        for thread, _outcome in started:
            thread.join(timeout=60)
        sender.close()
        outcomes = [outcome for _thread, outcome in started]
        assert [o.get("result") for o in outcomes[:3]] == [WALK_INS] * 3
        error = outcomes[3].get("error")
        assert isinstance(error, Refused) and error.status == 400 and error.error == "bad_batch"
        # The three waiting went as one group; the bad batch was left out of it.
        assert groups(central_dir) == [1, 2]
        assert "2 pushes applied in one transaction (1 left out)" in (central_dir / "kiosk.log").read_text()
    for folder in [first, *good]:
        me = device_id(folder)
        assert events_of(central_dir, me) == events_of(folder, me)  # each exactly once
        assert query(central_dir, "SELECT high_seq FROM sync_devices WHERE device_id = ?", (me,)) == [
            (WALK_INS,)
        ]
    assert not events_of(central_dir, device_id(bad))["walk_ins"]
    assert query(central_dir, "SELECT count(*) FROM walk_ins WHERE device_seq = 999") == [(0,)]
    # Counted once, as one set, in the group: the figures hold each walk-in once.
    assert adults_counted(central_dir) == 3 * WALK_INS


def test_central_killed_while_a_group_waits_loses_and_doubles_nothing(
    central_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    central = f"http://127.0.0.1:{port}"
    with serve_at(central_dir, port, DEBUG):
        kiosks = [enroll(central, central_dir, tmp_path / f"k{n}", f"entry-{n}") for n in range(3)]
    for folder in kiosks:
        walk_ins(folder, WALK_INS)
    with serve_at(central_dir, port, DEBUG) as process:
        with write_locked(central_dir):
            started = [in_thread(push(folder)) for folder in kiosks]
            time.sleep(2.0)
            process.kill()  # kill -9 while the group waits for the database
            process.wait()
        for thread, _outcome in started:
            thread.join(timeout=60)
    assert all(isinstance(outcome.get("error"), Transient) for _thread, outcome in started)
    assert query(central_dir, "SELECT count(*) FROM walk_ins") == [(0,)]  # nothing acknowledged
    # One more walk-in each, then the kiosks send again, together.
    for folder in kiosks:
        walk_ins(folder, 1)
    before = len(groups(central_dir))
    with serve_at(central_dir, port, DEBUG):
        with write_locked(central_dir):
            started = [in_thread(push(folder)) for folder in kiosks]
            time.sleep(2.0)
        for thread, _outcome in started:
            thread.join(timeout=60)
    assert [outcome.get("result") for _thread, outcome in started] == [WALK_INS + 1] * 3
    # The first to come applies alone or with whoever came at once; the rest together.
    resent = groups(central_dir)[before:]
    assert sum(resent) == 3 and len(resent) < 3
    for folder in kiosks:
        me = device_id(folder)
        assert events_of(central_dir, me) == events_of(folder, me)
    assert adults_counted(central_dir) == 3 * (WALK_INS + 1)


def finder_searches(folder: Path, count: int, text: str) -> None:
    """Append ``count`` searches for ``text`` on a finder kiosk."""
    columns = ["uuid", "device_id", "device_seq", "device_time", "kind", "query", "results"]
    append(
        folder,
        "finder_events",
        columns,
        count,
        lambda device, seq, moment: (str(uuid.uuid4()), device, seq, moment, "search", text, 3),
    )


def test_a_backlog_goes_in_large_pushes_long_rows_in_smaller_ones(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir, DEBUG) as (central, _process):
        finder = enroll(central, central_dir, tmp_path / "finder", "finder-1", role="finder", gate=None)
        finder_searches(finder, wire.PUSH_EVENTS + 500, "stand")
        assert push(finder)() == wire.PUSH_EVENTS + 500
        assert groups(central_dir) == [1, 1]  # 2,000 then 500, not five pushes of 500
        # 200 Arabic letters a search: 2,000 of them are more JSON than a push carries.
        finder_searches(finder, wire.PUSH_EVENTS, "\u0628" * 200)
        assert push(finder)() == wire.PUSH_EVENTS
        assert groups(central_dir) == [1, 1, 1, 1]  # halved: two pushes of 1,000
    me = device_id(finder)
    assert events_of(central_dir, me) == events_of(finder, me)
