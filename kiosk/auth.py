"""Staff authentication on the web: sessions, API tokens and the guards of the views.

The accounts themselves (PINs, lock-out) are ``kiosk.staff``.

A kiosk's own screen talks to it over loopback and needs no login for scanning.
Anything that changes data and comes from another host needs a logged-in staff
member: a browser session (``/staff/login``) or an API token
(``Authorization: Bearer``, from ``POST /api/v1/login``). Both carry the id of a
server-side session (``kiosk.staff.start_session``), so log-out ends them for good.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import secrets
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from kiosk import clock, i18n, settings
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.web import get_db

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# The browser's "I logged in here before as ..." cookie (kiosk.staff.Client.known).
BROWSER_COOKIE = "kiosk_browser"
BROWSER_DAYS = 60


def _serializer(salt: str = "staff-token") -> URLSafeTimedSerializer:
    return _serializer_for(current_app.secret_key or "", salt)


@functools.lru_cache(maxsize=16)
def _serializer_for(key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    # Made once per key and use: building one test-serializes a value (every bearer request).
    return URLSafeTimedSerializer(key, salt=salt)


def session_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])


def make_token(session_id: str) -> str:
    """The API token of a server-side session (``kiosk.staff.start_session``)."""
    return _serializer().dumps(session_id)


def _throttle() -> accounts.ClientThrottle:
    # One per app, made on first use (dict.setdefault is atomic under the GIL).
    return cast(
        accounts.ClientThrottle,
        current_app.extensions.setdefault("kiosk.login_throttle", accounts.ClientThrottle()),
    )


def _browser() -> tuple[str | None, frozenset[str]]:
    """This browser's known-client cookie: its id and the staff ids it logged in as."""
    try:
        value = _serializer("known-browser").loads(
            request.cookies.get(BROWSER_COOKIE, ""), max_age=BROWSER_DAYS * 86400
        )
    except BadSignature:
        return None, frozenset()
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None, frozenset()
    staff = value.get("staff")
    known = frozenset(s for s in staff if isinstance(s, str)) if isinstance(staff, list) else frozenset()
    return value["id"], known


def log_in(name: str, pin: str) -> accounts.LogIn:
    """``kiosk.staff.log_in`` for this request's client."""
    browser, known = _browser()
    client = accounts.Client(request.remote_addr or "", is_loopback(), browser, known)
    return accounts.log_in(
        get_db(),
        name,
        pin,
        clock.now(),
        client,
        _throttle(),
        settings.is_central(current_app.config),
        session_lifetime(),
    )


def remember_browser(response: Response, staff_id: str) -> Response:
    """After a good PIN: this browser is known for ``staff_id`` (kept for a few accounts)."""
    browser, known = _browser()
    value = {"id": browser or secrets.token_urlsafe(16), "staff": [staff_id, *sorted(known - {staff_id})][:8]}
    response.set_cookie(
        BROWSER_COOKIE,
        _serializer("known-browser").dumps(value),
        max_age=BROWSER_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def is_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def current_staff() -> sqlite3.Row | None:
    """The logged-in staff member of this request (session or bearer token), if any."""
    if "staff" in g:
        return g.staff
    session_id = None
    lifetime = session_lifetime()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        try:
            session_id = _serializer().loads(header[7:], max_age=int(lifetime.total_seconds()))
        except BadSignature:
            session_id = None
    else:
        session_id = _session_id()
    row = None
    if isinstance(session_id, str):
        row = accounts.session_staff(get_db().conn, session_id, clock.now(), lifetime)
    g.staff = row
    return row


# Requests the page makes on its own (htmx polling) send this header: they must not
# keep an unattended staff screen logged in.
BACKGROUND_HEADER = "X-Kiosk-Background"
# A staff member's last activity is kept to this step (or a twentieth of the idle time).
SEEN_STEP = timedelta(seconds=30)


def start_session(session_id: str) -> None:
    """Log a staff member in on this browser (after a good PIN): the cookie carries the
    id of the server-side session. Whatever an anonymous visitor left in the cookie is
    dropped, but not the reader's language: it is the screen's, not the account's."""
    language = session.get("lang")
    session.clear()
    if language is not None:
        session["lang"] = language
    session["staff_session"] = session_id
    session["staff_seen"] = clock.iso(clock.now())


def end_session() -> None:
    """Log-out: the server-side session is deleted, so a copy of the cookie is worthless."""
    session_id = session.pop("staff_session", None)
    session.pop("staff_seen", None)
    if isinstance(session_id, str):
        with dbmod.write(get_db()) as conn:
            accounts.end_session(conn, session_id)


def end_token(token: str) -> bool:
    """Revoke an API token (its session); False when it is no valid token."""
    try:
        session_id = _serializer().loads(token, max_age=int(session_lifetime().total_seconds()))
    except BadSignature:
        return False
    if not isinstance(session_id, str):
        return False
    with dbmod.write(get_db()) as conn:
        accounts.end_session(conn, session_id)
    return True


def _session_id() -> object:
    """The browser's server-side session id, unless idle for longer than
    ``STAFF_IDLE_MINUTES`` (then the session is logged out)."""
    staff_id = session.get("staff_session")
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
        # Dropped from this cookie only (no write in a read path): a copy made before
        # still ends at the session's absolute lifetime or at log-out.
        session.pop("staff_session", None)
        session.pop("staff_seen", None)
        return None
    # Activity moves the time on, in steps: rewriting (signing, sending) the cookie at every
    # scan of a busy gate bought a precision of the idle log-out nobody needs.
    step = min(idle / 20, SEEN_STEP)
    if not request.headers.get(BACKGROUND_HEADER) and ("staff_seen" not in session or moment - seen >= step):
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


# Methods that change something: a page of another site must not make the kiosk's
# browser (or a staff member's) send them.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cross_site() -> bool:
    """Whether this request was made by a page of another site (CSRF), as browsers tell
    it: ``Sec-Fetch-Site``, else ``Origin`` (checked like Datasette's CSRF guard). A
    request with neither comes from no browser page (curl, a kiosk's sync client)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.host.lower()


def refuse_cross_site() -> None:
    """Before every request: an unsafe method from another site's page is refused (403),
    loopback-trusted routes included (a page opened in the kiosk's own browser must not
    scan or annul). Requests carrying a bearer token (the JSON API, sync) pass: a
    browser never adds that header to a cross-site request on its own."""
    if request.method not in UNSAFE_METHODS or request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if cross_site():
        log.warning("cross-site %s %s refused (from %s)", request.method, request.path, request.remote_addr)
        # In the reader's language, before any view chose one: JSON under /api (the API's
        # error handler wraps it), a page for a screen.
        with force_locale(i18n.refusal_language()):
            message = _("This request was refused: it came from a page of another site.")
            if request.path.startswith("/api/"):
                abort(403, description=message)
            page = render_template("cross_site.html", message=message)
        abort(make_response(page, 403))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per set of
    keys: Flask made it twice a request (to open and to save), each time test-serializing
    a value and setting up its signer, for every request, with a cookie or not."""

    def __init__(self) -> None:
        self._made: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Only SECRET_KEY signs: the registry declares no fallback keys, so none can be set.
        key = app.secret_key
        made = self._made
        if made is None or made[0] != key:  # a changed key is honoured at once
            made = self._made = (key, super().get_signing_serializer(app))
        return made[1]


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(refuse_cross_site)


def log_refused_login(name: str, outcome: str) -> None:
    """One log line for a refused staff log-in (never the PIN): who, why, from where."""
    log.warning("staff log-in refused: %r from %s (%s)", name, request.remote_addr, outcome)
