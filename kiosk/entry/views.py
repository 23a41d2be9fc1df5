"""The entry kiosk screen: scan or type a ticket, see the verdict, hear it.

Every input (keyboard-wedge scanner, typed short code, camera) posts to ``scan``,
which calls the one verdict path (``Scanner.scan``) and answers an HTML fragment.
"""

from __future__ import annotations

import functools
import logging
import sqlite3

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import gettext as _

from kiosk import auth, clock, schedule
from kiosk.camera.capture import Target
from kiosk.camera.service import CameraTarget, Opener
from kiosk.entry import attendance, scanning, tally
from kiosk.entry.messages import verdict_texts
from kiosk.i18n import DEFAULT_LANGUAGE
from kiosk.web import gate_id, get_db, htmx

bp = Blueprint("entry", __name__, url_prefix="/entry")
log = logging.getLogger(__name__)
# What kiosk serve registers to hear of a committed admission (its sync loop's nudge).
NUDGE = "kiosk.after_admission"


def get_scanner(app: Flask | None = None) -> scanning.Scanner:
    """The verdict path with this app's settings."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    # Looked up at each admission: the camera's scanner is made before the loop starts.
    return scanning.TimedScanner(
        debounce_seconds=app.config["DEBOUNCE_SECONDS"], after_admission=functools.partial(_nudge, app)
    )


def _nudge(app: Flask) -> None:
    nudge = app.extensions.get(NUDGE)
    if nudge is not None:
        nudge()


def _gate_context() -> dict[str, object]:
    conn = get_db().conn
    gate = conn.execute("SELECT * FROM gates WHERE id = ?", (gate_id(),)).fetchone()
    event = conn.execute("SELECT * FROM event").fetchone()
    return {
        "gate": gate,
        "event": event,
        "directions": scanning.gate_directions(gate) if gate else ["in"],
        "staff": auth.current_staff(),
    }


def _stats() -> attendance.GateFigures:
    conn = get_db().conn
    day = schedule.today(conn)
    return attendance.gate_figures(conn, gate_id(), day)


@bp.get("/")
def screen() -> str:
    return render_template(
        "entry/screen.html",
        verdict_seconds=current_app.config["VERDICT_SECONDS"],
        idle_seconds=current_app.config["ENTRY_IDLE_SECONDS"],
        home_language=DEFAULT_LANGUAGE,
        **_gate_context(),
        **_stats(),
    )


@bp.get("/ready")
def ready() -> str:
    return render_template("entry/_ready.html")


@bp.get("/stats")
def stats() -> str:
    return render_template("entry/_stats.html", **_stats())


@bp.post("/scan")
@auth.staff_unless_local
def scan() -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    direction = request.form.get("direction") or None  # None: the gate's own
    code = request.form.get("code", "")
    if auth.current_staff() is None and scanning.exit_needs_staff(get_db().conn, gate_id(), direction):
        log.warning("exit at two-way gate %r asked without a staff log-in", gate_id())
        return render_template("entry/_call_staff.html"), 403
    # A scan the kiosk cannot decide (its gate is not in the reference data, its database
    # is read-only, full or damaged) turns the screen red for staff and goes to the log:
    # the visitor must never be left looking at "Ready".
    try:
        verdict = get_scanner().scan(get_db(), code, gate_id(), direction)
    except scanning.GateError as error:
        log.error("scan at gate %r not possible: %s", gate_id(), error)
        return render_template("entry/_call_staff.html"), 409
    except sqlite3.Error:
        log.exception("scan at gate %r failed in the database", gate_id())
        return render_template("entry/_call_staff.html"), 503
    # The gate's figures come with the verdict (out of band): the screen's stats no longer
    # ask again on a "scanned" event, which doubled the requests of every scan.
    return (
        render_template(
            "entry/_scanned.html",
            verdict=verdict,
            **verdict_texts(verdict),
            verdict_seconds=current_app.config["VERDICT_SECONDS"],
            can_annul=auth.current_staff() is not None,
            **_stats(),
        ),
        200,
    )


@bp.get("/recent")
@auth.staff_required
def recent() -> str:
    """Staff: this kiosk's scans still inside the annulment window, newest first."""
    window = current_app.config["ANNUL_MINUTES"]
    scans = scanning.recent_scans(get_db().conn, window, clock.now())
    return render_template("entry/recent.html", scans=scans, **_gate_context())


# Annulling needs a staff member even on the kiosk's own screen: otherwise a visitor
# could undo their entry and pass the ticket back over the fence.
@bp.post("/annul/<scan_uuid>")
@auth.staff_required
def annul(scan_uuid: str) -> tuple[str, int, dict[str, str]]:
    outcome = scanning.annul(
        get_db(),
        scan_uuid,
        current_app.config["ANNUL_MINUTES"],
        staff_id=_staff_id(),
    )
    messages = {
        "ok": _("Scan cancelled: it no longer counts."),
        "not_found": _("No such scan on this kiosk."),
        "too_late": _("Too late to cancel this scan."),
        "already_annulled": _("This scan was already cancelled."),
    }
    status = 200 if outcome == "ok" else 409
    # On the kiosk screen the answer replaces the verdict; in the staff list, one cell.
    template = "entry/_annulled.html" if htmx.target == "verdict" else "entry/_annulled_cell.html"
    return (
        render_template(template, ok=outcome == "ok", message=messages[outcome]),
        status,
        {"HX-Trigger": "scanned"},
    )


@bp.get("/tally")
def tally_screen() -> str:
    return render_template("entry/tally.html", **_gate_context(), **_stats())


@bp.post("/tally")
@auth.staff_unless_local
def tally_add() -> tuple[str, int, dict[str, str]]:
    kind = request.form.get("kind", "")
    try:
        people = int(request.form.get("people", "1"))
        tally.record_walk_in(
            get_db(),
            gate_id(),
            kind,
            people,
            request.form.get("direction", "in"),
            staff_id=_staff_id(),
        )
    except ValueError as error:
        return render_template("entry/_error.html", message=str(error)), 400, {}
    return render_template("entry/_stats.html", **_stats()), 200, {"HX-Trigger": "scanned"}


def _staff_id() -> str | None:
    staff = auth.current_staff()
    return staff["id"] if staff else None


def scan_target(
    app: Flask,
    database: Opener,
    direction: str | None = None,
    staff_id: str | None = None,
    **_options: object,
) -> Target:
    """Camera target of the entry and heritage kiosks: the verdict path, at this kiosk's gate.
    ``direction`` is a browser camera page's choice, held to the screen's rule (exits at a
    two-way gate by staff only); the kiosk's own camera scans in ``CAMERA_DIRECTION``."""
    scanner = get_scanner(app)
    gate = app.config["GATE"]

    def target(text: str) -> scanning.Verdict:
        db = database()
        if staff_id is None and scanning.exit_needs_staff(db.conn, gate, direction):
            raise scanning.GateError("exits at this gate are recorded by staff")
        # Unset: the gate's own direction (entries, or exits at an exit-only gate).
        return scanner.scan(db, text, gate, direction or app.config["CAMERA_DIRECTION"])

    return target


def camera_page(conn: sqlite3.Connection) -> dict[str, object]:
    """The browser camera page offers a direction only where staff may choose one: at a
    two-way gate, to a logged-in staff member."""
    directions = scanning.directions_of(conn, gate_id())
    return {"directions": directions if len(directions) > 1 and auth.current_staff() else []}


def camera_result(result: object) -> tuple[str, str] | None:
    """A camera's verdict as the screen's ``#verdict`` HTML, and the event that refreshes
    the gate's figures."""
    if not isinstance(result, scanning.Verdict):
        return None
    html = render_template(
        "entry/_verdict.html",
        verdict=result,
        **verdict_texts(result),
        verdict_seconds=current_app.config["VERDICT_SECONDS"],
    )
    return html, "scanned"


CAMERA_TARGET = CameraTarget(
    make=scan_target, render=camera_result, page=camera_page, refusals=(scanning.GateError,)
)
