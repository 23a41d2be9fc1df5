"""What ``kiosk serve`` runs: the HTTP or HTTPS server, and beside the web app the sync
loop and its status report, the periodic backups, and systemd's watchdog.

The sync client knows nothing of Flask or the camera; this is where the app's settings
and the camera's state are handed to it.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import logging
import os
import resource
import shutil
import signal
import socket
import ssl
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict

from flask import Flask
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config, Sockets
from hypercorn.middleware import AsyncioWSGIMiddleware
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from kiosk import db as dbmod
from kiosk import settings
from kiosk.backup import Schedule
from kiosk.camera.service import get_loop
from kiosk.entry.views import NUDGE
from kiosk.finder import views as finder_views
from kiosk.kids.wipe import WipeSchedule
from sync.client import Loop

# waitress on a venue network: up to 1000 connections (poll, not select's 1024 fds), idle
# or stalled ones dropped after 30 s, a request body bigger than the app takes refused
# with 413 before it is read (never spooled to disk).
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 30
THREADS = 8
# HTTPS only: a client that has not finished its TLS handshake this long after connecting
# is dropped (each handshake runs on the event loop, never in a worker thread).
HANDSHAKE_TIMEOUT = 10


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


def raise_file_limit() -> None:
    """Take the whole open-file allowance the system grants (systemd: 1024 soft, 524288
    hard), so CONNECTION_LIMIT connections plus the database and the camera fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


class LimitedListener(socket.socket):
    """A listening socket that closes at once a remote connection beyond ``limit`` open
    ones; loopback (the kiosk's own screen) is always let in.

    asyncio calls ``accept`` and, through its transport, each connection's ``close``,
    both on the event loop's thread: the count needs no lock."""

    def __init__(self, family: socket.AddressFamily, limit: int) -> None:
        super().__init__(family, socket.SOCK_STREAM)
        self.limit = limit
        self.remote = 0

    def accept(self) -> tuple[socket.socket, Any]:
        while True:  # until one is let in, or none waits (BlockingIOError ends asyncio's turn)
            fd, address = self._accept()  # type: ignore[attr-defined]
            local = ipaddress.ip_address(address[0]).is_loopback
            if local or self.remote < self.limit:
                break
            os.close(fd)
        connection = CountedConnection(self.family, self.type, self.proto, fileno=fd)
        if not local:
            self.remote += 1
            connection.listener = self
        return connection, address


class CountedConnection(socket.socket):
    """An accepted remote connection: closing it frees its place under the limit."""

    listener: LimitedListener | None = None

    def close(self) -> None:
        if self.listener is not None:
            self.listener.remote -= 1
            self.listener = None
        super().close()


class BoundedBody:
    """ASGI app in front of the WSGI one: a declared body larger than ``limit`` is
    refused with 413 before any of it is read; a chunked one is cut at ``limit`` by
    hypercorn's WSGI middleware (which buffers the body before a thread runs the app,
    so a slow upload never holds a worker thread)."""

    def __init__(self, app: Flask, limit: int) -> None:
        self.wsgi = AsyncioWSGIMiddleware(app, limit)
        self.limit = limit

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] != "http":
            return  # no lifespan or websocket: the Flask app has neither
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            headers = [(b"content-type", b"text/plain"), (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 413, "headers": headers, "trailers": False})
            await send(
                {"type": "http.response.body", "body": b"Request Entity Too Large", "more_body": False}
            )
            return
        await self.wsgi(scope, receive, send)


class TLSConfig(Config):
    """hypercorn's settings for ``kiosk serve --cert --key``, listening on a
    LimitedListener instead of a plain socket; with ``local_port``, plain HTTP too, on
    127.0.0.1 only (the kiosk's own screen: a remote client cannot reach it, so no
    client of that listener is anything but local)."""

    def __init__(self, host: str, port: int, cert: Path, key: Path, local_port: int | None = None) -> None:
        super().__init__()
        self.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
        self.insecure_bind = [f"127.0.0.1:{local_port}"] if local_port else []
        self.local_port = local_port
        self.certfile, self.keyfile = str(cert), str(key)
        self.ssl_handshake_timeout = HANDSHAKE_TIMEOUT
        self.keep_alive_timeout = CHANNEL_TIMEOUT  # idle before (and between) requests
        self.read_timeout = CHANNEL_TIMEOUT  # a stalled body
        # HTTP/1.1 only: HTTP/2 would let one connection run 100 requests at once.
        self.alpn_protocols = ["http/1.1"]
        self.include_server_header = False
        self.accesslog = None
        self.errorlog = logging.getLogger("hypercorn.error")  # through kiosk.logs' handlers
        self.host, self.port = host, port

    def create_sockets(self) -> Sockets:
        secure: list[socket.socket] = [_listener(self.host, self.port)]
        insecure: list[socket.socket] = [_listener("127.0.0.1", self.local_port)] if self.local_port else []
        return Sockets(secure, insecure, [])


def _listener(host: str, port: int) -> LimitedListener:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = LimitedListener(family, CONNECTION_LIMIT)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.setblocking(False)
    return listener


def serve_tls(app: Flask, host: str, port: int, cert: Path, key: Path, local_port: int | None = None) -> None:
    """Serve APP over HTTPS until SIGTERM or SIGINT: hypercorn on an asyncio loop, where
    every connection's TLS handshake, headers and body are read without a thread, then
    one of THREADS worker threads runs the Flask app (waitress's protections, over TLS:
    see CONNECTION_LIMIT, CHANNEL_TIMEOUT, HANDSHAKE_TIMEOUT, MAX_CONTENT_LENGTH).
    ``local_port``: plain HTTP on 127.0.0.1 beside it (see TLSConfig)."""
    config = TLSConfig(host, port, cert, key, local_port)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(ThreadPoolExecutor(THREADS, thread_name_prefix="kiosk-https"))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    app_asgi = BoundedBody(app, int(app.config["MAX_CONTENT_LENGTH"]))
    try:
        loop.run_until_complete(hypercorn_serve(app_asgi, config, shutdown_trigger=stop.wait, mode="asgi"))
    finally:
        # Closing the loop ends a streaming response (MJPEG) still held by a thread.
        loop.close()


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
    """Load before serving what a mounted feature's first request would otherwise wait
    for (the finder: templates and search vocabulary); then leave what the process holds
    so far out of the cyclic collector's full passes (``gc.freeze``): each one scanned the
    whole app and held the request it fell in for 70-120 ms of CPU (issue 16: 50 ms)."""
    if finder_views.bp.name in app.blueprints:
        finder_views.warm(app)
    gc.collect()
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
