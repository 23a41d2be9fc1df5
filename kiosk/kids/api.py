"""JSON API of the kids' space (``/api/v1/kids``), for staff of the kids' space (role kids or kids_lead)
(``Authorization: Bearer`` from ``POST /api/v1/login``). Described in
``kiosk/openapi/0800_kids.json``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest

from kiosk import auth, clock, schedule
from kiosk.i18n import request_language
from kiosk.kids import refusals, space
from kiosk.kids.views import ROLES, before_kids_request, drop_off_labels, places, print_labels, staff_id
from kiosk.openapi import json_body
from kiosk.web import get_db

bp = Blueprint("kids_api", __name__, url_prefix="/kids")  # under /api/v1
bp.before_request(before_kids_request)


def _refused(reason: str) -> tuple[Response, int]:
    with force_locale(request_language()):
        return jsonify({"ok": False, "reason": reason, "message": refusals.message(reason)}), 409


@bp.post("/drop-offs")
@auth.role_required(*ROLES)
def post_drop_off() -> tuple[Response, int]:
    body = json_body()
    adult = body["adult"]
    db = get_db()
    try:
        serial = space.adult_ticket(db.conn, adult["ticket"]) if adult.get("ticket") else None
        done = space.drop_off(
            db,
            space.Adult(adult["first_name"], adult["phone"]),
            [space.NewChild(c["first_name"], c["age_band"], c.get("note", "")) for c in body["children"]],
            clock.now(),
            places(),
            staff_id=staff_id(),
            ticket_serial=serial,
        )
    except ValueError as error:
        raise BadRequest(str(error)) from None
    if not done.ok:
        return _refused(str(done.reason))
    assert done.day is not None  # a recorded drop-off has its day
    with force_locale(request_language()):
        drop = drop_off_labels(done.code, done.day, done.children)
    # Printed once the drop-off is stored: a failed printer loses nothing (reprint on the screen).
    printing = print_labels(drop)
    failure = printing["print_failure"]
    children = [{"id": child.id, "first_name": child.first_name} for child in done.children]
    answer = {
        "ok": True,
        "code": done.code,
        "children": children,
        "printed": printing["printer"] and not failure,
    }
    paper = printing["paper"]
    extra = ({"print_failure": failure} if failure else {}) | ({"paper": paper} if paper else {})
    return jsonify(answer | extra), 201


@bp.post("/pick-ups")
@auth.role_required(*ROLES)
def post_pick_up() -> tuple[Response, int]:
    body = json_body()
    done = space.pick_up(get_db(), body["code"][:200], clock.now(), staff_id=staff_id())
    if not done.ok:
        return _refused(str(done.reason))
    children = [
        {"id": child.id, "first_name": child.first_name, "note": child.note} for child in done.children
    ]
    return jsonify({"ok": True, "code": done.code, "children": children}), 200


@bp.get("/inside")
@auth.role_required(*ROLES)
def get_inside() -> tuple[Response, int]:
    conn = get_db().conn
    moment = clock.now()
    day = schedule.today(conn, moment)
    children = space.inside(conn, day, moment, current_app.config["KIDS_LONG_STAY_MINUTES"])
    return jsonify(
        {
            "date": day.isoformat(),
            "capacity": places(),
            "inside": len(children),
            "children": [
                {
                    "id": child.id,
                    "first_name": child.first_name,
                    "age_band": child.age_band,
                    "note": child.note,
                    "dropped_at": clock.iso(child.dropped_at),
                    "minutes": child.minutes,
                    "long_stay": child.long_stay,
                }
                for child in children
            ],
        }
    ), 200
