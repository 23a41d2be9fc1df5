"""salon-kiosk: offline-first kiosks and check-in for fairs and exhibitions.

``create_app`` is the Flask application factory. The instance folder (``kiosk init``
makes one) holds ``config.toml``, the SQLite database and, on central, the signing
keys; ``KIOSK_*`` environment variables override the config file (``kiosk.settings``
declares every setting; ``create_app`` raises ``settings.SettingsError`` on a bad one).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk import settings

PACKAGE_DIR = Path(__file__).resolve().parent


def asset_root() -> Path:
    """The folder holding ``templates/`` and ``static/``: the package itself when installed
    from a wheel (the build copies them in, see setup.py), else the checkout's top level."""
    return PACKAGE_DIR if (PACKAGE_DIR / "templates").is_dir() else PACKAGE_DIR.parent


def create_app(instance_path: str | Path | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app for an instance folder (argument, ``KIOSK_INSTANCE`` or ``./instance``)."""
    folder = Path(instance_path or os.environ.get("KIOSK_INSTANCE") or "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(folder),
        template_folder=str(asset_root() / "templates"),
        static_folder=str(asset_root() / "static"),
    )
    # Flask's own keys a test sets (TESTING...) pass as they are; every other is a setting.
    flask_keys = {
        k: v for k, v in (test_config or {}).items() if k in app.default_config and k not in settings.BY_NAME
    }
    overrides = {k: v for k, v in (test_config or {}).items() if k not in flask_keys}
    effective = settings.load(folder, os.environ, overrides)
    app.config.update(effective.values)
    app.config.update(flask_keys)
    app.extensions[settings.EXTENSION] = effective

    # Imported here: the blueprints import the app's modules, which import this package.
    from kiosk import i18n, web
    from kiosk.api import bp as api_bp
    from kiosk.camera import service as camera_service
    from kiosk.camera import views as camera_views
    from kiosk.dashboard import bp as dashboard_bp
    from kiosk.entry import api as entry_api
    from kiosk.entry import views as entry
    from kiosk.fair import views as fair_views
    from kiosk.finder import views as finder_views
    from kiosk.sessions import api as sessions_api
    from kiosk.sessions import views as sessions_views
    from kiosk.views import home, metrics, staff
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
        metrics.bp,
        fair_views.bp,
    ):
        app.register_blueprint(blueprint)
    return app
