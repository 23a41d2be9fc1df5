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
    from kiosk import api, auth, features, i18n, web
    from kiosk.camera import service as camera_service

    roles = settings.roles(app.config)
    web.init_app(app, features.keeps_dashboard_figures(roles))
    auth.init_app(app)
    i18n.init_app(app)
    camera_service.init_app(app, features.camera_targets(roles))
    mounted = features.for_roles(roles)
    for feature in mounted:
        for blueprint in feature.screens:
            app.register_blueprint(blueprint)
    api.init_app(
        app,
        [feature.api for feature in mounted if feature.api is not None],
        [feature.openapi for feature in mounted if feature.openapi is not None],
    )
    return app
