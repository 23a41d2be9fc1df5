"""The entry feature's JSON API: scans, annulments and walk-ins; and the attendance figures
(mounted with the dashboard)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from kiosk import auth, clock, schedule
from kiosk.entry import attendance, scanning, tally
from kiosk.entry.messages import verdict_texts
from kiosk.entry.views import get_scanner
from kiosk.i18n import request_language
from kiosk.openapi import json_body
from kiosk.web import gate_id, get_db

bp = Blueprint("entry_api", __name__)  # under /api/v1
# The day's figures, served where the organizers' dashboard is (``features.dashboard``):
# only there are they all kept (``kiosk.figures``).
figures_bp = Blueprint("attendance_api", __name__)  # under /api/v1


@bp.post("/scans")
@auth.staff_unless_local
def post_scan() -> tuple[Response, int]:
    body = json_body()
    try:
        verdict = get_scanner().scan(
            get_db(),
            body["code"],
            body.get("gate", gate_id()),
            body.get("direction"),  # None: the gate's own (an exit-only gate's is out)
        )
    except scanning.GateError as error:
        raise BadRequest(str(error)) from None
    with force_locale(request_language()):
        answer = {**verdict.as_dict(), **verdict_texts(verdict)}
    return jsonify(answer), 200


@bp.post("/scans/<scan_uuid>/annul")
@auth.staff_required
def annul_scan(scan_uuid: str) -> tuple[Response, int]:
    staff = auth.current_staff()
    outcome = scanning.annul(
        get_db(),
        scan_uuid,
        current_app.config["ANNUL_MINUTES"],
        staff_id=staff["id"] if staff else None,
    )
    return jsonify({"ok": outcome == "ok", "reason": outcome}), 200 if outcome == "ok" else 409


@bp.post("/walk-ins")
@auth.staff_unless_local
def post_walk_in() -> tuple[Response, int]:
    body = json_body()
    staff = auth.current_staff()
    try:
        event_uuid = tally.record_walk_in(
            get_db(),
            body.get("gate", gate_id()),
            body["kind"],
            body.get("people", 1),
            body.get("direction", "in"),
            staff_id=staff["id"] if staff else None,
        )
    except ValueError as error:
        raise BadRequest(str(error)) from None
    return jsonify({"ok": True, "uuid": event_uuid}), 201


@figures_bp.get("/attendance")
def get_attendance() -> tuple[Response, int]:
    conn = get_db().conn
    asked = request.args.get("date")
    if asked:
        try:
            day = clock.parse_time(asked + "T12:00").date()
        except ValueError:
            raise BadRequest("'date' must be YYYY-MM-DD") from None
    else:
        day = schedule.today(conn)
    return jsonify(attendance.kept_day_figures(conn, day)), 200
