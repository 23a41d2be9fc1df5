"""The JSON API: one parent blueprint (``/api``, the features' API blueprints nested
under ``/api/v1``), one JSON error handler for all of it, staff log-in, and the
instance's OpenAPI document at ``/api/openapi.json`` (``kiosk.openapi``).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kiosk import auth, openapi
from kiosk import staff as accounts
from kiosk.openapi import json_body


def http_error(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.name.lower().replace(" ", "_"), "detail": error.description}), (
        error.code or 500
    )


def unrouted_error(error: HTTPException) -> tuple[Response, int] | HTTPException:
    """A path under /api that names no route (404, 405) answers JSON too."""
    if request.path.startswith("/api/"):
        return http_error(error)
    return error


def login() -> tuple[Response, int]:
    body = json_body()
    attempt = auth.log_in(body["name"], body["pin"])
    if attempt.staff is None or attempt.session_id is None:
        auth.log_refused_login(body["name"][:100], attempt.outcome)
        if attempt.outcome in accounts.LOCKED:
            return jsonify({"ok": False, "reason": "locked"}), 423
        if attempt.outcome == accounts.PIN_MUST_CHANGE:
            return jsonify({"ok": False, "reason": accounts.PIN_MUST_CHANGE}), 403
        return jsonify({"ok": False, "reason": "wrong_pin"}), 401
    token = auth.make_token(attempt.session_id)
    answer = jsonify({"ok": True, "token": token, "role": attempt.staff["role"]})
    return auth.remember_browser(answer, attempt.staff["id"]), 200


def logout() -> tuple[Response, int]:
    """Revoke the API token sent (or end the browser session): it stops working at once."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        if not auth.end_token(header[7:]):
            return jsonify({"error": "staff_login_required"}), 401
    else:
        auth.end_session()
    return jsonify({"ok": True}), 200


def published() -> Response:
    return jsonify(openapi.document())


def init_app(app: Flask, features: Iterable[Blueprint], fragments: Iterable[str]) -> None:
    """Mount ``/api`` with the features' API blueprints under ``/api/v1`` and publish
    the document of ``fragments``."""
    openapi.publish(app, fragments)
    # Made per app: which children /api/v1 has depends on the instance's roles.
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")
    v1.add_url_rule("/login", view_func=login, methods=["POST"])
    v1.add_url_rule("/logout", view_func=logout, methods=["POST"])
    for child in features:
        v1.register_blueprint(child)
    api.register_blueprint(v1)
    api.add_url_rule("/openapi.json", view_func=published)
    api.register_error_handler(HTTPException, http_error)
    app.register_blueprint(api)
    app.register_error_handler(HTTPException, unrouted_error)
