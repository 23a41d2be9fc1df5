"""Start time and idle memory of ``kiosk serve`` against a minimal Flask app on the same
server (waitress).

    python -m bench start [--runs N]

Rows (median of ``--runs`` starts each, alternated so load from elsewhere hits both):
- minimal Flask + waitress (baseline): one ``/healthz`` route, served by waitress;
- ``kiosk serve`` of an entry kiosk (from the demo fair's bundle).
Start: from launching the process to the first answer of ``/healthz``; memory: the
process's resident set after one second idle.
Target (issue 16 point 7): both within 2x the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import scans
from bench.server import free_port
from bench.table import print_table

MINIMAL = """
import sys
import waitress
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"ok": True}


waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8)
"""


def measure(command: list[str], port: int, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first ``/healthz`` answer and resident MB after a second idle."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - began > 60:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.005)
        started = time.perf_counter() - began
        time.sleep(1)
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return started, rss_kb / 1024
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.start")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    env = {**os.environ, "KIOSK_NOW": scans.NOW}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        root = Path(tmp)
        kiosk, _payloads, _codes = scans.build_kiosk(root)
        app = root / "minimal.py"
        app.write_text(MINIMAL, encoding="utf-8")
        bare: list[tuple[float, float]] = []
        served: list[tuple[float, float]] = []
        for _ in range(args.runs):
            port = free_port()
            bare.append(measure([sys.executable, str(app), str(port)], port, env))
            port = free_port()
            served.append(
                measure(
                    [sys.executable, "-m", "kiosk.cli", "serve", str(kiosk), "--port", str(port)], port, env
                )
            )
    bare_start, bare_mb = (statistics.median(v[i] for v in bare) for i in (0, 1))
    start, mb = (statistics.median(v[i] for v in served) for i in (0, 1))
    rows = [
        ["minimal Flask + waitress (baseline)", round(bare_start, 3), round(bare_mb, 1), "1.00x", "1.00x"],
        [
            "kiosk serve, entry kiosk",
            round(start, 3),
            round(mb, 1),
            f"{start / bare_start:.2f}x",
            f"{mb / bare_mb:.2f}x",
        ],
    ]
    print_table(["process", "start s (median)", "idle MB (median)", "start vs bare", "memory vs bare"], rows)


if __name__ == "__main__":
    main()
