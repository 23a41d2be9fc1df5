"""Staff authentication on the web: sessions, API tokens and the guards of the views.

The accounts themselves (PINs, lock-out) are ``kiosk.staff``.

A kiosk's own screen talks to it over loopback and needs no login for scanning.
Anything that changes data and comes from another host needs a logged-in staff
member: a browser session (``/staff/login``) or an API token
(``Authorization: Bearer``, from ``POST /api/v1/login``).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kiosk import clock
from kiosk.web import get_db

log = logging.getLogger(__name__)

TOKEN_MAX_AGE = 12 * 3600

F = TypeVar("F", bound=Callable[..., Any])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="staff-token")


def make_token(staff_id: str) -> str:
    return _serializer().dumps(staff_id)


def is_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def current_staff() -> sqlite3.Row | None:
    """The logged-in staff member of this request (session or bearer token), if any."""
    if "staff" in g:
        return g.staff
    staff_id = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        try:
            staff_id = _serializer().loads(header[7:], max_age=TOKEN_MAX_AGE)
        except BadSignature:
            staff_id = None
    else:
        staff_id = _session_staff_id()
    row = None
    if isinstance(staff_id, str):
        row = (
            get_db()
            .conn.execute("SELECT id, name, role FROM staff WHERE id = ? AND active = 1", (staff_id,))
            .fetchone()
        )
    g.staff = row
    return row


# Requests the page makes on its own (htmx polling) send this header: they must not
# keep an unattended staff screen logged in.
BACKGROUND_HEADER = "X-Kiosk-Background"


def start_session(staff_id: str) -> None:
    """Log a staff member in on this browser (after a good PIN)."""
    session.clear()
    session["staff_id"] = staff_id
    session["staff_seen"] = clock.iso(clock.now())


def _session_staff_id() -> object:
    """The browser session's staff id, unless idle for longer than ``STAFF_IDLE_MINUTES``
    (then the session is logged out)."""
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    moment = clock.now()
    try:
        # A session logged in without start_session has no time yet: it starts now.
        seen = clock.parse_time(str(session.get("staff_seen", clock.iso(moment))))
    except ValueError:
        seen = None
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    if seen is None or moment - seen > idle:
        session.pop("staff_id", None)
        session.pop("staff_seen", None)
        return None
    if not request.headers.get(BACKGROUND_HEADER):
        session["staff_seen"] = clock.iso(moment)
    return staff_id


def _refuse() -> Any:
    if request.path.startswith("/api/"):
        return jsonify({"error": "staff_login_required"}), 401
    target = url_for("staff.login", next=request.full_path)
    if request.headers.get("HX-Request"):
        # An htmx fragment must not swap the log-in page into a corner: reload the page.
        return "", 200, {"HX-Redirect": target}
    return redirect(target)


def role_required(*roles: str) -> Callable[[F], F]:
    """The view needs a logged-in staff member with one of ``roles`` (organizers pass all)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return _refuse()
            if staff["role"] not in roles and staff["role"] != "organizer":
                if request.path.startswith("/api/"):
                    return jsonify({"error": "forbidden_role"}), 403
                return _("This screen is not for your staff role."), 403
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def staff_required(view: F) -> F:
    """The view needs a logged-in staff member, whatever the host."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return _refuse()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def staff_unless_local(view: F) -> F:
    """The view changes data: open to the kiosk's own screen (loopback), staff otherwise."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_loopback() and current_staff() is None:
            return _refuse()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def log_refused_login(name: str, outcome: str) -> None:
    """One log line for a refused staff log-in (never the PIN): who, why, from where."""
    log.warning("staff log-in refused: %r from %s (%s)", name, request.remote_addr, outcome)
