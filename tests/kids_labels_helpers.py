"""Helpers of the kids' labels tests: a PDF's pages as images (poppler's pdftoppm, from
scripts/system-deps.sh test) and its text (pdftotext: what a reader copies out of it)."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

QR_PRINT = b"\x1d(k\x03\x001Q0"  # ESC/POS GS ( k, function 181: print the stored QR code


def rasterise(pdf: bytes, folder: Path) -> list[Path]:
    """Every page of ``pdf`` as a 200 dpi PNG in ``folder``, in order."""
    source = folder / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def pdf_text(pdf: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout


@contextmanager
def network_printer(port: int = 0) -> Iterator[tuple[int, bytearray]]:
    """A raw network printer on loopback (``port`` 0: any free one): yields its port and
    the bytes of the one print job it takes, complete once the block has ended."""
    received = bytearray()
    with socket.create_server(("127.0.0.1", port)) as server:

        def take_job() -> None:
            connection, _ = server.accept()
            with connection:
                while chunk := connection.recv(65536):
                    received.extend(chunk)

        reader = threading.Thread(target=take_job, daemon=True)
        reader.start()
        yield server.getsockname()[1], received
        reader.join(timeout=10)
