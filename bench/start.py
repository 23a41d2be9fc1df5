"""Start time and idle memory of ``kiosk serve`` against a minimal Flask app on the same
server (waitress).

    python -m bench start [--runs N]

Rows (median of ``--runs`` starts each, alternated so load from elsewhere hits both):
- minimal Flask + waitress (baseline): one ``/healthz`` route, served by waitress;
- ``kiosk serve`` of an entry kiosk (from the demo fair's bundle).
Start: from launching the process to the first answer of ``/healthz``; memory: the
process's resident set after one second idle. First scan (kiosk only): from launching to
the answer of a ``POST /api/v1/scans`` sent as soon as ``/healthz`` answered, so that
whatever the kiosk would load after it listens or on first use shows here rather than
hiding after the measured start.
Target (issue 16 point 7): start and memory within 2x the baseline.
"""

from __future__ import annotations

import argparse
import json
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


BASELINE = "minimal Flask + waitress (baseline)"


def measure(
    command: list[str], port: int, env: dict[str, str], scan: str | None = None
) -> tuple[float, float, float]:
    """Seconds to the first ``/healthz`` answer, seconds to the answer of a first scan of
    ``scan`` sent right then (``nan`` without one), resident MB after a second idle."""
    base = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - began > 60:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.005)
        started = time.perf_counter() - began
        scanned = float("nan")
        if scan is not None:
            request = urllib.request.Request(
                f"{base}/api/v1/scans",
                data=json.dumps({"code": scan}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                if not json.loads(answer.read())["ok"]:
                    raise RuntimeError(f"the first scan was refused: {scan}")
            scanned = time.perf_counter() - began
        time.sleep(1)
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return started, scanned, rss_kb / 1024
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.start")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    # Bytecode as a deployed kiosk has it (pip compiles it at install): children may write
    # what is missing or stale (PYTHONDONTWRITEBYTECODE, set in some shells, would have every
    # start compile each module changed since), and one unmeasured start of each comes first.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["KIOSK_NOW"] = scans.NOW
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        root = Path(tmp)
        kiosk, payloads, _codes = scans.build_kiosk(root)
        app = root / "minimal.py"
        app.write_text(MINIMAL, encoding="utf-8")

        def minimal(port: int) -> list[str]:
            return [sys.executable, str(app), str(port)]

        def served(port: int) -> list[str]:
            return [sys.executable, "-m", "kiosk.cli", "serve", str(kiosk), "--port", str(port)]

        for command in (minimal, served):
            port = free_port()
            measure(command(port), port, env)
        bare: list[tuple[float, float, float]] = []
        kiosks: list[tuple[float, float, float]] = []
        for run in range(args.runs):
            port = free_port()
            bare.append(measure(minimal(port), port, env))
            port = free_port()
            # a ticket not yet scanned: a genuine admission
            kiosks.append(measure(served(port), port, env, payloads[run]))
    bare_start, bare_mb = (statistics.median(v[i] for v in bare) for i in (0, 2))
    start, scanned, mb = (statistics.median(v[i] for v in kiosks) for i in (0, 1, 2))
    rows = [
        [BASELINE, round(bare_start, 3), "", round(bare_mb, 1), "1.00x", "1.00x"],
        [
            "kiosk serve, entry kiosk",
            round(start, 3),
            round(scanned, 3),
            round(mb, 1),
            f"{start / bare_start:.2f}x",
            f"{mb / bare_mb:.2f}x",
        ],
    ]
    header = ["process", "start s (median)", "first scan s", "idle MB (median)", "start vs bare"]
    print_table([*header, "memory vs bare"], rows)


if __name__ == "__main__":
    main()
