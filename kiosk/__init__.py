"""salon-kiosk: offline-first kiosks and check-in for fairs and exhibitions.

``create_app`` is the Flask application factory. The instance folder (``kiosk init``
makes one) holds ``config.toml``, the SQLite database and, on central, the signing
keys; ``KIOSK_*`` environment variables override the config file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def asset_root() -> Path:
    """The folder holding ``templates/`` and ``static/``: the package itself when installed
    from a wheel (the build copies them in, see setup.py), else the checkout's top level."""
    return PACKAGE_DIR if (PACKAGE_DIR / "templates").is_dir() else PACKAGE_DIR.parent


DEFAULTS: dict[str, Any] = {
    "ROLE": "entry",
    "GATE": "main",
    "DEBOUNCE_SECONDS": 4.0,
    "ANNUL_MINUTES": 5.0,
    "VERDICT_SECONDS": 3.0,
    "ENTRY_IDLE_SECONDS": 60,
    "STAFF_IDLE_MINUTES": 10,
    # Session doors open this long before the start; seats of registered people who have
    # not come are released this long after it (the waitlist moves up).
    "SESSION_DOORS_OPEN_MINUTES": 30,
    "SESSION_NO_SHOW_MINUTES": 10,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # A staff session cookie is not sent with a form posted from another site (CSRF).
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
}


def create_app(instance_path: str | Path | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app for an instance folder (argument, ``KIOSK_INSTANCE`` or ``./instance``)."""
    folder = Path(instance_path or os.environ.get("KIOSK_INSTANCE") or "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(folder),
        template_folder=str(asset_root() / "templates"),
        static_folder=str(asset_root() / "static"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_file(str(folder / "config.toml"), load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env("KIOSK")
    if test_config:
        app.config.update(test_config)

    # Imported here: the blueprints import the app's modules, which import this package.
    from kiosk import i18n, web
    from kiosk.api import bp as api_bp
    from kiosk.camera import service as camera_service
    from kiosk.camera import views as camera_views
    from kiosk.dashboard import bp as dashboard_bp
    from kiosk.entry import api as entry_api
    from kiosk.entry import views as entry
    from kiosk.finder import views as finder_views
    from kiosk.sessions import api as sessions_api
    from kiosk.sessions import views as sessions_views
    from kiosk.views import home, staff
    from sync.blueprint import bp as sync_bp

    web.init_app(app)
    i18n.init_app(app)
    # Which camera target each kiosk role uses (the camera package imports no feature).
    camera_service.init_app(
        app,
        {
            "entry": entry.CAMERA_TARGET,
            "heritage": entry.CAMERA_TARGET,
            "workshop": sessions_views.CAMERA_TARGET,
        },
    )
    for blueprint in (
        home.bp,
        entry.bp,
        staff.bp,
        api_bp,
        entry_api.bp,
        sessions_views.bp,
        sessions_views.public,
        sessions_api.bp,
        sync_bp,
        dashboard_bp,
        camera_views.bp,
        camera_views.api_bp,
        finder_views.bp,
        finder_views.api,
    ):
        app.register_blueprint(blueprint)
    return app
