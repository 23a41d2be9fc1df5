"""``make demo``: build the demo fair and run central plus six kiosks, enrolled and syncing.

Each instance is a separate ``kiosk serve`` process on loopback with its own folder
and SQLite file. Central starts first; each kiosk is registered on it
(``kiosk devices add``), enrolls with its one-time code (``kiosk init --central
--code``), and then syncs in the background of its own ``kiosk serve``. Run again, it
reuses the folders while the fair they hold includes today, else builds them afresh.
Ctrl-C or ``kill`` (SIGINT, SIGTERM) stops them all; a port already taken stops it
before anything starts.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from kiosk import clock, instance
from kiosk.kids.demo import KIDS_LEAD, KIDS_STAFF
from kiosk.tickets import printing

# Central's port; the kiosks take the next six (DEMO_PORT=6000 make demo moves them all).
CENTRAL_PORT = int(os.environ.get("DEMO_PORT", "5000"))
CENTRAL_URL = f"http://127.0.0.1:{CENTRAL_PORT}"
# name, roles, gate, port: two entrances, the heritage zone, a stand finder, a workshop door,
# the kids' space (its staff: kiosk.kids.demo.KIDS_STAFF)
KIOSKS = [
    ("entry-main", "entry", "main", CENTRAL_PORT + 1),
    ("entry-east", "entry", "east", CENTRAL_PORT + 2),
    ("heritage", "heritage", "heritage", CENTRAL_PORT + 3),
    ("finder", "finder", None, CENTRAL_PORT + 4),
    ("workshop", "workshop", None, CENTRAL_PORT + 5),
    ("kids", "kids", "kids", CENTRAL_PORT + 6),
]
ORGANIZER = ("Hanane", "24681357")  # the demo organizer (kiosk.sessions.demo.DEMO_STAFF)
CODE = re.compile(r"Enrollment code for \S+: (\S+)")
KEY = re.compile(r"Central key: (\S+)")


def kiosk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args]


def serve(folder: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(kiosk_command("serve", str(folder), "--port", str(port)))


def wait_up(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait for a server to answer; stop the demo if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{url} did not start (exit {process.returncode}, see above)") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.2)


def taken_ports() -> list[int]:
    """The demo's ports that something on this machine already listens on."""
    taken = []
    for port in [CENTRAL_PORT, *(port for *_rest, port in KIOSKS)]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                taken.append(port)
    return taken


def fair_days(central: Path) -> list[str]:
    """The days of the fair a demo central folder holds (none if there is no folder)."""
    if not (central / instance.CONFIG_FILENAME).exists():
        return []
    database = instance.open_db(central)
    try:
        return [row[0] for row in database.conn.execute("SELECT date FROM event_days ORDER BY date")]
    finally:
        database.conn.close()


def forget_past_fair(root: Path) -> None:
    """A demo built on an earlier day has no ticket valid today: drop its folders so that
    the fair is built again, starting today."""
    days = fair_days(root / "central")
    today = clock.now().date().isoformat()
    if not days or today in days:
        return
    print(f"The demo fair in {root} ran {days[0]} to {days[-1]}; building it again from today ({today}).")
    for name in ["central", *(name for name, *_rest in KIOSKS)]:
        shutil.rmtree(root / name, ignore_errors=True)


def build_central(root: Path) -> Path:
    central = root / "central"
    if not (central / instance.CONFIG_FILENAME).exists():
        subprocess.run(kiosk_command("init", str(central), "--role", "central", "--demo"), check=True)
    return central


def enroll_kiosks(root: Path, central: Path) -> None:
    """Register and enroll every kiosk that has no folder yet (central must be up)."""
    for name, roles, gate, _port in KIOSKS:
        folder = root / name
        if (folder / instance.CONFIG_FILENAME).exists():
            continue
        args = ["devices", "add", str(central), "--name", name, "--role", roles, "--central-url", CENTRAL_URL]
        if gate:
            args += ["--gate", gate]
        added = subprocess.run(kiosk_command(*args), check=True, capture_output=True, text=True)
        code, key = CODE.search(added.stdout), KEY.search(added.stdout)
        if code is None or key is None:
            raise SystemExit(f"no enrollment code for {name}: {added.stdout}")
        subprocess.run(
            kiosk_command(
                "init",
                str(folder),
                "--role",
                "kiosk",
                "--central",
                CENTRAL_URL,
                "--code",
                code.group(1),
                "--central-key",
                key.group(1),
            ),
            check=True,
        )


def write_sample_tickets(central: Path) -> tuple[Path, list[tuple[str, str]]]:
    """One ticket of each type valid today, as an A4 PDF to print or show on a phone;
    returns the file and (type, short code) pairs to type at a kiosk."""
    database = instance.open_db(central)
    today = clock.now().date().isoformat()
    tickets = [
        dict(row)
        for row in database.conn.execute(
            "SELECT * FROM tickets WHERE serial IN (SELECT min(serial) FROM tickets"
            " WHERE valid_from <= :today AND date(valid_from, '+' || (valid_days - 1) || ' days') >= :today"
            " GROUP BY type_id) ORDER BY type_id",
            {"today": today},
        )
    ]
    out = central.parent / "sample-tickets.pdf"
    printing.write_pdf(database.conn, tickets, out)
    return out, [(str(t["type_id"]), str(t["short_code"])) for t in tickets]


class Stop(Exception):
    """SIGTERM or SIGINT reached the runner."""


def stop(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def run(root: Path) -> None:
    taken = taken_ports()
    if taken:
        raise SystemExit(
            f"Port {', '.join(map(str, taken))} already in use (another demo still running?):"
            " stop it or choose other ports with DEMO_PORT; nothing was started."
        )
    if os.environ.get("KIOSK_NOW"):
        # One running clock for every process of the demo, started now at KIOSK_NOW.
        os.environ.setdefault("KIOSK_NOW_AT", datetime.now(UTC).isoformat())
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        forget_past_fair(root)
        central = build_central(root)
        processes.append(serve(central, CENTRAL_PORT))
        wait_up(CENTRAL_URL, processes[0])
        enroll_kiosks(root, central)
        processes += [serve(root / name, port) for name, _r, _g, port in KIOSKS]
        for (_name, _r, _g, port), process in zip(KIOSKS, processes[1:], strict=True):
            wait_up(f"http://127.0.0.1:{port}", process)
        print("\nThe demo fair is running, every kiosk syncing with central:")
        print(f"  {'central':<12} {CENTRAL_URL}/dashboard/  (organizer {ORGANIZER[0]}, PIN {ORGANIZER[1]})")
        for name, roles, gate, port in KIOSKS:
            where = f"gate {gate}" if gate else roles
            print(f"  {name:<12} http://127.0.0.1:{port}/  ({where})")
        print(
            f"  (kids' space staff {KIDS_STAFF[0]}, PIN {KIDS_STAFF[2]};"
            f" without a receipt: supervisor {KIDS_LEAD[0]}, PIN {KIDS_LEAD[2]})"
        )
        sheet, codes = write_sample_tickets(central)
        print(f"\nTickets to try, valid today: {sheet} (print it or show it to a camera),")
        print(
            "or type a short code at an entry kiosk: " + ", ".join(f"{code} ({kind})" for kind, code in codes)
        )
        print(
            "The fair opens 10:00-22:00 (exhibitors and staff from 08:00); at other hours tickets"
            " are refused as outside_hours. To pretend it is daytime: KIOSK_NOW=<date>T11:00 make demo"
        )
        if os.environ.get("KIOSK_NOW"):
            print(
                "The demo's clock runs from KIOSK_NOW; to share it with another command (kiosk doctor...):"
                f" KIOSK_NOW={os.environ['KIOSK_NOW']} KIOSK_NOW_AT={os.environ['KIOSK_NOW_AT']}"
            )
        print("Ctrl-C stops it.\n", flush=True)
        names = ["central", *(name for name, *_rest in KIOSKS)]
        while True:
            for name, process in zip(names, processes, strict=True):
                if process.poll() is not None:
                    raise SystemExit(f"{name} stopped (exit {process.returncode}); stopping the demo.")
            time.sleep(1)
    except Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str]) -> None:
    run(Path(argv[1] if len(argv) > 1 else "demo"))


if __name__ == "__main__":
    main(sys.argv)
