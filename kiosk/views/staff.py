"""Staff log-in and log-out with a personal PIN."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kiosk import auth
from kiosk import staff as accounts

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    # Only plain local paths: never redirect a logged-in staff member to another site.
    # Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/host"
    # and "/\\host" mean "//host"; a CR/LF would split the Location header.
    if (
        target
        and target.isprintable()
        and not any(ch.isspace() or ch == "\\" for ch in target)
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:100]
        pin = request.form.get("pin", "")[:64]
        attempt = auth.log_in(name, pin)
        if attempt.staff is not None and attempt.session_id is not None:
            auth.start_session(attempt.session_id)
            return auth.remember_browser(redirect(_safe_next(request.args.get("next"))), attempt.staff["id"])
        auth.log_refused_login(name, attempt.outcome)
        if attempt.outcome == accounts.PIN_MUST_CHANGE:
            error = _("This PIN must be changed: see an organizer.")
            return render_template("staff/login.html", error=error), 403
        error = (
            _("Too many wrong PINs. Try again in a few minutes.")
            if attempt.outcome in accounts.LOCKED
            else _("Wrong name or PIN.")
        )
        return render_template("staff/login.html", error=error), 401
    return render_template("staff/login.html", error=error)


@bp.post("/logout")
def logout() -> Response:
    auth.end_session()
    return redirect(url_for("home.index"))
