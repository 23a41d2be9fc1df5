"""The HTTPS server of ``kiosk serve --cert --key``: hypercorn on an asyncio loop, with
waitress's protections (see ``kiosk.serve``: connection limit, timeouts, body size). Its own
module so that a plain-HTTP kiosk never imports hypercorn and h2 (start time and memory)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config, Sockets
from hypercorn.middleware import AsyncioWSGIMiddleware
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from kiosk.serve import CHANNEL_TIMEOUT, CONNECTION_LIMIT, THREADS

# HTTPS only: a client that has not finished its TLS handshake this long after connecting
# is dropped (each handshake runs on the event loop, never in a worker thread).
HANDSHAKE_TIMEOUT = 10


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
        self.made: Sockets | None = None  # bound before the workers fork (kiosk.serve.serve_workers)

    def create_sockets(self) -> Sockets:
        if self.made is not None:
            return self.made
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


def tls_listener(app: Flask, config: TLSConfig) -> Callable[[], None]:
    """CONFIG's sockets bound now; the function returned serves them (``serve_tls``, in
    each worker of ``kiosk.serve.serve_workers``, after the fork)."""
    config.made = config.create_sockets()
    return lambda: serve_tls(app, config)


def serve_tls(app: Flask, config: TLSConfig) -> None:
    """Serve APP over HTTPS until SIGTERM or SIGINT: hypercorn on an asyncio loop, where
    every connection's TLS handshake, headers and body are read without a thread, then
    one of THREADS worker threads runs the Flask app (waitress's protections, over TLS:
    see CONNECTION_LIMIT, CHANNEL_TIMEOUT, HANDSHAKE_TIMEOUT, MAX_CONTENT_LENGTH), with
    plain HTTP on 127.0.0.1 beside it when the config has a ``local_port``."""
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
