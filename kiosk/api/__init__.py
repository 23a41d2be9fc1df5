"""The JSON API (``/api/v1``) and its OpenAPI 3 document (``/api/openapi.json``).

The document is assembled from the fragments in ``kiosk/openapi/*.json``: each
feature describes its own paths and schemas beside the others.
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Blueprint, current_app, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kiosk import attendance, auth, clock, scanning, tally
from kiosk import db as dbmod
from kiosk.admission import fair_day
from kiosk.i18n import LANGUAGES
from kiosk.messages import headline, reason_message
from kiosk.web import gate_id, get_db, get_scanner

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.name.lower().replace(" ", "_"), "detail": error.description}), (
        error.code or 500
    )


def openapi_document() -> dict[str, object]:
    """Merge every fragment's paths and components into one OpenAPI document."""
    folder = resources.files("kiosk") / "openapi"
    document: dict[str, object] = {}
    paths: dict[str, object] = {}
    schemas: dict[str, object] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        fragment = json.loads(entry.read_text(encoding="utf-8"))
        paths.update(fragment.pop("paths", {}))
        schemas.update(fragment.pop("components", {}).get("schemas", {}))
        document.update(fragment)
    document["paths"] = paths
    document.setdefault("components", {})["schemas"] = schemas  # type: ignore[index]
    return document


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


def json_body() -> dict[str, object] | None:
    """The request's JSON object, or None when the body is not one."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def bad_request(detail: str) -> tuple[Response, int]:
    return jsonify({"error": "bad_request", "detail": detail}), 400


def _language() -> str:
    asked = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES)
    return asked if asked in LANGUAGES else "fr"


@bp.post("/v1/scans")
@auth.staff_unless_local
def post_scan() -> tuple[Response, int]:
    body = json_body()
    if body is None:
        return bad_request("the body must be a JSON object")
    code = body.get("code")
    gate = body.get("gate", gate_id())
    direction = body.get("direction", "in")
    if not isinstance(code, str):
        return bad_request("'code' must be a string")
    if not isinstance(gate, str) or direction not in ("in", "out"):
        return bad_request("'gate' must be a string and 'direction' 'in' or 'out'")
    try:
        verdict = get_scanner().scan(get_db(), code, gate, direction)
    except scanning.GateError as error:
        return bad_request(str(error))
    with force_locale(_language()):
        answer = {
            **verdict.as_dict(),
            "headline": headline(verdict.level, verdict.direction),
            "message": reason_message(verdict.reason),
        }
    return jsonify(answer), 200


@bp.post("/v1/scans/<scan_uuid>/annul")
@auth.staff_required
def annul_scan(scan_uuid: str) -> tuple[Response, int]:
    staff = auth.current_staff()
    outcome = scanning.annul(
        get_db(),
        scan_uuid,
        float(current_app.config["ANNUL_MINUTES"]),
        staff_id=staff["id"] if staff else None,
    )
    return jsonify({"ok": outcome == "ok", "reason": outcome}), 200 if outcome == "ok" else 409


@bp.post("/v1/walk-ins")
@auth.staff_unless_local
def post_walk_in() -> tuple[Response, int]:
    body = json_body()
    if body is None:
        return bad_request("the body must be a JSON object")
    people = body.get("people", 1)
    if not isinstance(people, int) or isinstance(people, bool):
        return bad_request("'people' must be a whole number")
    staff = auth.current_staff()
    try:
        event_uuid = tally.record_walk_in(
            get_db(),
            str(body.get("gate", gate_id())),
            str(body.get("kind", "")),
            people,
            str(body.get("direction", "in")),
            staff_id=staff["id"] if staff else None,
        )
    except ValueError as error:
        return bad_request(str(error))
    return jsonify({"ok": True, "uuid": event_uuid}), 201


@bp.get("/v1/attendance")
def get_attendance() -> tuple[Response, int]:
    conn = get_db().conn
    asked = request.args.get("date")
    if asked:
        try:
            day = clock.parse_time(asked + "T12:00").date()
        except ValueError:
            return bad_request("'date' must be YYYY-MM-DD")
    else:
        day = fair_day(clock.now(), scanning.load_schedule(conn))
    return jsonify(attendance.day_figures(conn, day)), 200


@bp.post("/v1/login")
def login() -> tuple[Response, int]:
    body = json_body()
    if body is None or not isinstance(body.get("name"), str) or not isinstance(body.get("pin"), str):
        return bad_request("send {'name': ..., 'pin': ...}")
    with dbmod.write(get_db()) as conn:
        row = conn.execute(
            "SELECT id, role FROM staff WHERE name = ? AND active = 1", (body["name"][:100],)
        ).fetchone()
        outcome = auth.check_pin(conn, row["id"], body["pin"], clock.now()) if row else "unknown_staff"
    if outcome != "ok":
        status = 423 if outcome == "locked" else 401
        return jsonify({"ok": False, "reason": "locked" if outcome == "locked" else "wrong_pin"}), status
    return jsonify({"ok": True, "token": auth.make_token(row["id"]), "role": row["role"]}), 200
