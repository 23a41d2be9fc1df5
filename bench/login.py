"""Scans while staff log in: a log-in checks its PIN (scrypt, ~100 ms of CPU) outside
the database's write lock, so a burst of log-ins does not stall the gate.

    python -m bench login [--scans N] [--rounds N]

Rows, against one real ``kiosk serve`` on loopback:
- clear (baseline): one client posting scans, nothing else;
- log-in flood: the same client while two others post ``/api/v1/login`` back to back
  with the right PIN (each one a scrypt check and a write).
Clear and flood runs alternate (``--rounds``), so load from elsewhere hits both.
Target (issue 16 point 5): scan p99 during the flood within 2x the clear p99.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from bench import scans
from bench.server import start as start_kiosk
from bench.table import percentile, print_table
from kiosk import db as dbmod
from kiosk import instance, staff

NAME, PIN = "Bench Gate", "864213"


def flood(port: int, stop: threading.Event, made: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"name": NAME, "pin": PIN})
    while not stop.is_set():
        conn.request("POST", "/api/v1/login", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"log-in answered HTTP {response.status}")
        made.append(1)
    conn.close()


def measure(kiosk: Path, codes: list[str], flooders: int) -> tuple[list[float], int]:
    """Scan timings of one client, with ``flooders`` clients logging in meanwhile."""
    server, port = start_kiosk(kiosk, {"KIOSK_NOW": scans.NOW, "KIOSK_DEBOUNCE_SECONDS": "0"})
    stop = threading.Event()
    made: list[int] = []
    threads = [threading.Thread(target=flood, args=(port, stop, made)) for _ in range(flooders)]
    try:
        for thread in threads:
            thread.start()
        timings: list[float] = []
        scans.api_client(port, [(code, None) for code in codes], timings)
        return timings, len(made)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.terminate()
        server.wait(10)


def ms(value: float) -> float:
    return round(value * 1000, 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=400, help="scans per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="clear and flood runs, alternated")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    os.environ["KIOSK_NOW"] = scans.NOW
    root = Path(tempfile.mkdtemp(prefix="bench-login-"))
    try:
        kiosk, payloads, _ = scans.build_kiosk(root)
        database = instance.open_db(kiosk)
        with dbmod.write(database) as conn:
            staff.add_staff(conn, NAME, "gate", PIN)
        database.conn.close()
        clear: list[float] = []
        flooded: list[float] = []
        logins = 0
        for index in range(args.rounds):
            batch = payloads[2 * index * args.scans :][: 2 * args.scans]
            clear += measure(kiosk, batch[: args.scans], 0)[0]
            timings, made = measure(kiosk, batch[args.scans :], 2)
            flooded += timings
            logins += made
        clear_p99, flood_p99 = percentile(clear, 0.99), percentile(flooded, 0.99)
        rows = [
            ["scans, clear (baseline)", len(clear), 0, ms(percentile(clear, 0.5)), ms(clear_p99), "1.00x"],
            ["during a log-in flood", len(flooded), logins, ms(percentile(flooded, 0.5)), ms(flood_p99)],
        ]
        rows[1].append(f"{flood_p99 / clear_p99:.2f}x")
        print_table(["path", "scans", "log-ins", "p50 ms", "p99 ms", "p99 vs clear (target <= 2x)"], rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
