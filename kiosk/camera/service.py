"""Building the camera loop and its target from an app's config.

Its settings (``CAMERA_*``, ``DECODERS``) are declared in ``kiosk.settings``.

The loop hands each new code to the target of the kiosk's role: the entry and heritage
kiosks record a scan, a workshop kiosk checks the code into the session picked at its
door. The browser camera goes through the same target. Each feature brings its own
``CameraTarget`` (what to do with a code, and how to show the answer); the app factory
declares which role uses which (``init_app``), so this package imports no feature.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from kiosk import db as dbmod
from kiosk import settings
from kiosk.camera.capture import CaptureLoop, Target, public_source
from kiosk.camera.decoding import Chain, build_chain
from kiosk.db import Database

log = logging.getLogger(__name__)

EXTENSION = "kiosk.camera"
STILL_CHAIN = "kiosk.camera.chain"
TARGETS = "kiosk.camera.targets"


Opener = Callable[[], Database]


TargetFactory = Callable[..., Target]


@dataclass(frozen=True)
class CameraTarget:
    """What a kiosk role does with the codes its cameras read.

    ``make(app, database, **options)`` returns the callable taking a code's text;
    ``database()`` gives the connection to use (the loop's own, opened in its thread, or
    the request's), ``options`` are the browser page's choices (``direction``,
    ``session_id``, ``staff_id``), a factory ignores the ones it does not use.
    ``render(result)`` turns what the callable answered into HTML for the screen's
    ``#verdict`` and the htmx event that refreshes the screen's figures (None: nothing
    to show). ``page(conn)`` gives the browser camera page the choices it offers.
    ``refusals`` are the exceptions a call raises for a request it cannot serve.
    """

    make: TargetFactory
    render: Callable[[object], tuple[str, str] | None]
    page: Callable[[sqlite3.Connection], dict[str, object]] = lambda _conn: {}
    refusals: tuple[type[Exception], ...] = ()


def init_app(app: Flask, targets: Mapping[str, CameraTarget]) -> None:
    """Declare the camera target of each kiosk role that has one."""
    app.extensions[TARGETS] = dict(targets)


def own_database(app: Flask) -> Opener:
    """A connection opened on first use, in the thread that uses it (the loop's), and kept."""
    folder = Path(app.instance_path)
    database: Database | None = None

    def opener() -> Database:
        nonlocal database
        if database is None:
            database = dbmod.connect(folder / dbmod.DB_FILENAME)
        return database

    return opener


def camera_target(app: Flask) -> CameraTarget | None:
    """The camera target of the kiosk's first role that has one (``ROLE`` may list several)."""
    targets: dict[str, CameraTarget] = app.extensions.get(TARGETS, {})
    return next((targets[r] for r in settings.roles(app.config) if r in targets), None)


def role_target(app: Flask, database: Database | None = None, **options: str | None) -> Target | None:
    """The callable of the kiosk's camera target; None if no role has one. Without
    ``database`` it opens its own connection (the capture loop)."""
    target = camera_target(app)
    if target is None:
        return None
    opener = own_database(app) if database is None else (lambda: database)
    return target.make(app, opener, **options)


def decoder_spec(app: Flask) -> str:
    return app.config["DECODERS"]


def still_chain(app: Flask | None = None) -> Chain:
    """The app's chain for still images (browser camera): every decoder gets its turn."""
    app = app or current_app
    chain = app.extensions.get(STILL_CHAIN)
    if chain is None:
        chain = app.extensions[STILL_CHAIN] = build_chain(decoder_spec(app))
    return chain


def build_loop(app: Flask, target: Target | None = None) -> CaptureLoop:
    """A (not yet started) loop for ``CAMERA_SOURCE`` with the target of the kiosk's role."""
    if target is None:
        target = role_target(app)
    return CaptureLoop(
        app.config["CAMERA_SOURCE"],
        build_chain(decoder_spec(app), app.config["CAMERA_FALLBACK_EVERY"]),
        target,
        debounce_seconds=app.config["CAMERA_DEBOUNCE_SECONDS"],
        pace=app.config["CAMERA_PACE"],
        frozen_seconds=app.config["CAMERA_FROZEN_SECONDS"],
    )


def start_camera(app: Flask, stop_on_sigterm: bool = False) -> CaptureLoop | None:
    """Start the camera loop when ``CAMERA_SOURCE`` is set (``kiosk serve``); None otherwise.
    Builds the browser camera's chain too, so start-up says which decoders run. Without a
    camera that chain (loading the decoders: ZBar's look-up runs ``ldconfig``, 30-50 ms) is
    left to the first browser frame, which loads OpenCV and NumPy anyway.

    ``stop_on_sigterm`` (``kiosk serve``): SIGTERM (systemd, tests) becomes SystemExit,
    so the server's ``finally`` stops the loop and releases the camera on its way out.
    """
    source = app.config["CAMERA_SOURCE"]
    if source is None or source == "":
        return None
    still_chain(app)
    loop = build_loop(app)
    app.extensions[EXTENSION] = loop
    loop.start()
    if stop_on_sigterm:
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    log.info("camera loop started on %s", public_source(source))
    return loop


def describe(app: Flask) -> str:
    """One line for the start-up output: decoders in use (those configured, without a
    camera: they load with the first browser frame) and the camera source."""
    loop = get_loop(app)
    chain: Chain | None = app.extensions.get(STILL_CHAIN)
    decoders = ", ".join(chain.names) if chain else f"{decoder_spec(app)} (with the first frame)"
    camera = f"camera {public_source(loop.source)}" if loop else "no camera (set CAMERA_SOURCE)"
    return f"QR decoders: {decoders}; {camera}"


def get_loop(app: Flask | None = None) -> CaptureLoop | None:
    return (app or current_app).extensions.get(EXTENSION)
