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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from flask import Flask

from kiosk import db as dbmod
from kiosk import instance, settings
from kiosk.backup import Schedule
from kiosk.camera.service import get_loop

if TYPE_CHECKING:  # imported when used: only kiosks with a central sync, only kids' kiosks wipe
    from kiosk.camera.capture import CaptureLoop
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


class Watchdog:
    """Under systemd (``Type=notify``): READY=1 once ``url`` (this server's /healthz)
    answers, then, with ``WatchdogSec``, WATCHDOG=1 only while it keeps answering, so a
    server that hangs is restarted. systemd takes these from the main process only
    (``NotifyAccess=main``): with workers, the parent calls ``tick``."""

    def __init__(self, url: str) -> None:
        import ssl  # only under systemd: a plain-HTTP kiosk without a central never loads ssl

        self.url = url
        self.ready = False
        self.interval = int(os.environ.get("WATCHDOG_USEC") or 0) / 2e6  # ping twice per period
        self.context = ssl._create_unverified_context()  # our own loopback server, by address

    def tick(self) -> float | None:
        """One look at ``url``; the seconds until the next (None: no more)."""
        import urllib.request

        try:
            urllib.request.urlopen(self.url, timeout=5, context=self.context).close()
            notify_systemd(b"WATCHDOG=1" if self.ready else b"READY=1")
            self.ready = True
        except OSError:
            pass
        if self.ready and not self.interval:
            return None
        return self.interval if self.ready else 0.2


def watchdog(url: str) -> Watchdog | None:
    """The ``Watchdog`` of ``url`` under systemd (``NOTIFY_SOCKET`` set), else None."""
    return Watchdog(url) if os.environ.get("NOTIFY_SOCKET") else None


def start_watchdog(url: str) -> threading.Thread | None:
    """The ``Watchdog`` of a single-process server, in a thread of its own."""
    dog = watchdog(url)
    if dog is None:
        return None

    def watch() -> None:
        while (delay := dog.tick()) is not None:
            time.sleep(delay)

    thread = threading.Thread(target=watch, name="systemd-watchdog", daemon=True)
    thread.start()
    return thread


def worker_count(config: Mapping[str, Any]) -> int:
    """How many server processes ``kiosk serve`` runs (``SERVE_WORKERS``): unset, one per
    core this process may use for a kiosk whose only role is the finder, else one. More
    than one only there: the finder's data is read-mostly (the directory and plan change
    when central sends a new version, which every process sees by its version counters),
    while the other roles hold what one process must (the camera, the sync loop nudged
    after each scan, one PIN check at a time, central's grouped pushes)."""
    alone = settings.roles(config) == ("finder",) and not config["CAMERA_SOURCE"]
    wanted = config["SERVE_WORKERS"]
    if wanted is None:
        return len(os.sched_getaffinity(0)) if alone else 1
    if wanted > 1 and not alone:
        raise settings.SettingsError(
            f"SERVE_WORKERS {wanted}: more than one server process is for a kiosk whose only role"
            " is finder, without a camera"
        )
    return int(wanted)


def start_jobs(folder: Path, app: Flask) -> CaptureLoop | None:
    """The background jobs of a served instance, in this process: WAL checkpoints, the
    sync loop, backups, the kids' wipe, and the camera (returned, to stop on the way out)."""
    start_checkpoints(folder, app)
    start_sync_loop(folder, app)  # kiosks with a CENTRAL_URL sync in the background
    start_backups(folder, app)
    start_kids_wipe(folder, app)
    from kiosk.camera import service as camera

    return camera.start_camera(app, stop_on_sigterm=True)


def http_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound listening sockets for ``host`` and ``port``, as waitress itself resolves
    and binds them (one per address ``host`` names), to hand to its ``sockets``."""
    from waitress.adjustments import Adjustments

    adjustments = Adjustments(host=host, port=port)
    sockets = []
    listen: list[tuple[int, int, int, Any]] = adjustments.listen  # type: ignore[assignment]  # typeshed: str
    for family, kind, proto, address in listen:
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(adjustments.backlog)
        sockets.append(sock)
    return sockets


def http_listener(app: Flask, host: str, port: int) -> Callable[[], None]:
    """APP's plain-HTTP sockets bound now; the function returned serves them with
    waitress (in each worker, after the fork)."""
    from waitress.server import create_server

    sockets = http_sockets(host, port)
    return lambda: create_server(app, sockets=sockets, **server_options(app)).run()


def serve_workers(folder: Path, app: Flask, count: int, listen: Callable[[], None], health_url: str) -> None:
    """Serve APP with ``count`` worker processes, each calling ``listen`` on the same
    listening sockets (bound before, then inherited: the kernel hands each connection to
    whichever worker accepts it first, so an idle worker takes the next one), until
    SIGTERM or SIGINT. Worker 0 runs the background jobs; a worker that ends is replaced
    (``kiosk.workers``).

    Each worker keeps its own in-memory caches: every one of them is keyed by what the
    database says (``kiosk.db.kept``: any process's commit; the finder's version
    counters, kept by triggers), so a change made through one worker or by the sync loop
    is seen by all at their next request."""
    from kiosk.web import PROCESSES
    from kiosk.workers import Supervisor

    # SQLite connections must not cross a fork: each worker opens its own.
    app.extensions["kiosk.pool"].close_idle()
    app.extensions[PROCESSES] = count

    def work(slot: int) -> None:
        # Again in each worker, before it accepts a connection: the first requests of a
        # forked process copy the pages of every object they touch (reference counts),
        # which took a first search from ~9 to ~23 ms of CPU.
        warm(app)
        camera = start_jobs(folder, app) if slot == 0 else None
        try:
            listen()
        finally:
            if camera is not None:
                camera.stop()

    dog = watchdog(health_url)
    Supervisor(count, work, dog.tick if dog else None).run()
