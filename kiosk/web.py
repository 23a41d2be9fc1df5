"""Flask glue shared by the blueprints: the request's database and the app's scanner."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from flask import Flask, current_app, g
from flask_htmx import HTMX

from kiosk import db as dbmod
from kiosk.scanning import Scanner

# Reads the HX-* request headers (htmx.target, htmx.trigger...) in any view.
htmx = HTMX()


def get_db() -> sqlite_utils.Database:
    """The instance database, opened once per request."""
    if "db" not in g:
        g.db = dbmod.connect(Path(current_app.instance_path) / dbmod.DB_FILENAME)
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.conn.close()


def get_scanner() -> Scanner:
    return current_app.extensions["kiosk.scanner"]


def gate_id() -> str:
    """The gate this kiosk stands at (config ``GATE``)."""
    return str(current_app.config.get("GATE") or "main")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    htmx.init_app(app)
    app.extensions["kiosk.scanner"] = Scanner(
        debounce_seconds=float(app.config["DEBOUNCE_SECONDS"])
    )
