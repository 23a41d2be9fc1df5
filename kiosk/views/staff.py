"""Staff log-in and log-out with a personal PIN."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kiosk import auth, clock
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.web import get_db

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
        with dbmod.write(get_db()) as conn:
            outcome, staff = accounts.log_in(conn, name, pin, clock.now())
        if staff is not None:
            auth.start_session(staff["id"])
            return redirect(_safe_next(request.args.get("next")))
        auth.log_refused_login(name, outcome)
        error = {
            "locked": _("Too many wrong PINs. Try again in a few minutes."),
        }.get(outcome, _("Wrong name or PIN."))
        return render_template("staff/login.html", error=error), 401
    return render_template("staff/login.html", error=error)


@bp.post("/logout")
def logout() -> Response:
    session.pop("staff_id", None)
    return redirect(url_for("home.index"))
