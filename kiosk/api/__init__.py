"""The JSON API (``/api/v1``) and its OpenAPI 3 document (``/api/openapi.json``).

The document is assembled from the fragments in ``kiosk/openapi/*.json``: each
feature describes its own paths and schemas beside the others.
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kiosk import auth, clock, reasons
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.i18n import LANGUAGES
from kiosk.web import get_db

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.name.lower().replace(" ", "_"), "detail": error.description}), (
        error.code or 500
    )


# Enumerations the fragments name with "x-enum" rather than copy: the document is
# generated from the code's own lists, so it cannot fall behind them.
ENUMS: dict[str, tuple[str, ...]] = {
    "reasons.gate": reasons.codes(reasons.GATE),
    "reasons.door": reasons.codes(reasons.DOOR),
    "levels": tuple(level.value for level in reasons.Level),
    "languages": LANGUAGES,
}


def _fill_enums(node: object) -> None:
    if isinstance(node, dict):
        name = node.pop("x-enum", None)
        if name is not None:
            node["enum"] = list(ENUMS[name])
        for value in node.values():
            _fill_enums(value)
    elif isinstance(node, list):
        for value in node:
            _fill_enums(value)


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
    _fill_enums(document)
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


def request_language() -> str:
    asked = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES)
    return asked if asked in LANGUAGES else "fr"


@bp.post("/v1/login")
def login() -> tuple[Response, int]:
    body = json_body() or {}
    name, pin = body.get("name"), body.get("pin")
    if not isinstance(name, str) or not isinstance(pin, str):
        return bad_request("send {'name': ..., 'pin': ...}")
    with dbmod.write(get_db()) as conn:
        row = accounts.find_by_name(conn, name[:100])
        outcome = accounts.check_pin(conn, row["id"], pin, clock.now()) if row else "unknown_staff"
    if outcome != "ok" or row is None:
        auth.log_refused_login(name[:100], outcome)
        status = 423 if outcome == "locked" else 401
        return jsonify({"ok": False, "reason": "locked" if outcome == "locked" else "wrong_pin"}), status
    return jsonify({"ok": True, "token": auth.make_token(row["id"]), "role": row["role"]}), 200
