"""What ``kiosk serve`` runs: the HTTP or HTTPS server, and beside the web app the sync
loop and its status report, the periodic backups, and systemd's watchdog.

The sync client knows nothing of Flask or the camera; this is where the app's settings
and the camera's state are handed to it. The HTTPS server is ``kiosk.tls_server``, imported
only by ``kiosk serve --cert``: a plain-HTTP kiosk never loads hypercorn and h2.
"""

from __future__ import annotations

import gc
import os
import resource
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from flask import Flask

from kiosk import db as dbmod
from kiosk import instance, settings
from kiosk.backup import Schedule
from kiosk.camera.service import get_loop

if TYPE_CHECKING:  # imported when used: only kiosks with a central sync, only kids' kiosks wipe
    from kiosk.kids.wipe import WipeSchedule
    from sync.client import Loop

# waitress on a venue network: up to 1000 connections (poll, not select's 1024 fds), idle
# or stalled ones dropped after 30 s, a request body bigger than the app takes refused
# with 413 before it is read (never spooled to disk).
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 30
THREADS = 8


class ServerOptions(TypedDict):
    threads: int
    ident: str
    connection_limit: int
    channel_timeout: int
    cleanup_interval: int
    asyncore_use_poll: bool
    max_request_body_size: int


def server_options(app: Flask) -> ServerOptions:
    """waitress settings for ``kiosk serve``."""
    return {
        "threads": THREADS,
        "ident": "salon-kiosk",
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": 5,
        "asyncore_use_poll": True,
        "max_request_body_size": int(app.config["MAX_CONTENT_LENGTH"]),
    }


def start_integrity_check(folder: Path) -> Callable[[], None]:
    """``instance.check_integrity`` in a thread of its own: SQLite reads the whole file
    with the GIL released, so the start's imports go on meanwhile (the check grows with
    the database: 15-25 ms for a freshly provisioned kiosk). The function returned waits
    for it and raises what it found."""
    found: list[Exception] = []

    def check() -> None:
        try:
            instance.check_integrity(folder)
        except Exception as error:  # raised in the serving thread by the function returned
            found.append(error)

    thread = threading.Thread(target=check, name="integrity-check", daemon=True)
    thread.start()

    def result() -> None:
        thread.join()
        if found:
            raise found[0]

    return result


def raise_file_limit() -> None:
    """Take the whole open-file allowance the system grants (systemd: 1024 soft, 524288
    hard), so CONNECTION_LIMIT connections plus the database and the camera fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def camera_status(app: Flask) -> dict[str, object]:
    """The camera's state (``none`` without a camera) and the free share of the disk, as
    the kiosk reports them to central (device health on the dashboard)."""
    loop = get_loop(app)
    usage = shutil.disk_usage(app.instance_path)
    return {
        "camera": str(loop.status()["state"]) if loop else "none",
        "disk_free_ratio": round(usage.free / usage.total, 3),
    }


def start_sync_loop(folder: Path, app: Flask) -> Loop | None:
    """Start the sync thread when this instance is a kiosk with a central configured."""
    config = app.config
    if settings.is_central(config) or not config["CENTRAL_URL"]:
        return None
    from kiosk.entry.views import NUDGE
    from sync.client import Loop

    loop = Loop(
        folder,
        config["SYNC_INTERVAL"],
        config["SYNC_MAX_BACKOFF"],
        extra_status=lambda: camera_status(app),
    )
    loop.start()
    app.extensions[NUDGE] = loop.nudge
    return loop


def start_checkpoints(folder: Path, app: Flask) -> dbmod.Checkpointer:
    """Copy the WAL back into the database file in a thread of its own, not in the
    commit of whichever request crosses the threshold (see ``kiosk.db.checkpoint``)."""
    checkpointer = dbmod.Checkpointer(Path(folder) / dbmod.DB_FILENAME)
    app.extensions["kiosk.pool"].autocheckpoint = False
    checkpointer.start()
    return checkpointer


def warm(app: Flask) -> None:
    """Load before serving what a first request would otherwise wait for (the API's body
    validators, with jsonschema; the finder: templates and search vocabulary); then leave
    what the process holds so far out of the cyclic collector's full passes
    (``gc.freeze``): each one scanned the whole app and held the request it fell in for
    70-120 ms of CPU (issue 16: 50 ms).

    Before serving, not in a thread beside it: loading in parallel held the GIL against
    the first requests (the finder's first search went from 6-14 ms to 18-83 ms)."""
    from kiosk import openapi

    openapi.prepare(app)
    if "finder" in app.blueprints:
        from kiosk.finder import views as finder_views

        finder_views.warm(app)
    # The young generations only, where the warm-up's garbage is: a full pass here found
    # nothing to free in an entry kiosk and cost 13-16 ms CPU of its start.
    gc.collect(1)
    gc.freeze()


def start_backups(folder: Path, app: Flask) -> Schedule | None:
    """Back the database up every ``BACKUP_INTERVAL_MINUTES`` (0: never), keeping
    ``BACKUP_KEEP`` files in ``DIR/backups``."""
    interval = float(app.config["BACKUP_INTERVAL_MINUTES"])
    if interval <= 0:
        return None
    schedule = Schedule(folder, interval, int(app.config["BACKUP_KEEP"]))
    schedule.start()
    return schedule


def start_kids_wipe(folder: Path, app: Flask) -> WipeSchedule | None:
    """A kids' kiosk wipes the day's names and phones by itself (``KIDS_KEEP_HOURS``)."""
    if not settings.has_role(app.config, "kids"):
        return None
    from kiosk.kids.wipe import WipeSchedule

    schedule = WipeSchedule(folder, float(app.config["KIDS_KEEP_HOURS"]))
    schedule.start()
    return schedule


def notify_systemd(message: bytes) -> None:
    """One sd_notify datagram (READY=1, WATCHDOG=1) to ``NOTIFY_SOCKET``."""
    path = os.environ["NOTIFY_SOCKET"]
    address = "\0" + path[1:] if path.startswith("@") else path  # @: an abstract socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(message, address)


def start_watchdog(url: str) -> threading.Thread | None:
    """Under systemd (``Type=notify``): READY=1 once ``url`` (this server's /healthz)
    answers, then, with ``WatchdogSec``, WATCHDOG=1 only while it keeps answering, so a
    server that hangs is restarted."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    import ssl  # only under systemd: a plain-HTTP kiosk without a central never loads ssl
    import urllib.request

    interval = int(os.environ.get("WATCHDOG_USEC") or 0) / 2e6  # ping twice per period
    unverified = ssl._create_unverified_context()  # our own loopback server, by address

    def watch() -> None:
        ready = False
        while True:
            try:
                urllib.request.urlopen(url, timeout=5, context=unverified).close()
                notify_systemd(b"WATCHDOG=1" if ready else b"READY=1")
                ready = True
            except OSError:
                pass
            if ready and not interval:
                return
            time.sleep(interval if ready else 0.2)

    thread = threading.Thread(target=watch, name="systemd-watchdog", daemon=True)
    thread.start()
    return thread
