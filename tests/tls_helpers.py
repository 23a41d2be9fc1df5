"""Helpers of the TLS tests: a real ``kiosk serve --cert --key`` process, HTTPS requests
that trust exactly the given certificate (or CA), and raw TLS openings."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from conftest import serving

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def trusting(cafile: Path, check_hostname: bool = True) -> ssl.SSLContext:
    """A client context that trusts CAFILE only (a self-signed certificate or the venue CA)."""
    context = ssl.create_default_context(cafile=str(cafile))
    context.check_hostname = check_hostname
    return context


def https_json(
    url: str, context: ssl.SSLContext, document: dict[str, object] | None = None, timeout: float = 20
) -> dict[str, Any]:
    """GET (or POST DOCUMENT to) URL over verified TLS; its JSON answer."""
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
        return json.loads(answer.read())


@contextmanager
def serving_https(
    folder: Path,
    cert: Path,
    key: Path,
    context: ssl.SSLContext,
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``kiosk serve DIR --host HOST --cert --key`` on a free port; yields (the
    loopback https base URL, process)."""
    args = ("--host", host, "--cert", str(cert), "--key", str(key), *extra)
    with serving(folder, env, args=args, context=context) as served:
        yield served


def client_hello() -> bytes:
    """The first flight of a real TLS client (its ClientHello), as bytes on the wire."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="kiosk.local")
    with suppress(ssl.SSLWantReadError):  # it waits for the server's answer: enough
        tls.do_handshake()
    return outgoing.read()


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """True when the server closes SOCK (or resets it) within WITHIN seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True
