"""Figures kept as the events arrive: a scan at a gate with an occupancy limit, and the
gate screen's figures, on a day already holding a fair's volume.

    python -m bench.figures [--day-scans N] [--scans N]

The day first receives ``--day-scans`` accepted passages in the heritage zone (other
kiosks' entries and exits from 09:00 to NOW, as the gate feed or a central batch brings
them, one transaction). Then, alternating rounds so load from elsewhere hits both:
- bare durable insert: one scan-log row per transaction (WAL, synchronous=FULL), the
  floor any durable scan log pays (``bench.scans.bare_insert``);
- heritage gate scan: ``Scanner.scan`` at the heritage gate (limit 150), which reads
  "inside now" for ``zone_full`` inside its write transaction.
Then ``GET /entry/stats`` (the gate screen's figures after every scan and every 10 s)
through the app in process (no socket), beside ``GET /healthz`` through the same app.
Targets (issue 16 point 3): the scan within 2.5x the bare insert; ``/entry/stats``
under 2 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.scans import NOW, bare_insert, build_kiosk, fill_day, in_process
from bench.table import percentile, print_table
from kiosk import clock, create_app

ROUNDS = 4


def requests(kiosk: Path, path: str, count: int) -> list[float]:
    app = create_app(kiosk)
    client = app.test_client()
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        answer = client.get(path)
        timings.append(time.perf_counter() - began)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status_code}")
    return timings


def row(name: str, timings: list[float], baseline: float) -> list[object]:
    p50 = percentile(timings, 0.5)
    return [
        name,
        len(timings),
        round(p50 * 1000, 3),
        round(percentile(timings, 0.99) * 1000, 3),
        f"{p50 / baseline:.2f}x",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day-scans", type=int, default=40_000, help="passages already that day")
    parser.add_argument("--scans", type=int, default=800, help="scans per measurement")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    os.environ["KIOSK_NOW"] = NOW
    root = Path(tempfile.mkdtemp(prefix="bench-figures-"))
    try:
        kiosk, payloads, _short = build_kiosk(root, gate="heritage")
        fill = fill_day(kiosk, args.day_scans)
        count = min(args.scans, len(payloads))
        block = count // ROUNDS
        bare: list[float] = []
        heritage: list[float] = []
        moment = clock.parse_time(NOW)
        for index in range(ROUNDS):
            bare += bare_insert(root, block)
            codes = payloads[index * block : (index + 1) * block]
            # Each round a minute later: appends to the newest minute, as at a real gate.
            heritage += in_process(kiosk, codes, "heritage", moment + timedelta(minutes=index))
        bare_p50 = percentile(bare, 0.5)
        health = requests(kiosk, "/healthz", count)
        stats = requests(kiosk, "/entry/stats", count)
        print(f"day filled with {args.day_scans} passages in one transaction: {fill:.2f} s")
        print_table(
            ["path", "n", "p50 ms", "p99 ms", "p50 vs baseline"],
            [
                row("bare durable insert (baseline)", bare, bare_p50),
                row("heritage gate scan (limit 150)", heritage, bare_p50),
                row("GET /healthz in process (baseline)", health, percentile(health, 0.5)),
                row("GET /entry/stats in process", stats, percentile(health, 0.5)),
            ],
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
