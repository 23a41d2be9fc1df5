"""The start page: each kiosk opens on the screen of its role."""

from __future__ import annotations

from typing import TypedDict

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk import settings

bp = Blueprint("home", __name__)

# The first role with a screen wins; features add their role's screen here.
ROLE_SCREENS = {
    "entry": "entry.screen",
    "heritage": "entry.screen",
    "workshop": "sessions.index",
    "finder": "finder.attract",
    "kids": "kids.drop_off_page",
    "central": "dashboard.index",
}


@bp.get("/")
def index() -> Response | str:
    for role in settings.roles(current_app.config):
        endpoint = ROLE_SCREENS.get(role)
        if endpoint:
            # The language asked for goes along (url_for leaves out a None).
            return redirect(url_for(endpoint, lang=request.args.get("lang")))
    return render_template("home.html", role_screens=ROLE_SCREENS)


class Health(TypedDict):
    ok: bool
    role: str


@bp.get("/healthz")
def health() -> Health:
    return {"ok": True, "role": current_app.config["ROLE"]}
