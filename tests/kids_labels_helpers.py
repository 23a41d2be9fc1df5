"""Helpers of the kids' labels tests: a PDF's pages as images (poppler's pdftoppm, from
scripts/system-deps.sh test) and its text (pdftotext: what a reader copies out of it);
printers on loopback and on a pseudo-terminal (a real character device) that answer
their paper status requests."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import threading
import tty
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from escpos.constants import RT_STATUS_PAPER

QR_PRINT = b"\x1d(k\x03\x001Q0"  # ESC/POS GS ( k, function 181: print the stored QR code
# A printer's answers to DLE EOT 4 (Epson's transmit paper sensor status): bits 1 and 4
# always set, bits 2-3 the roll's near-end sensor, bits 5-6 its paper-end sensor.
PLENTY, NEAR_END, OUT = b"\x12", b"\x1e", b"\x72"


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


def _answer(
    received: bytearray, answers: Sequence[bytes], asked: int, send: Callable[[bytes], object]
) -> int:
    """Answer the status requests ``received`` holds beyond the first ``asked`` with the
    next ``answers`` (none left: silence, as a printer that ignores them); returns how
    many were answered."""
    while received.count(RT_STATUS_PAPER) > asked:
        if asked < len(answers):
            send(answers[asked])
        asked += 1
    return asked


@contextmanager
def asking_printer(answers: Sequence[bytes], port: int = 0) -> Iterator[tuple[int, bytearray]]:
    """A network printer on loopback whose paper sensor answers its status requests with
    ``answers`` in turn: yields its port and what it received (requests included), whole
    once the block has ended."""
    received = bytearray()
    with socket.create_server(("127.0.0.1", port)) as server:

        def take_job() -> None:
            connection, _ = server.accept()
            asked = 0
            with connection:
                while chunk := connection.recv(65536):
                    received.extend(chunk)
                    asked = _answer(received, answers, asked, connection.sendall)

        reader = threading.Thread(target=take_job, daemon=True)
        reader.start()
        yield server.getsockname()[1], received
        reader.join(timeout=10)


@contextmanager
def device_printer(answers: Sequence[bytes]) -> Iterator[tuple[Path, bytearray]]:
    """A printer on a character device, as /dev/usb/lp0: a pseudo-terminal in raw mode
    (no echo, bytes as sent) whose other side takes the jobs and answers status requests
    with ``answers`` in turn. Yields the device's path and what it received."""
    main, device = os.openpty()
    tty.setraw(device)
    received = bytearray()
    done = threading.Event()

    def take_jobs() -> None:
        asked = 0
        while True:  # until the block has ended and every byte is in
            if select.select([main], [], [], 0.05)[0]:
                received.extend(os.read(main, 65536))
                asked = _answer(received, answers, asked, lambda answer: os.write(main, answer))
            elif done.is_set():
                return

    reader = threading.Thread(target=take_jobs, daemon=True)
    reader.start()
    try:
        yield Path(os.ttyname(device)), received
    finally:
        done.set()
        reader.join(timeout=10)
        os.close(device)
        os.close(main)
