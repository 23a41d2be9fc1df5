"""Session screens: the door (staff), the organizer's programme editor, the public programme.

The door screen works on a kiosk with no network: everything it reads (sessions,
registrations) is reference data the kiosk holds, and every check-in is an event
written locally. Names are shown only on these staff screens, behind a log-in.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as Redirect

from kiosk import auth, clock, reasons, schedule, spreadsheet
from kiosk import db as dbmod
from kiosk.camera.service import CameraTarget
from kiosk.sessions import checkin, door_camera, messages, programme, rules
from kiosk.sessions import registrations as regs
from kiosk.settings import has_role, is_central
from kiosk.tickets import reading
from kiosk.web import get_db

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
public = Blueprint("programme", __name__, url_prefix="/programme")

DOOR_ROLES = ("workshop",)


def settings() -> checkin.DoorSettings:
    return checkin.DoorSettings.from_config(current_app.config)


def undo_minutes() -> float:
    """How long a check-in can be undone: ``ANNUL_MINUTES``, as for the entry annulment."""
    return current_app.config["ANNUL_MINUTES"]


def today(conn: sqlite3.Connection) -> date:
    """The fair day now (an evening show after midnight still belongs to its evening)."""
    return schedule.today(conn)


def _session_or_404(session_id: str) -> sqlite3.Row:
    row = programme.get_session(get_db().conn, session_id)
    if row is None:
        abort(404)
    return row


def _staff_id() -> str | None:
    staff = auth.current_staff()
    return staff["id"] if staff else None


@public.app_context_processor  # every role with the door has the programme; a finder has only it
def session_labels() -> dict[str, object]:
    return {
        "kind_label": lambda kind: str(messages.KINDS.get(kind, kind)),
        "status_label": messages.status_label,
    }


# --- the door -----------------------------------------------------------------------


def _sessions_with_figures(
    conn: sqlite3.Connection, day: date, moment: datetime
) -> list[tuple[sqlite3.Row, checkin.Occupancy]]:
    """A day's sessions, each with its live seat figures."""
    return [
        (row, checkin.occupancy(conn, row["id"], moment, settings())[0])
        for row in programme.sessions_on(conn, day)
    ]


@bp.get("/")
@auth.role_required(*DOOR_ROLES)
def index() -> str:
    conn = get_db().conn
    day = today(conn)
    rows = _sessions_with_figures(conn, day, clock.now())
    selection = door_camera.selected(conn)
    return render_template(
        "sessions/index.html",
        sessions=rows,
        day=day,
        staff=auth.current_staff(),
        camera_session=selection.session_id if selection else None,
    )


def _door_context(session_id: str) -> dict[str, object]:
    row = _session_or_404(session_id)
    figures, _people = checkin.occupancy(get_db().conn, session_id, clock.now(), settings())
    return {"session": row, "figures": figures, "staff": auth.current_staff()}


@bp.post("/<session_id>/select")
@auth.role_required(*DOOR_ROLES)
def select(session_id: str) -> Redirect:
    """Pick the session of this door: the camera (and the browser camera by default)
    checks people into it from now on."""
    try:
        door_camera.select(get_db(), session_id, _staff_id())
    except checkin.SessionNotFound:
        abort(404)
    return redirect(url_for("sessions.door", session_id=session_id))


def camera_result(result: object) -> tuple[str, str] | None:
    """A camera's answer at the door as HTML for ``#verdict`` (``kiosk.camera.views``),
    and the event that refreshes the door's figures: the verdict, with the name only for
    logged-in door staff, or why the code was ignored."""
    if isinstance(result, door_camera.NoSessionSelected):
        return render_template("sessions/_no_session.html"), "checked"
    if not isinstance(result, checkin.SessionVerdict):
        return None
    staff = auth.current_staff()
    door_staff = staff is not None and staff["role"] in (*DOOR_ROLES, "organizer")
    return _verdict_html(result, public=not door_staff), "checked"


def camera_choices(conn: sqlite3.Connection) -> dict[str, object]:
    """The browser camera page at a door checks into a session: today's sessions, and the
    one picked at the door (the default)."""
    selection = door_camera.selected(conn)
    return {
        "sessions": programme.sessions_on(conn, today(conn)),
        "door_session": selection.session_id if selection else None,
    }


CAMERA_TARGET = CameraTarget(make=door_camera.door_target, render=camera_result, page=camera_choices)


@bp.get("/<session_id>/")
@auth.role_required(*DOOR_ROLES)
def door(session_id: str) -> str:
    selection = door_camera.selected(get_db().conn)
    return render_template(
        "sessions/door.html",
        **_door_context(session_id),
        camera_here=selection is not None and selection.session_id == session_id,
    )


@bp.get("/<session_id>/count")
@auth.role_required(*DOOR_ROLES)
def count(session_id: str) -> str:
    return render_template("sessions/_count.html", **_door_context(session_id))


def _verdict_html(verdict: checkin.SessionVerdict, public: bool = False) -> str:
    session = checkin.facts(_session_or_404(verdict.session_id), settings())
    return render_template(
        "sessions/_verdict.html",
        verdict=verdict,
        session_id=verdict.session_id,
        message=reasons.message(verdict.reason, reasons.DOOR),
        detail=messages.verdict_detail(verdict.reason, session, clock.now()),
        public=public,
    )


def _verdict(verdict: checkin.SessionVerdict, session_id: str) -> tuple[str, int, dict[str, str]]:
    return _verdict_html(verdict), 200, {"HX-Trigger": "checked"}


@bp.post("/<session_id>/check-in")
@auth.role_required(*DOOR_ROLES)
def check_in(session_id: str) -> tuple[str, int, dict[str, str]]:
    _session_or_404(session_id)
    verdict = checkin.check_in_code(
        get_db(), session_id, request.form.get("code", "")[:2048], staff_id=_staff_id(), settings=settings()
    )
    return _verdict(verdict, session_id)


@bp.post("/<session_id>/people/<person_id>/check-in")
@auth.role_required(*DOOR_ROLES)
def check_in_person(session_id: str, person_id: str) -> tuple[str, int, dict[str, str]]:
    _session_or_404(session_id)
    verdict = checkin.check_in_person(
        get_db(), session_id, person_id, staff_id=_staff_id(), settings=settings()
    )
    return _verdict(verdict, session_id)


@bp.post("/<session_id>/walk-in")
@auth.role_required(*DOOR_ROLES)
def walk_in(session_id: str) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    _session_or_404(session_id)
    try:
        verdict = checkin.walk_in(
            get_db(),
            session_id,
            request.form.get("name", "")[:200],
            phone=request.form.get("phone", "")[:40],
            staff_id=_staff_id(),
            settings=settings(),
        )
    except regs.RegistrationError:
        return render_template("sessions/_error.html", message=_("A walk-in needs a name.")), 200
    return _verdict(verdict, session_id)


@bp.post("/<session_id>/undo/<checkin_uuid>")
@auth.role_required(*DOOR_ROLES)
def undo(session_id: str, checkin_uuid: str) -> tuple[str, int, dict[str, str]]:
    window = undo_minutes()
    outcome = checkin.undo(get_db(), checkin_uuid, staff_id=_staff_id(), window_minutes=window)
    return (
        render_template(
            "sessions/_undone.html",
            ok=outcome == "ok",
            outcome=outcome,
            message=messages.undo_message(outcome, window),
        ),
        200,  # htmx swaps only 2xx answers: the message says whether it worked
        {"HX-Trigger": "checked"},
    )


@bp.get("/<session_id>/search")
@auth.role_required(*DOOR_ROLES)
def search(session_id: str) -> str:
    _session_or_404(session_id)
    text = " ".join(request.args.get("q", "").split())
    if len(text) < checkin.SEARCH_MIN_LENGTH:
        return ""  # nothing typed yet: no "Nobody found."
    conn = get_db().conn
    figures, _people = checkin.occupancy(conn, session_id, clock.now(), settings())
    found = checkin.search(conn, session_id, text, figures.statuses)
    return render_template("sessions/_search.html", found=found, session_id=session_id)


@bp.get("/<session_id>/roster")
@auth.role_required(*DOOR_ROLES)
def roster(session_id: str) -> str:
    row = _session_or_404(session_id)
    people, rate = checkin.roster(get_db().conn, session_id, clock.now(), settings())
    return render_template(
        "sessions/roster.html", session=row, people=people, rate=rate, staff=auth.current_staff()
    )


@bp.get("/<session_id>/roster.csv")
@auth.role_required(*DOOR_ROLES)
def roster_csv(session_id: str) -> Response:
    row = _session_or_404(session_id)
    people, rate = checkin.roster(get_db().conn, session_id, clock.now(), settings())
    return Response(
        roster_text(row, people, rate),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="roster-{session_id[:8]}.csv"'},
    )


def roster_text(row: sqlite3.Row, people: list[checkin.RosterRow], rate: float | None) -> str:
    """The roster as CSV: one line per person, then the no-show rate."""
    out = io.StringIO()
    writer = spreadsheet.Writer(out)  # names typed at the door, titles typed by organizers
    writer.writerow(["session", row["title_fr"], row["starts_at"]])
    writer.writerow(["name", "phone", "short_code", "kind", "status", "checked_in_at", "late"])
    for person in people:
        writer.writerow(
            [
                person["name"],
                person["phone"],
                person["short_code"],
                person["kind"],
                person["status"],
                person["checked_in_at"],
                "yes" if person["late"] else "no",
            ]
        )
    writer.writerow(["no_show_rate", "" if rate is None else f"{rate:.2f}"])
    return out.getvalue()


# --- the organizer's programme editor (central) ---------------------------------------


def _central_only() -> None:
    if not is_central(current_app.config):
        abort(403, _("The programme is edited on the central instance."))


@bp.get("/admin/")
@auth.role_required("organizer")
def admin_list() -> str:
    conn = get_db().conn
    rows = conn.execute(
        "SELECT s.*, (SELECT count(*) FROM session_registrations r WHERE r.session_id = s.id"
        " AND r.cancelled_at IS NULL) AS registered FROM sessions s ORDER BY s.starts_at, s.title_fr"
    ).fetchall()
    moment = clock.now()
    figures = {}
    for row in rows:
        occupancy, people = checkin.occupancy(conn, row["id"], moment, settings())
        # How full it was and who never came: what organizers report after the fair.
        ended = clock.parse_time(row["ends_at"]) <= moment
        rate = rules.no_show_rate([p.person() for p in people], row["capacity"]) if ended else None
        figures[row["id"]] = (occupancy, rate)
    return render_template(
        "sessions/admin_list.html",
        sessions=rows,
        figures=figures,
        staff=auth.current_staff(),
        central=is_central(current_app.config),
    )


@bp.route("/admin/new", methods=["GET", "POST"], defaults={"session_id": None})
@bp.route("/admin/<session_id>/edit", methods=["GET", "POST"])
@auth.role_required("organizer")
def admin_edit(session_id: str | None) -> str | Redirect | tuple[str, int]:
    _central_only()
    conn = get_db().conn
    zones = conn.execute("SELECT * FROM zones ORDER BY id").fetchall()
    row = programme.get_session(conn, session_id) if session_id else None
    if session_id and row is None:
        abort(404)
    fields: dict[str, str] = {k: str(v) for k, v in dict(row).items()} if row else {}
    if row:
        fields["zone"] = row["zone_id"]
        fields["starts_at"] = clock.parse_time(row["starts_at"]).strftime("%Y-%m-%dT%H:%M")
        fields["ends_at"] = clock.parse_time(row["ends_at"]).strftime("%Y-%m-%dT%H:%M")
        fields["registration_required"] = "yes" if row["registration_required"] else "no"
    error = None
    if request.method == "POST":
        fields = {key: request.form.get(key, "")[:500] for key in programme.CSV_COLUMNS}
        fields["id"] = session_id or ""
        fields["registration_required"] = "yes" if request.form.get("registration_required") else "no"
        try:
            with dbmod.write(get_db()) as wconn:
                cleaned = programme.clean_session(wconn, fields)
                programme.save_session(wconn, cleaned)
            return redirect(url_for("sessions.admin_list"))
        except programme.SessionError as problem:
            error = str(problem)
    return (
        render_template(
            "sessions/admin_edit.html",
            fields=fields,
            zones=zones,
            error=error,
            session_id=session_id,
            kinds=messages.KINDS,
            staff=auth.current_staff(),
        ),
        400 if error else 200,
    )


@bp.route("/admin/<session_id>/registrations", methods=["GET", "POST"])
@auth.role_required("organizer")
def admin_registrations(session_id: str) -> str | tuple[str, int]:
    row = _session_or_404(session_id)
    error = None
    if request.method == "POST":
        _central_only()
        serial = None
        ticket = request.form.get("ticket", "").strip()
        if ticket:
            serial = reading.known_serial(get_db().conn, ticket)
            if serial is None:
                error = _("No ticket has this code.")
        if error is None:
            try:
                with dbmod.write(get_db()) as conn:
                    regs.register(
                        conn,
                        session_id,
                        request.form.get("name", "")[:200],
                        clock.now(),
                        phone=request.form.get("phone", "")[:40],
                        ticket_serial=serial,
                    )
            except regs.RegistrationError as problem:
                error = str(problem)
    figures, people = checkin.occupancy(get_db().conn, session_id, clock.now(), settings())
    people.sort(key=lambda p: (p.walk_in, p.created_at, p.order))
    return (
        render_template(
            "sessions/admin_registrations.html",
            session=row,
            people=people,
            figures=figures,
            error=error,
            staff=auth.current_staff(),
        ),
        400 if error else 200,
    )


@bp.post("/admin/registrations/<registration_id>/cancel")
@auth.role_required("organizer")
def admin_cancel(registration_id: str) -> Redirect:
    _central_only()
    with dbmod.write(get_db()) as conn:
        row = conn.execute(
            "SELECT session_id FROM session_registrations WHERE id = ?", (registration_id,)
        ).fetchone()
        if row is None:
            abort(404)
        regs.cancel(conn, registration_id, clock.now())
    return redirect(url_for("sessions.admin_registrations", session_id=row["session_id"]))


@bp.get("/admin/registrations/<registration_id>/qr.svg")
@auth.role_required("organizer")
def admin_qr(registration_id: str) -> Response:
    row = (
        get_db()
        .conn.execute("SELECT token FROM session_registrations WHERE id = ?", (registration_id,))
        .fetchone()
    )
    if row is None:
        abort(404)
    image = qrcode.make(
        regs.qr_text(row["token"]),
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    return Response(image.to_string(), mimetype="image/svg+xml")


# --- the public programme -------------------------------------------------------------


@public.get("/")
def programme_page() -> str:
    """Today's sessions for visitors: titles, times, rooms, seats; never a person's name."""
    conn = get_db().conn
    day = today(conn)
    moment = clock.now()
    rows = [
        (row, figures, clock.parse_time(row["ends_at"]) <= moment)
        for row, figures in _sessions_with_figures(conn, day, moment)
    ]
    event = conn.execute("SELECT * FROM event").fetchone()
    return render_template(
        "sessions/programme.html",
        sessions=rows,
        day=day,
        event=event,
        now=moment,
        finder_kiosk=has_role(current_app.config, "finder"),
    )
