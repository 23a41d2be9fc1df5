"""The camera at a workshop door: which session it checks people into, and its target.

The door screen picks a session (``select``); the kiosk keeps that choice in its own
database (table ``door_selection``, one row), so a restart does not lose it. The camera
loop of a ``workshop`` kiosk and the browser camera (``kiosk.sessions.views.CAMERA_TARGET``)
hand each code to ``door_target``, which checks it into that session through
``check_in_code``, the door's one verdict path. With no session picked, a code is
ignored and the target answers ``NoSessionSelected`` so the door screen can say why.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.sessions import checkin


@dataclass(frozen=True)
class Selection:
    session_id: str
    staff_id: str | None
    selected_at: str


@dataclass(frozen=True)
class NoSessionSelected:
    """A camera code seen while no session is picked at this door: nothing recorded."""

    text: str


def selected(conn: sqlite3.Connection) -> Selection | None:
    """The session picked at this door, if any."""
    row = conn.execute("SELECT session_id, staff_id, selected_at FROM door_selection").fetchone()
    return Selection(row[0], row[1], row[2]) if row else None


def select(db: Database, session_id: str, staff_id: str | None, moment: datetime | None = None) -> None:
    """Make ``session_id`` the session of this door's camera. Raises SessionNotFound."""
    moment = moment or clock.now()
    with dbmod.write(db) as conn:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise checkin.SessionNotFound(session_id)
        conn.execute(
            "INSERT INTO door_selection (id, session_id, staff_id, selected_at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,"
            " staff_id = excluded.staff_id, selected_at = excluded.selected_at",
            (session_id, staff_id, clock.iso(moment)),
        )


def door_target(
    app: Flask,
    database: Callable[[], Database],
    session_id: str | None = None,
    staff_id: str | None = None,
    **_options: object,
) -> Callable[[str], checkin.SessionVerdict | NoSessionSelected]:
    """Target of a workshop kiosk: check a code into ``session_id`` (the browser camera's
    choice) or else the session picked at this door. Camera check-ins are recorded under
    ``staff_id`` or else the staff member who picked the session."""
    settings = checkin.DoorSettings.from_config(app.config)

    def target(text: str) -> checkin.SessionVerdict | NoSessionSelected:
        db = database()
        chosen, by = session_id, staff_id
        if not chosen:
            selection = selected(db.conn)
            if selection is None:
                return NoSessionSelected(text)
            chosen, by = selection.session_id, by or selection.staff_id
        try:
            return checkin.check_in_code(db, chosen, text, staff_id=by, settings=settings)
        except checkin.SessionNotFound:  # the programme changed under the door's choice
            return NoSessionSelected(text)

    return target
