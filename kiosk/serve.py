"""What ``kiosk serve`` runs beside the web app: the sync loop and its status report.

The sync client knows nothing of Flask or the camera; this is where the app's settings
and the camera's state are handed to it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from kiosk import settings
from kiosk.camera.service import get_loop
from sync.client import Loop


def camera_status(app: Flask) -> dict[str, object]:
    """The camera's state as the kiosk reports it to central (``none`` without a camera)."""
    loop = get_loop(app)
    return {"camera": str(loop.status()["state"]) if loop else "none"}


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
    return loop
