"""Starting ``kiosk serve`` as its own process on loopback, for benchmarks over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    folder: Path, env: dict[str, str] | None = None, port: int | None = None, timeout: float = 30.0
) -> tuple[subprocess.Popen, int]:
    """``kiosk serve DIR`` on ``port`` (a free one unless given), returned once it answers
    ``/healthz``; the caller stops it."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", str(folder), "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"kiosk serve {folder} did not start") from None
            time.sleep(0.05)
