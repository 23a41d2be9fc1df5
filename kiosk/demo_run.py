"""``make demo``: build the demo fair and run central plus five kiosks, enrolled and syncing.

Each instance is a separate ``kiosk serve`` process on loopback with its own folder
and SQLite file. Central starts first; each kiosk is registered on it
(``kiosk devices add``), enrolls with its one-time code (``kiosk init --central
--code``), and then syncs in the background of its own ``kiosk serve``. Run again, it
reuses the folders. Ctrl-C stops them all.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kiosk import clock, instance
from kiosk.tickets import printing

CENTRAL_PORT = 5000
CENTRAL_URL = f"http://127.0.0.1:{CENTRAL_PORT}"
# name, roles, gate, port: two entrances, the heritage zone, a stand finder, a workshop door
KIOSKS = [
    ("entry-main", "entry", "main", 5001),
    ("entry-east", "entry", "east", 5002),
    ("heritage", "heritage", "heritage", 5003),
    ("finder", "finder", None, 5004),
    ("workshop", "workshop", None, 5005),
]
ORGANIZER = ("Hanane", "246810")  # the demo organizer (kiosk.sessions.demo.DEMO_STAFF)
CODE = re.compile(r"Enrollment code for \S+: (\S+)")
KEY = re.compile(r"Central key: (\S+)")


def kiosk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args]


def serve(folder: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(kiosk_command("serve", str(folder), "--port", str(port)))


def wait_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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


def run(root: Path) -> None:
    central = build_central(root)
    processes = [serve(central, CENTRAL_PORT)]
    try:
        wait_up(CENTRAL_URL)
        enroll_kiosks(root, central)
        processes += [serve(root / name, port) for name, _r, _g, port in KIOSKS]
        for _name, _r, _g, port in KIOSKS:
            wait_up(f"http://127.0.0.1:{port}")
        print("\nThe demo fair is running, every kiosk syncing with central:")
        print(f"  {'central':<12} {CENTRAL_URL}/dashboard/  (organizer {ORGANIZER[0]}, PIN {ORGANIZER[1]})")
        for name, roles, gate, port in KIOSKS:
            where = f"gate {gate}" if gate else roles
            print(f"  {name:<12} http://127.0.0.1:{port}/  ({where})")
        sheet, codes = write_sample_tickets(central)
        print(f"\nTickets to try, valid today: {sheet} (print it or show it to a camera),")
        print(
            "or type a short code at an entry kiosk: " + ", ".join(f"{code} ({kind})" for kind, code in codes)
        )
        print(
            "The fair opens 10:00-22:00 (exhibitors and staff from 08:00); at other hours tickets"
            " are refused as outside_hours. To pretend it is daytime: KIOSK_NOW=<date>T11:00 make demo"
        )
        print("Ctrl-C stops it.\n", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str]) -> None:
    run(Path(argv[1] if len(argv) > 1 else "demo"))


if __name__ == "__main__":
    main(sys.argv)
