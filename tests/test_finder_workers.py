"""A finder kiosk served by several processes (issue 16 point 4): ``kiosk serve`` forks
worker processes on one listening socket. Each answers (and sees what another process
committed), the background jobs run in one of them, a worker that dies is replaced, a
stop leaves no process behind, and statistics counted by any of them are counted once.

Which worker answers is made certain by stopping the others (SIGSTOP): a stopped process
accepts no connection, so the one left running answers."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import free_port, self_signed, serving
from finder_helpers import exhibitor_named, make_finder_kiosk, stand_of

from kiosk import db as dbmod
from kiosk import instance, settings
from kiosk.serve import worker_count

TWO = {"KIOSK_SERVE_WORKERS": "2"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path, {})


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` and that still run (not zombies), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(parent) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def workers_of(pid: int, count: int = 2, besides: set[int] | None = None) -> set[int]:
    """Wait until ``pid`` has ``count`` running children other than ``besides``' ended ones."""
    deadline = time.monotonic() + 15
    while True:
        now = children(pid)
        if len(now) == count and not (besides and now <= besides):
            return now
        assert time.monotonic() < deadline, f"kiosk serve {pid} has children {now}, not {count} workers"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@contextmanager
def only(worker: int, workers: set[int]) -> Iterator[None]:
    """Every worker but ``worker`` stopped (SIGSTOP) meanwhile."""
    others = workers - {worker}
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def get(url: str, headers: dict[str, str] | None = None, **options: object) -> str:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10, **options) as answer:  # type: ignore[arg-type]
        return answer.read().decode()


def test_a_finder_kiosk_answers_from_each_worker_and_each_sees_a_change_made_elsewhere(
    finder_dir: Path,
) -> None:
    """Both workers answer; a search typed before (kept by each process) follows a rename
    committed by another process (as the sync loop in worker 0 or an import does)."""
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    with serving(finder_dir, TWO) as (base, process):
        workers = workers_of(process.pid)
        search = f"{base}/finder/results?q=tifawin"
        for worker in workers:
            with only(worker, workers):
                assert "Coopérative Tifawin" in get(search, HTMX)
        with dbmod.write(database) as conn:
            conn.execute("UPDATE exhibitors SET name_fr = name_fr || ' Atlas' WHERE id = ?", (exhibitor,))
        for worker in workers:
            with only(worker, workers):
                assert "Coopérative Tifawin Atlas" in get(search, HTMX)
        assert children(process.pid) == workers  # none died on the way


def test_the_background_jobs_run_in_one_worker(finder_dir: Path) -> None:
    """Backups every second: one job takes them a second apart; one per worker would
    take them in pairs, milliseconds apart (the name of each says when it was taken)."""
    with serving(finder_dir, {**TWO, "KIOSK_BACKUP_INTERVAL_MINUTES": str(1 / 60)}) as (_base, process):
        workers_of(process.pid)
        folder = finder_dir / "backups"
        deadline = time.monotonic() + 15
        while len(list(folder.glob("kiosk-*"))) < 3:
            assert time.monotonic() < deadline, "no backups taken"
            time.sleep(0.1)
    stamps = sorted(re.search(r"kiosk-(\d{8}-\d{6}-\d{3})", path.name)[1] for path in folder.glob("kiosk-*"))  # type: ignore[index]
    moments = [time.mktime(time.strptime(s[:15], "%Y%m%d-%H%M%S")) + int(s[16:]) / 1000 for s in stamps]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert min(gaps) > 0.8, stamps


def test_a_killed_worker_is_replaced_and_serving_goes_on(finder_dir: Path) -> None:
    with serving(finder_dir, TWO) as (base, process):
        workers = workers_of(process.pid)
        killed, kept = sorted(workers)
        os.kill(killed, signal.SIGKILL)
        now = workers_of(process.pid, besides=workers)
        assert kept in now and killed not in now
        (replacement,) = now - {kept}
        with only(replacement, now):
            assert "Tifawin" in get(f"{base}/finder/results?q=tifawin", HTMX)
        with only(kept, now):
            assert get(f"{base}/healthz")


def test_sigterm_stops_every_worker_and_a_killed_server_leaves_none(finder_dir: Path) -> None:
    with serving(finder_dir, TWO) as (_base, process):
        workers = workers_of(process.pid)
        process.terminate()
        assert process.wait(timeout=15) == 0
    assert not any(alive(pid) for pid in workers)
    # Killed outright (no chance to stop them): the workers see it and end by themselves.
    with serving(finder_dir, TWO) as (_base, process):
        workers = workers_of(process.pid)
        process.kill()
        process.wait(timeout=15)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "workers left behind a killed kiosk serve"
            time.sleep(0.05)


def test_statistics_from_every_worker_are_counted_once(finder_dir: Path) -> None:
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    stand = stand_of(database.conn, exhibitor)
    with serving(finder_dir, TWO) as (base, process):
        first, second = sorted(workers_of(process.pid))
        with only(first, {first, second}):
            for _ in range(3):
                get(f"{base}/finder/exhibitors/{exhibitor}")
        with only(second, {first, second}):
            for _ in range(2):
                get(f"{base}/finder/exhibitors/{exhibitor}")
            counts = json.loads(get(f"{base}/api/v1/finder/stats"))
    routes = database.conn.execute(
        "SELECT count(*), count(DISTINCT device_seq) FROM finder_events"
        " WHERE kind = 'route' AND stand_number = ?",
        (stand,),
    ).fetchone()
    assert tuple(routes) == (5, 5)
    assert {"stand_number": stand, "count": 5} in counts["routes"]


def test_https_workers_share_the_listener(finder_dir: Path, tmp_path: Path) -> None:
    import ssl

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    with serving(finder_dir, TWO, args=("--cert", str(cert), "--key", str(key)), context=context) as (
        base,
        process,
    ):
        workers = workers_of(process.pid)
        for worker in workers:
            with only(worker, workers):
                assert "Tifawin" in get(f"{base}/finder/results?q=tifawin", HTMX, context=context)


def test_the_workers_keep_one_rotating_log_in_order(finder_dir: Path) -> None:
    """Each worker logs a refused log-in in turn, the file rotating every few lines: a
    worker finds the file another one rotated and writes on in the new one, so the
    files read newest last (kiosk.log.2, .1, kiosk.log) hold the attempts in order."""
    env = {**TWO, "KIOSK_LOG_FILE_MAX_BYTES": "1024", "KIOSK_LOG_FILE_BACKUPS": "2"}
    with serving(finder_dir, env) as (base, process):
        workers = sorted(workers_of(process.pid))
        for attempt in range(16):
            with only(workers[attempt % 2], set(workers)):
                form = urllib.parse.urlencode({"name": f"intruder-{attempt}", "pin": "48151623"}).encode()
                with pytest.raises(urllib.error.HTTPError):
                    urllib.request.urlopen(f"{base}/staff/login", data=form, timeout=10)
    text = "".join(
        (finder_dir / name).read_text(encoding="utf-8")
        for name in ("kiosk.log.2", "kiosk.log.1", "kiosk.log")
    )
    seen = [int(number) for number in re.findall(r"intruder-(\d+)", text)]
    assert seen == list(range(seen[0], 16)), seen


def test_the_parent_tells_systemd_it_is_ready_then_alive(finder_dir: Path, tmp_path: Path) -> None:
    """systemd takes READY=1 and WATCHDOG=1 from the unit's main process only
    (NotifyAccess=main): the parent sends them, once a worker answers /healthz."""
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)  # the sender's pid comes along
        listener.settimeout(30)
        env = {**TWO, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "400000"}
        with serving(finder_dir, env) as (_base, process):
            workers_of(process.pid)
            received = []
            for _ in range(3):
                message, ancillary, _flags, _address = listener.recvmsg(64, socket.CMSG_SPACE(12))
                (_level, _kind, credentials), *_ = ancillary
                pid, _uid, _gid = struct.unpack("3i", credentials[:12])
                received.append((message, pid))
    assert received == [(b"READY=1", process.pid), (b"WATCHDOG=1", process.pid), (b"WATCHDOG=1", process.pid)]


def test_more_than_one_process_is_for_a_finder_only_kiosk(kiosk_dir: Path) -> None:
    def config(**values: object) -> dict[str, object]:
        return settings.load(None, {}, {"SECRET_KEY": "x", **values}).values

    assert worker_count(config(ROLE="finder")) == len(os.sched_getaffinity(0))
    assert worker_count(config(ROLE="entry")) == 1
    assert worker_count(config(ROLE="finder", SERVE_WORKERS=3)) == 3
    for refused in ({"ROLE": "finder,entry"}, {"ROLE": "finder", "CAMERA_SOURCE": "0"}):
        with pytest.raises(settings.SettingsError, match="SERVE_WORKERS"):
            worker_count(config(**refused, SERVE_WORKERS=2))
    # kiosk serve says so in one line and does not start.
    run = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "serve", str(kiosk_dir), "--port", str(free_port())],
        env={**os.environ, **TWO},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "SERVE_WORKERS 2: more than one server process is for a kiosk whose only role" in run.stderr
