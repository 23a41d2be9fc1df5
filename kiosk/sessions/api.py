"""JSON API of the session doors (``/api/v1/sessions``), behind staff authentication.

Log in with ``POST /api/v1/login`` (name and PIN) and send the token as
``Authorization: Bearer TOKEN``. Described in ``kiosk/openapi/0200_sessions.json``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest, NotFound

from kiosk import auth, clock, reasons
from kiosk.i18n import request_language
from kiosk.openapi import json_body
from kiosk.sessions import checkin, messages, programme
from kiosk.sessions.views import DOOR_ROLES, roster_text, settings, today, undo_minutes
from kiosk.web import get_db

bp = Blueprint("sessions_api", __name__, url_prefix="/sessions")  # under /api/v1


def _staff_id() -> str | None:
    staff = auth.current_staff()
    return staff["id"] if staff else None


@bp.get("")
@auth.role_required(*DOOR_ROLES)
def list_sessions() -> tuple[Response, int]:
    """Today's sessions (or ``?date=YYYY-MM-DD``) with live figures."""
    conn = get_db().conn
    asked = request.args.get("date")
    try:
        day = clock.parse_time(asked + "T12:00").date() if asked else today(conn)
    except ValueError:
        raise BadRequest("'date' must be YYYY-MM-DD") from None
    moment = clock.now()
    answer = []
    for row in programme.sessions_on(conn, day):
        figures, _people = checkin.occupancy(conn, row["id"], moment, settings())
        answer.append(
            {
                "id": row["id"],
                "title_fr": row["title_fr"],
                "title_ar": row["title_ar"],
                "title_en": row["title_en"],
                "speaker": row["speaker"],
                "zone": row["zone_id"],
                "starts_at": row["starts_at"],
                "ends_at": row["ends_at"],
                "kind": row["kind"],
                "registration_required": bool(row["registration_required"]),
                "capacity": figures.capacity,
                "checked_in": figures.checked_in,
                "held": figures.held,
                "free": figures.free,
                "waitlist": figures.waitlist,
                "late": figures.late,
            }
        )
    return jsonify({"date": day.isoformat(), "sessions": answer}), 200


@bp.post("/<session_id>/check-ins")
@auth.role_required(*DOOR_ROLES)
def post_check_in(session_id: str) -> tuple[Response, int]:
    body = json_body()
    try:
        verdict = checkin.check_in_code(
            get_db(), session_id, body["code"][:2048], staff_id=_staff_id(), settings=settings()
        )
    except checkin.SessionNotFound:
        raise NotFound("no such session") from None
    with force_locale(request_language()):
        message = reasons.message(verdict.reason, reasons.DOOR)
        status = messages.status_label(verdict.status)
    return jsonify({**verdict.as_dict(), "message": message, "status_label": status}), 200


@bp.post("/check-ins/<checkin_uuid>/undo")
@auth.role_required(*DOOR_ROLES)
def post_undo(checkin_uuid: str) -> tuple[Response, int]:
    window = undo_minutes()
    outcome = checkin.undo(get_db(), checkin_uuid, staff_id=_staff_id(), window_minutes=window)
    with force_locale(request_language()):
        message = messages.undo_message(outcome, window)
    return jsonify({"ok": outcome == "ok", "reason": outcome, "message": message}), (
        200 if outcome == "ok" else 409
    )


@bp.get("/<session_id>/roster")
@auth.role_required(*DOOR_ROLES)
def get_roster(session_id: str) -> tuple[Response, int] | Response:
    row = programme.get_session(get_db().conn, session_id)
    if row is None:
        raise NotFound("no such session")
    people, rate = checkin.roster(get_db().conn, session_id, clock.now(), settings())
    if request.args.get("format") == "csv":
        return Response(roster_text(row, people, rate), mimetype="text/csv")
    return jsonify({"session_id": session_id, "no_show_rate": rate, "people": people}), 200
