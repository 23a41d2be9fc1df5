"""`kiosk serve` imports what its roles need (issue 16 point 7): a real served entry kiosk
without a camera, after answering /healthz, its scan screen and a scan, has loaded none of
the libraries and features only other roles or other commands use (read from Python's own
import log, ``-X importtime``, of the real process)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import click
from conftest import free_port, post_scan, wait_for_http

from kiosk.cli import LAZY_COMMANDS, main
from tests.helpers import ticket

# Libraries and modules an entry kiosk without a camera (nor a central) never needs to
# serve and scan: printing (PDF, label printers, spreadsheets, images, QR drawing), the
# camera's frame stack and decoders (the first browser frame loads them), HTTPS and
# certificates (only with --cert, /ca/), the sync client (only with CENTRAL_URL), the
# finder's fuzzy search, other roles' features, and the commands other than serve.
NOT_FOR_AN_ENTRY_KIOSK = (
    "cv2",
    "numpy",
    "zxingcpp",
    "pyzbar",
    "fpdf",
    "fontTools",
    "openpyxl",
    "escpos",
    "PIL",
    "qrcode",
    "hypercorn",
    "h2",
    "cryptography.x509",
    "kiosk.tls",
    "sync.client",
    "tenacity",
    "rapidfuzz",
    "lxml",
    "kiosk.finder",
    "kiosk.kids",
    "kiosk.sessions",
    "kiosk.dashboard",
    "kiosk.fair",
    "kiosk.demo",
    "kiosk.doctor",
    "kiosk.tickets.printing",
    "kiosk.tickets.issuing",
    "sync.cli",
)


def imported_while_serving(folder: Path, log: Path, visit: list[str], scan: str) -> set[str]:
    """The modules a real ``kiosk serve`` of FOLDER imported by the time it answered the
    paths of VISIT and a scan of SCAN (names from its ``-X importtime`` log)."""
    port = free_port()
    command = [sys.executable, "-X", "importtime", "-m", "kiosk.cli", "serve", str(folder)]
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(base + "/healthz", timeout=30)
            for path in visit:
                urllib.request.urlopen(base + path, timeout=30).close()
            assert post_scan(base, scan)["ok"] is True
        finally:
            process.terminate()
            process.wait(10)
    return {
        line.split("|")[2].strip() for line in log.read_text().splitlines() if line.startswith("import time:")
    } - {"imported package"}


def test_an_entry_kiosk_without_camera_loads_only_what_it_needs(kiosk_dir: Path, tmp_path: Path) -> None:
    modules = imported_while_serving(
        kiosk_dir, tmp_path / "imports.log", ["/healthz", "/entry/"], ticket(kiosk_dir, "day")["payload"]
    )
    assert "kiosk.entry.views" in modules and "waitress" in modules  # the log is read right
    loaded = sorted(
        module
        for module in modules
        if any(module == name or module.startswith(name + ".") for name in NOT_FOR_AN_ENTRY_KIOSK)
    )
    assert loaded == []


def test_every_lazy_command_is_the_command_of_its_name() -> None:
    context = click.Context(main)
    for name in LAZY_COMMANDS:
        command = main.get_command(context, name)
        assert command is not None and command.name == name
    assert set(LAZY_COMMANDS) <= set(main.list_commands(context))
