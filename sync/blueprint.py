"""Central's sync endpoints (``/api/v1/sync/...``) and ``GET /api/v1/conflicts``.

Thin views over ``sync.protocol``: check the protocol version, authenticate the
device token, run the protocol function in one transaction, answer gzip JSON.
Mounted on central only (``kiosk.features``). Request bodies are checked against the
schemas of the published OpenAPI document (``kiosk.openapi.checked``).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kiosk import auth, clock, schedule, tls
from kiosk import db as dbmod
from kiosk.openapi import checked
from kiosk.web import get_db
from sync import feed, group, protocol, signing, validate, wire
from sync.protocol import Refusal
from sync.wire import PushAnswer

bp = Blueprint("sync", __name__)  # under /api/v1
# A push is at most ~1 MB of JSON (sync.wire.PUSH_BYTES): refuse to inflate much more.
MAX_INFLATED_BODY = wire.MAX_PUSH_BODY
# ASCII digits only: str.isdigit also takes superscripts that int() refuses.
CURSOR = re.compile(r"[0-9]{1,18}")


def ensure_change_log() -> None:
    """Triggers of the change log, once per process (a migration may add a table)."""
    if not current_app.extensions.get("sync.change_log"):
        with dbmod.write(get_db()) as conn:
            protocol.ensure_change_log(conn)
            feed.ensure_feed_log(conn)
        current_app.extensions["sync.change_log"] = True


def _central_key() -> signing.Ed25519PrivateKey:
    key = current_app.extensions.get("sync.key")
    if key is None:
        key = current_app.extensions["sync.key"] = signing.load_or_create(Path(current_app.instance_path))
    return key


@bp.after_request
def sign_answer(response: Response) -> Response:
    """Every sync answer, refusals included, signed with central's key (sync.signing):
    a kiosk acts on nothing else."""
    if not request.path.startswith("/api/v1/sync/"):
        return response
    key = _central_key()
    target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
    nonce = request.headers.get(signing.NONCE_HEADER, "")[:64]
    body = response.get_data()
    response.headers[signing.KEY_HEADER] = signing.public_text(key)
    response.headers[signing.SIGNATURE_HEADER] = signing.sign(
        key, nonce, request.method, target, response.status_code, body
    )
    return response


@bp.errorhandler(Refusal)
def refused(refusal: Refusal) -> tuple[Response, int]:
    return jsonify({"error": refusal.error, "detail": refusal.detail}), refusal.status


def _check_protocol() -> int:
    try:
        version = int(request.headers.get(wire.PROTOCOL_HEADER, "0"))
    except ValueError:
        version = 0
    low, high = wire.SUPPORTED
    if not low <= version <= high:
        raise Refusal(
            426,
            "protocol_version",
            f"this kiosk speaks sync protocol {version}; central speaks {low} to {high}:"
            f" {'update the kiosk' if version < low else 'update central'}",
        )
    return version


@bp.before_request
def check_protocol() -> None:
    if request.path.startswith("/api/v1/sync/"):
        _check_protocol()
        ensure_change_log()


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else None


def _body(limit: int = MAX_INFLATED_BODY) -> dict[str, Any]:
    """The request's JSON object, inflated up to ``limit`` bytes. Call it only once the
    device is authenticated: inflating is what an anonymous client must not get."""
    raw = request.get_data(cache=False)
    try:
        if request.headers.get("Content-Encoding") == "gzip":
            document = wire.decode(raw, limit=limit)
        elif len(raw) > limit:
            raise wire.TooLarge(f"body larger than {limit} bytes")
        else:
            document = wire.parse(raw or b"{}")
    except wire.TooLarge as error:
        raise Refusal(413, "body_too_large", str(error)) from None
    except wire.WireError as error:
        raise Refusal(400, "bad_request", f"body: {error}") from None
    return checked(document)


def _gzip(document: object) -> Response:
    response = Response(wire.encode(document), mimetype="application/json")
    response.headers["Content-Encoding"] = "gzip"
    return response


@bp.get("/sync/key")
def key() -> Response:
    """Central's sync public key, signed like every answer: a kiosk about to enroll
    checks it against the fingerprint printed with its code before sending the code."""
    # The venue CA travels in this signed answer: the kiosk pins it for TLS to central.
    ca = tls.venue_ca_pem(Path(current_app.instance_path))
    return _gzip({"key": signing.public_text(_central_key()), "ca": ca})


@bp.post("/sync/enroll")
def enroll() -> Response:
    body = _body(limit=4096)  # a code, an id and a public key: no token yet, so little is read
    with dbmod.write(get_db()) as conn:
        answer = protocol.enroll(conn, body["code"], body["device_id"], clock.now())
    folder = Path(current_app.instance_path)
    certificate = None
    if body.get("tls_key") and tls.has_ca(folder):
        # Signed for the names the organizer gave, never for names the kiosk asks for.
        names = tls.device_names(answer["name"], answer["addresses"])
        try:
            certificate = tls.issue(folder, body["tls_key"], names, clock.now()).decode()
        except tls.TLSError as error:
            raise Refusal(400, "bad_request", f"tls_key: {error}") from None
    return _gzip({**answer, "certificate": certificate, "protocol": wire.PROTOCOL})


@bp.post("/sync/hello")
def hello() -> Response:
    protocol.authenticate(get_db().conn, _token())
    body = _body(limit=64 * 1024)
    reported = body.get("status")
    status = reported if isinstance(reported, dict) else {}
    cursor = status.get("cursor")
    with dbmod.write(get_db()) as conn:
        device = protocol.authenticate(conn, _token())
        offset = protocol.record_contact(
            conn,
            device,
            request.headers.get(wire.TIME_HEADER),
            status,
            _check_protocol(),
            clock.now(),
            cursor if type(cursor) is int and 0 <= cursor < 1 << 62 else None,
        )
        high = protocol.high_seq(conn, device)
    return _gzip(
        {
            "server_time": clock.iso(clock.now()),
            "high_seq": high,
            "protocol": wire.PROTOCOL,
            "clock_offset": offset,
            "feed": True,  # this central serves /sync/feed (sync.feed)
        }
    )


@bp.post("/sync/push")
def push() -> Response:
    # Token first (a read), then inflate: an anonymous client never costs a decompression.
    protocol.authenticate(get_db().conn, _token())
    body = _body()
    moment = clock.now()
    token = _token()

    def apply(conn: sqlite3.Connection, together: protocol.Together) -> PushAnswer:
        # Authenticated inside the transaction: a revocation committed before this
        # batch refuses it whole; one committed after sees it applied whole.
        device = protocol.authenticate(conn, token)
        answer = protocol.apply_batch(conn, device["device_id"], body, moment, together=together)
        protocol.seen(conn, device, moment)
        return answer

    # Pushes from many kiosks queue in the app's group rather than in SQLite's busy
    # handler (which sleeps in steps of milliseconds while the write lock is taken), and
    # those queued together are applied in one transaction (sync.group); each answered
    # once that transaction is on disk. One group per app: per database file.
    pushes: group.Group[PushAnswer] = current_app.extensions.setdefault("sync.pushes", group.Group())
    return _gzip(pushes.run(get_db(), apply))


def _authenticated_roles() -> str:
    """The roles central registered for the calling device: they decide which reference
    tables it is served (never the roles a kiosk says it has)."""
    return str(protocol.authenticate(get_db().conn, _token())["role"])


@bp.get("/sync/changes")
def changes() -> Response:
    roles = _authenticated_roles()
    cursor = request.args.get("cursor", "0")
    if not CURSOR.fullmatch(cursor):
        raise Refusal(400, "bad_request", "'cursor' must be a whole number")
    return _gzip(protocol.serve_changes(get_db().conn, int(cursor), roles=roles))


@bp.get("/sync/feed")
def feed_page() -> Response:
    """Other kiosks' admissions of today in the calling kiosk's zone (``sync.feed``)."""
    conn = get_db().conn
    device = protocol.authenticate(conn, _token())
    cursor = request.args.get("cursor", "0")
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise Refusal(400, "bad_request", "'cursor' must be a whole number")
    day = schedule.today(conn)
    zones = feed.device_zones(conn, device)
    return _gzip(feed.serve_feed(conn, device["device_id"], zones, day, int(cursor)))


@bp.get("/sync/snapshot")
def snapshot() -> Response:
    roles = _authenticated_roles()
    after = request.args.get("after")
    try:
        key = wire.parse(after[:2000]) if after else None
    except wire.WireError:
        raise Refusal(400, "bad_request", "'after' must be a JSON array") from None
    if key is not None and (
        not isinstance(key, list) or any(isinstance(v, list | dict) or validate.cell_problem(v) for v in key)
    ):
        raise Refusal(400, "bad_request", "'after' must be the last primary key received")
    return _gzip(protocol.serve_snapshot(get_db().conn, request.args.get("table", ""), key, roles=roles))


@bp.get("/conflicts")
@auth.role_required("organizer")
def list_conflicts() -> tuple[Response, int]:
    kind = request.args.get("kind") or None
    return jsonify({"conflicts": protocol.conflicts(get_db().conn, kind)}), 200
