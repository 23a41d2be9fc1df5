"""``kiosk doctor DIR``: is this machine ready before the doors open?

Each check answers one line: ``ok``, ``FAIL`` (the command exits non-zero) or ``skip``
(does not apply here, and why). Checks use the real things: the database file, the
camera with its decoders, central with this kiosk's token.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from kiosk import backup, clock, settings, tls
from kiosk import db as dbmod
from kiosk.events import CLOCK_TOLERANCE_SECONDS
from sync.protocol import LOW_DISK_SHARE

CERT_WARN_DAYS = 14
CAMERA_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, FAIL, skip
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name:<9} {self.detail}"


def database(folder: Path) -> Check:
    path = folder / dbmod.DB_FILENAME
    problem = backup.check_database(path)
    if problem:
        return Check("database", "FAIL", f"{path}: {problem}")
    size = path.stat().st_size
    return Check("database", "ok", f"{path} integrity ok ({size / 1e6:.1f} MB)")


def disk(folder: Path) -> Check:
    usage = shutil.disk_usage(folder)
    share = usage.free / usage.total
    detail = f"{usage.free / 1e9:.1f} GB free of {usage.total / 1e9:.1f} GB ({share:.0%})"
    return Check("disk", "ok" if share >= LOW_DISK_SHARE else "FAIL", detail)


def central_and_clock(app: Flask, folder: Path) -> list[Check]:
    """Central answers this kiosk's token, and this clock is within the tolerance of
    central's (measured by that same exchange). On central: is NTP keeping its time."""
    if str(app.config["ROLE"]) == "central":
        return [
            Check("central", "skip", "this is central"),
            central_clock(system_clock_synchronised()),
        ]
    from sync.client import Client, Refused, Transient

    conn = sqlite3.connect(folder / dbmod.DB_FILENAME)
    try:
        url = conn.execute("SELECT central_url FROM sync_state").fetchone()[0]
    finally:
        conn.close()
    if not url:
        why = "no central configured (provisioned from a bundle)"
        return [Check("central", "skip", why), Check("clock", "skip", why)]
    client = Client(folder, attempts=1, timeout=10)
    failed: Check | None = None
    try:
        answer = client.hello()
    except Refused as refusal:
        failed = Check("central", "FAIL", f"{url} refused this kiosk: {refusal}")
    except (Transient, OSError) as error:
        failed = Check("central", "FAIL", f"{url} unreachable: {error}")
    finally:
        client.close()
    if failed is not None:
        return [failed, Check("clock", "FAIL", "not measured: central did not answer")]
    reached = Check("central", "ok", f"{url} answers with this kiosk's token")
    offset = answer.get("clock_offset")
    if not isinstance(offset, int | float):
        return [reached, Check("clock", "FAIL", "central did not give its time")]
    status = "ok" if abs(offset) <= CLOCK_TOLERANCE_SECONDS else "FAIL"
    detail = f"{offset:+.1f} s from central (tolerance ±{CLOCK_TOLERANCE_SECONDS:.0f} s)"
    return [reached, Check("clock", status, detail)]


def system_clock_synchronised() -> bool | None:
    """systemd's word that NTP (timesyncd or chrony) has set the clock; None where
    ``timedatectl`` cannot tell (no systemd, a container)."""
    try:
        done = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = done.stdout.strip()
    return None if done.returncode != 0 or answer not in ("yes", "no") else answer == "yes"


def central_clock(synchronised: bool | None) -> Check:
    state = {True: "synchronised by NTP", False: "NOT synchronised (timedatectl)", None: "NTP state unknown"}
    detail = f"central's clock {clock.iso(clock.now())}, {state[synchronised]}; kiosks measure against it"
    return Check("clock", "FAIL" if synchronised is False else "ok", detail)


def camera(app: Flask, folder: Path) -> Check:
    """The camera opens and decodes a code held in front of it (any ticket is a test card)."""
    source = app.config["CAMERA_SOURCE"]
    if source is None or source == "":
        return Check("camera", "skip", "no camera (CAMERA_SOURCE unset)")
    from kiosk.camera.capture import OK
    from kiosk.camera.service import build_loop

    loop = build_loop(app, target=lambda text: None).start()  # decode only, record nothing
    try:
        event = loop.wait_for_event(0, CAMERA_WAIT_SECONDS)
        status = loop.status()
    finally:
        loop.stop()
    where = f"{status['source']} ({status['state']}, {status['fps']} fps)"
    if event is not None:
        return Check("camera", "ok", f"{where} decoded {event.text[:24]!r}")
    if status["state"] != OK:
        return Check("camera", "FAIL", f"{where}: {status['error'] or 'no picture'}")
    return Check(
        "camera", "FAIL", f"{where}: no code decoded in {CAMERA_WAIT_SECONDS:.0f} s; hold a ticket in view"
    )


def printer(app: Flask) -> Check:
    """The kids' space label printer answers (opened and closed, nothing printed) and has paper."""
    target = app.config["KIDS_PRINTER"]
    if target is None:
        return Check("printer", "skip", "no label printer (KIDS_PRINTER unset)")
    from kiosk.kids import labels

    try:
        paper = labels.reach(app.config)
    except labels.PrintFailed as error:
        return Check("printer", "FAIL", f"{target}: {error}")
    detail = f"{target} answers (profile {app.config['KIDS_PRINTER_PROFILE']}), paper {paper}"
    return Check("printer", "ok", detail)


def certificate(app: Flask, folder: Path, cert: Path | None = None) -> Check:
    """Days left on CERT, or on the certificate the venue CA gave this instance
    (``DIR/tls/cert.pem``, kiosk.tls) when no other is named."""
    served = tls.served_files(folder)[1]
    path = cert or (served if served.exists() else None)
    if path is None:
        return Check("tls", "skip", "no certificate (served over plain HTTP)")
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        return Check("tls", "FAIL", f"{path}: {error}")
    days = (certificate.not_valid_after_utc - datetime.now(UTC)).days
    status = "ok" if days >= CERT_WARN_DAYS else "FAIL"
    return Check("tls", status, f"{path}: {days} days left (renew under {CERT_WARN_DAYS})")


def backups(app: Flask, folder: Path) -> Check:
    files = sorted((folder / backup.BACKUP_FOLDER).glob(f"kiosk-*{backup.SUFFIX}"))
    interval = float(app.config["BACKUP_INTERVAL_MINUTES"])
    if not files:
        detail = "none yet" + (f" (kiosk serve makes one every {interval:g} min)" if interval > 0 else "")
        return Check("backups", "ok" if interval > 0 else "FAIL", detail + "; `kiosk backup DIR` makes one")
    age = (datetime.now(UTC).timestamp() - files[-1].stat().st_mtime) / 60
    return Check("backups", "ok", f"{len(files)} in {files[-1].parent}, newest {age:.0f} min old")


def run(folder: Path, cert: Path | None = None) -> list[Check]:
    """Every check, in order. The database and the disk are checked first, without the
    app: an instance that cannot start still gets those two lines and the reason."""
    from kiosk import create_app

    first = [database(folder), disk(folder)]
    try:
        app = create_app(folder)
    except Exception as error:  # whatever stops the app from starting is the finding
        return [*first, Check("app", "FAIL", f"does not start: {' '.join(str(error).split())[:200]}")]
    return [
        *first,
        *central_and_clock(app, folder),
        camera(app, folder),
        *([printer(app)] if settings.has_role(app.config, "kids") else []),  # the kids' labels
        backups(app, folder),
        certificate(app, folder, cert),
    ]
