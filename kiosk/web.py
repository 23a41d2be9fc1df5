"""Flask glue shared by the blueprints: the request's database, htmx, the kiosk's gate."""

from __future__ import annotations

import queue
from pathlib import Path

from flask import Flask, current_app, g
from flask_htmx import HTMX

from kiosk import clock, events, figures
from kiosk import db as dbmod
from kiosk.db import Database

# Reads the HX-* request headers (htmx.target, htmx.trigger...) in any view.
htmx = HTMX()
# app.extensions key: how many server processes serve the app (kiosk.serve.serve_workers;
# absent: one), for what a process counts in memory for the whole kiosk.
PROCESSES = "kiosk.processes"


class ConnectionPool:
    """Open connections to the instance database, reused across requests: opening one
    (pragmas, schema read) costs more than deciding a scan."""

    def __init__(self, path: Path, keep: int = 8) -> None:
        self.path = path
        self.keep = keep
        # False once a kiosk.db.Checkpointer copies the WAL back (kiosk serve): the
        # requests' commits then never do it while holding the write lock.
        self.autocheckpoint = True
        self._idle: queue.SimpleQueue[Database] = queue.SimpleQueue()

    def acquire(self) -> Database:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            database = dbmod.connect(self.path, migrate_schema=False)
            if not self.autocheckpoint:
                database.conn.execute("PRAGMA wal_autocheckpoint=0")
            return database

    def release(self, database: Database) -> None:
        if database.conn.in_transaction:
            database.conn.rollback()
        if self._idle.qsize() < self.keep:
            self._idle.put(database)
        else:
            database.conn.close()

    def close_idle(self) -> None:
        """Close the connections kept for later requests (before a fork: a SQLite
        connection must not be used in two processes)."""
        while True:
            try:
                self._idle.get_nowait().conn.close()
            except queue.Empty:
                return


def processes() -> int:
    """How many server processes serve this app (``PROCESSES``)."""
    return int(current_app.extensions.get(PROCESSES, 1))


def get_db() -> Database:
    """The instance database for this request (a pooled connection)."""
    if "db" not in g:
        g.db = current_app.extensions["kiosk.pool"].acquire()
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        current_app.extensions["kiosk.pool"].release(database)


def gate_id() -> str:
    """The gate this kiosk stands at (config ``GATE``)."""
    return current_app.config["GATE"]


def init_app(app: Flask, dashboard_figures: bool) -> None:
    """Per-request database and htmx; at start-up, the schema brought up to date and the
    figures ``dashboard_figures`` says this instance keeps (``kiosk.figures``)."""
    path = Path(app.instance_path) / dbmod.DB_FILENAME
    if path.exists():
        database = dbmod.connect(path)  # bring the schema up to date once, at start-up
        clock.use_fair_zone(database.conn)
        figures.keep_dashboard(database, dashboard_figures)
        database.conn.close()
    app.extensions["kiosk.pool"] = ConnectionPool(path)
    app.teardown_appcontext(close_db)
    htmx.init_app(app)

    @app.context_processor
    def clock_warning() -> dict[str, object]:
        """Minutes this kiosk's clock is off central's, when past the tolerance: every
        screen then shows staff a warning (scans already use central's time)."""
        offset = events.clock_offset(get_db().conn)
        if offset is None or abs(offset) <= events.CLOCK_TOLERANCE_SECONDS:
            return {"clock_off_minutes": None}
        return {"clock_off_minutes": round(abs(offset) / 60)}
