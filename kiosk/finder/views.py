"""The stand finder screens and API: attract, search as you type, browse, exhibitor page with
plan, route and QR code, the organizer counts, and ``/api/v1/exhibitors`` and ``/api/v1/stands``.

Views are thin: search, routes and counts live in plain modules of ``kiosk.finder``.
Every page renders completely on the server (the phone page works with no script);
the kiosk adds htmx (results as you type), the on-screen keyboard and the idle reset.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.wrappers import Response

from kiosk import auth, clock
from kiosk.finder import layout, plan, qr, queries, stats
from kiosk.i18n import localized
from kiosk.lru import LRU
from kiosk.web import gate_id, get_db, processes

V = TypeVar("V")
# A category's or province's exhibitors from ``start`` to ``stop`` (see ``_browse``).
Lister = Callable[[sqlite3.Connection, int, int], queries.Found]
bp = Blueprint("finder", __name__, url_prefix="/finder")
api = Blueprint("finder_api", __name__)  # under /api/v1


@bp.after_request
def vary_on_htmx(response: Response) -> Response:
    """Finder pages answer htmx with a fragment and a browser with the whole page at one URL:
    say so, so a browser's cache (back button, history restore) never shows one for the other."""
    response.vary.add("HX-Request")
    return response


MAX_LIMIT = 50
BUDGET = "kiosk.finder_budget"  # app.extensions key of this process's stats.Budget
AMENITY_NAMES = {
    "toilets": _l("Toilets"),
    "prayer": _l("Prayer room"),
    "first_aid": _l("First aid"),
    "exit": _l("Emergency exit"),
    "info": _l("Information"),
}
# Said beside an exhibitor's text the fair file gives in another language than the page's.
LANGUAGE_NOTES = {"fr": _l("in French"), "ar": _l("in Arabic"), "en": _l("in English")}
KIND_NAMES = {
    "cooperative": _l("Cooperative"),
    "association": _l("Association"),
    "artisan": _l("Artisan"),
    "other": _l("Other"),
}


def _lang() -> str:
    return str(get_locale())


def kiosk_position() -> plan.Position:
    """Where this kiosk stands (``FINDER_POSITION``, else its gate) and faces (``FINDER_HEADING``)."""
    plan_site = layout.site(get_db().conn)
    try:
        x, y = layout.position_from_config(current_app.config["FINDER_POSITION"], gate_id(), plan_site)
    except ValueError as error:  # a typo in config.toml must not take the kiosk down: use the gate
        current_app.logger.warning("%s; using the gate's position", error)
        x, y = layout.position_from_config(None, gate_id(), plan_site)
    return plan.Position(x, y, current_app.config["FINDER_HEADING"] % 360)


def programme_url() -> str | None:
    """Link to today's programme when that screen and its table exist (another feature)."""
    if not any(rule.rule == "/programme/" for rule in current_app.url_map.iter_rules()):
        return None
    has_table = (
        get_db()
        .conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'")
        .fetchone()
    )
    return "/programme/" if has_table else None


def _is_phone() -> bool:
    return request.args.get("phone") == "1"


def _screen_context() -> dict[str, Any]:
    conn = get_db().conn
    return {
        "event": conn.execute("SELECT * FROM event").fetchone(),
        "idle_seconds": current_app.config["FINDER_IDLE_SECONDS"],
        "programme_url": programme_url(),
        "phone": _is_phone(),
        "amenity_names": AMENITY_NAMES,
        "kind_names": KIND_NAMES,
        "language_notes": LANGUAGE_NOTES,
        "at_rest": False,
    }


def display_name(row: dict[str, Any] | sqlite3.Row, lang: str) -> str:
    """An exhibitor's name in the screen's language: Arabic or Tamazight when the directory
    gives it (rows that carry it), else French."""
    own = dict(row).get(f"name_{lang}") if lang in ("ar", "zgh") else None
    return own or row["name_fr"] or ""


@bp.app_template_filter("finder_name")
@pass_context
def _finder_name(context: Context, row: dict[str, Any]) -> str:
    """The template's ``lang`` (``kiosk.i18n``'s context): once per page, not per result row."""
    return display_name(row, context["lang"])


@bp.app_template_filter("finder_label")
@pass_context
def _finder_label(context: Context, row: dict[str, Any]) -> str:
    """Name of a category or province in the screen's language (the template's ``lang``)."""
    return localized(row, "name", context["lang"])


@bp.get("/")
def attract() -> str | Response:
    """The attract screen; ``reset=1`` (idle timeout) forgets the language too."""
    if request.args.get("reset") == "1":
        session.pop("lang", None)
        return redirect(url_for("finder.attract"))
    return render_template(
        "finder/attract.html",
        categories=queries.categories(get_db().conn),
        **{**_screen_context(), "at_rest": True},
    )


def _page() -> int:
    """Which page of results (1 = the first ``FINDER_RESULTS``); anything unreadable is the first."""
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def _found(text: str, start_page: int, stop_page: int) -> queries.Found | None:
    """Pages ``start_page`` to ``stop_page`` of the results, or None before anything is typed."""
    if not text.strip():
        return None
    size = current_app.config["FINDER_RESULTS"]
    return queries.find_range(get_db().conn, text, (start_page - 1) * size, stop_page * size)


def _counted() -> bool:
    """Whether this request may add usage statistics (``stats.Budget``: bounded per
    client and per minute, so anonymous GETs cannot write without end)."""
    budget = current_app.extensions.get(BUDGET)
    if budget is None:
        budget = current_app.extensions.setdefault(BUDGET, stats.Budget.share(processes()))
    return cast(stats.Budget, budget).allow(request.remote_addr or "", clock.now())


@bp.get("/search")
def search_screen() -> str:
    """The search screen; with ``q`` (the form sent without JavaScript) it shows and counts results,
    ``page`` pages of them (the "more" link of a page without htmx)."""
    text = request.args.get("q", "")[:100]
    conn = get_db().conn
    page = _page()
    found = _found(text, 1, page)
    if found is not None and page == 1 and _counted():
        stats.record_search(get_db(), clock.now(), text, found["total"])
    return render_template(
        "finder/search.html",
        q=text,
        found=found,
        page=page,
        count_delay_ms=int(1000 * current_app.config["FINDER_COUNT_DELAY_SECONDS"]),
        categories=queries.categories(conn),
        provinces=queries.provinces(conn),
        **_screen_context(),
    )


@bp.get("/results")
def results() -> str:
    """Results as you type: an htmx fragment, read only (the whole search page without htmx).
    With ``page`` > 1 only that page's rows and the next "more" button (appended in place)."""
    text = request.args.get("q", "")[:100]
    if not request.headers.get("HX-Request"):
        return search_screen()
    page = _page()
    conn = get_db().conn
    # Visitors type the same prefixes letter by letter: a fragment is kept per directory and
    # plan version (triggers count every change, in any process), language and what was typed,
    # as typed (its links carry it). Nothing in it is per request: no token, no time.
    key = (
        plan.drawing_version(conn),
        queries.directory_version(conn),
        _lang(),
        text,
        page,
        current_app.config["FINDER_RESULTS"],
        request.script_root,
    )
    fragment = _fragments.get(key)
    if fragment is None:
        found = _found(text, page, page)
        template = "finder/_results.html" if page == 1 else "finder/_result_page.html"
        fragment = _fragments.put(key, render_template(template, q=text, found=found, page=page))
    return fragment


@bp.post("/count")
@auth.staff_unless_local
def count_search() -> tuple[str, int]:
    """Count a search once the visitor stopped typing (the screen posts it after a pause), so
    the keystrokes on the way ("mi", "mie") are not counted as searches that found nothing."""
    text = request.form.get("q", "")[:100]
    found = _found(text, 1, 1)
    if found is not None and _counted():
        stats.record_search(get_db(), clock.now(), text, found["total"])
    return "", 204


def _browse(title: sqlite3.Row | None, endpoint: str, args: dict[str, str], lister: Lister) -> str:
    """A category's or province's exhibitors, paged like the search's results: the page with
    the true count and ``page`` pages of rows, or (htmx asking for page 2 on) that page's rows
    and the next "more" button, appended in place."""
    if title is None:
        abort(404)
    page = _page()
    size = current_app.config["FINDER_RESULTS"]
    more = {"page": endpoint, "fragment": endpoint, "args": args}
    if page > 1 and request.headers.get("HX-Request"):
        found = lister(get_db().conn, (page - 1) * size, page * size)
        return render_template("finder/_result_page.html", found=found, page=page, more=more)
    found = lister(get_db().conn, 0, page * size)
    return render_template(
        "finder/browse.html", title=dict(title), found=found, page=page, more=more, **_screen_context()
    )


@bp.get("/category/<category_id>")
def category(category_id: str) -> str:
    conn = get_db().conn
    row = queries.category(conn, category_id)
    if row is not None and _page() == 1 and _counted():
        stats.record(get_db(), clock.now(), {"kind": "category", "category_id": category_id})
    return _browse(
        row,
        "finder.category",
        {"category_id": category_id},
        lambda conn, start, stop: queries.in_category(conn, category_id, start, stop),
    )


@bp.get("/province/<province_id>")
def province(province_id: str) -> str:
    conn = get_db().conn
    row = queries.province(conn, province_id)
    if row is not None and _page() == 1 and _counted():
        stats.record(get_db(), clock.now(), {"kind": "province", "province_id": province_id})
    return _browse(
        row,
        "finder.province",
        {"province_id": province_id},
        lambda conn, start, stop: queries.in_province(conn, province_id, start, stop),
    )


@dataclass(frozen=True)
class Layers:
    """The parts of a plan drawing that change only with the plan version and the language."""

    zones: Markup
    walkways: Markup
    amenities: Markup
    stands: dict[str, list[str]]  # state ("", "dim", "chosen") -> every stand drawn in it, in order
    zoom: Markup
    legend: dict[bool, Markup]  # with and without "Your route"


_layers: dict[tuple[plan.Version, str], Layers] = {}


def plan_layers(view: dict[str, Any]) -> dict[str, Markup]:
    """Zones, walkways, stands, amenities, zoom buttons and legend of a ``plan.plan_view`` as
    SVG and HTML, drawn once per plan version and language (each stand in each of its states):
    a request only picks the chosen stand's. The stands are most of the plan, and drawing
    them was most of an exhibitor page."""
    key = (view["version"], _lang())
    made = _layers.get(key)
    if made is None:
        macros: Any = current_app.jinja_env.get_template("finder/_plan_layers.svg").module
        made = Layers(
            zones=Markup(macros.zones(view)),
            walkways=Markup(macros.walkways(view["walkways"])),
            amenities=Markup(macros.amenities(view, AMENITY_NAMES)),
            stands={
                state: [str(macros.stand(s, state)) for s in view["stands"]]
                for state in ("", "dim", "chosen")
            },
            zoom=Markup(macros.zoom()),
            legend={route: Markup(macros.legend(route, AMENITY_NAMES)) for route in (False, True)},
        )
        if len(_layers) >= plan.MAX_BASES:
            _layers.clear()
        _layers[key] = made
    highlight = view["highlight"]
    if highlight:
        chosen, dim = made.stands["chosen"], made.stands["dim"]
        stands = "".join(
            chosen[i] if s["number"] in highlight else dim[i] for i, s in enumerate(view["stands"])
        )
    else:
        stands = "".join(made.stands[""])
    return {
        "zones": made.zones,
        "walkways": made.walkways,
        "amenities": made.amenities,
        "stands": Markup(stands),
        "zoom": made.zoom,
        "legend": made.legend[bool(view["route"])],
    }


@dataclass(frozen=True)
class Drawn:
    """A plan as drawn for one stand from one place: the SVG, its legend, the route on it."""

    plan: Markup
    legend: Markup
    route: layout.Route | None
    no_route: bool


# Exhibitor pages' parts as made (see ``exhibitor``): the directory's rows of each exhibitor,
# the plans as drawn with their routes (~40 kB each), the name, stands and facts (~5 kB), the
# QR codes (~5 kB). ``warm`` makes them for every exhibitor as the kiosk's screen first shows it.
_rows: LRU[queries.Detail] = LRU(1024)
_drawn: LRU[Drawn] = LRU(512)
_facts: LRU[Markup] = LRU(1024)
_qrs: LRU[Markup] = LRU(1024)
# Search fragments as typed (see ``results``): a page of 12 result rows is 6-14 kB in memory
# (Arabic the most), so at most ~14 MB.
_fragments: LRU[str] = LRU(1024)


def warm(app: Flask) -> None:
    """What the first visitors would otherwise wait for (~300 ms: the search vocabulary
    folded, the templates compiled, the plan's layers drawn): one search answered in process,
    the way the screen asks for it, and the plan (read only: nothing is counted); then every
    exhibitor's page parts as this kiosk's screen first shows them (``warm_exhibitors``).
    ``kiosk serve`` calls it before serving (and before forking its workers, which share them)."""
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.startswith("finder/")):
        app.jinja_env.get_template(name)
    client = app.test_client()
    client.get("/finder/results?q=warm", headers={"HX-Request": "true"})
    client.get("/finder/plan")
    warm_exhibitors(app)


def warm_exhibitors(app: Flask) -> None:
    """Draw each exhibitor's page parts (row, route, plan, facts, QR code) for a visitor at
    this kiosk, in the default language, without step-free: the first view of any exhibitor
    is then a page put together from parts (~2 ms CPU instead of ~6). Kept per directory and
    plan version like any view's: a change shows on the next view, drawn then. The QR code
    only with ``PUBLIC_URL`` (without it, it links to the host the request named), read from
    the database when a start drew it before (``qr.for_links``). At most as many exhibitors as
    ``_drawn`` keeps. It adds ~0.5 s CPU to a start (320 exhibitors; ~1.3 s when the QR codes
    are drawn, at the first start)."""
    base = app.config["PUBLIC_URL"] or "http://localhost/"
    with app.test_request_context("/finder/", base_url=base):
        conn = get_db().conn
        ids = [
            row[0] for row in conn.execute("SELECT id FROM exhibitors ORDER BY id LIMIT ?", (_drawn.size,))
        ]
        links = []
        for exhibitor_id in ids:
            parts = exhibitor_parts(conn, exhibitor_id, None, False, None)
            if parts is not None and app.config["PUBLIC_URL"]:
                links.append(phone_url(exhibitor_id, parts.position, False))
        for url, code in qr.for_links(get_db(), links).items():
            _qrs.put(url, Markup(code))


def phone_url(exhibitor_id: str, position: plan.Position, step_free: bool) -> str:
    """The same exhibitor and route for a phone, on the venue network (``PUBLIC_URL``)."""
    base = str(current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")
    query = {"from": f"{position.x:g},{position.y:g},{position.heading:g}", "phone": "1", "lang": _lang()}
    if step_free:
        query["step_free"] = "1"
    return f"{base}{url_for('finder.exhibitor', exhibitor_id=exhibitor_id)}?{urlencode(query)}"


def qr_markup(url: str) -> Markup:
    """The QR code of ``url``, drawn once (it is ~1.3 ms of CPU, the costliest part of a page)."""
    return _qrs.get(url) or _qrs.put(url, Markup(qr.svg(url)))


@dataclass(frozen=True)
class Parts:
    """An exhibitor page's parts, each kept as made (see ``exhibitor_parts``)."""

    row: queries.Detail
    target: str | None
    position: plan.Position
    drawn: Drawn
    facts: Markup


def exhibitor_parts(
    conn: sqlite3.Connection,
    exhibitor_id: str,
    position_arg: str | None,
    step_free: bool,
    chosen: str | None,
) -> Parts | None:
    """The page of an exhibitor (None: no such exhibitor) for a visitor at ``position_arg``
    (None: at this kiosk), to ``chosen`` among its stands (else its first): the directory's row,
    the plan with the route drawn, the name, stands and facts. What the page shows changes
    with the directory and the plan: each part is kept per version of both (counted by
    triggers, in any process) and made again on the first view after a change."""
    versions = (plan.drawing_version(conn), queries.directory_version(conn))
    row = _rows.get((versions, exhibitor_id))
    if row is None:
        row = queries.exhibitor(conn, exhibitor_id)
        if row is None:
            return None
        _rows.put((versions, exhibitor_id), row)
    plan_site = layout.site(conn)
    position = plan.parse_position(position_arg, kiosk_position(), plan_site.size)
    numbers = [s["number"] for s in row["stands"]]
    target = chosen if chosen in numbers else (numbers[0] if numbers else None)
    lang = _lang()
    # The plan (route, highlighted stand) of this stand from this place is the same for
    # every visitor of a kiosk: a few hundred variants.
    drawing = (versions, lang, position, target, step_free, _is_phone())
    drawn = _drawn.get(drawing)
    if drawn is None:
        route = None
        no_route = False
        if target:
            # A kiosk copies rows without foreign-key checks: a stand missing from its plan
            # is a stand it cannot route to, not a crash.
            stand_row = queries.stand(conn, target)
            try:
                if stand_row is None:
                    raise layout.NoRoute(target)
                route = layout.route_to_stand(
                    plan_site.graph, (position.x, position.y), layout.stand_from_row(stand_row), step_free
                )
            except layout.NoRoute:
                no_route = True
        view = plan.plan_view(conn, lang, position, {target} if target else set(), route)
        layers = plan_layers(view)
        svg = render_template("finder/_plan.svg", plan=view, plan_layers=layers)
        drawn = _drawn.put(drawing, Drawn(Markup(svg), layers["legend"], route, no_route))
    key = (versions, lang, exhibitor_id, target, _is_phone(), step_free, position_arg)
    facts = _facts.get(key)
    if facts is None:
        facts = _facts.put(
            key,
            Markup(
                render_template(
                    "finder/_exhibitor_facts.html",
                    ex=row,
                    target=target,
                    step_free=step_free,
                    position_arg=position_arg,
                    **_screen_context(),
                )
            ),
        )
    return Parts(row, target, position, drawn, facts)


@bp.get("/exhibitors/<exhibitor_id>")
def exhibitor(exhibitor_id: str) -> str:
    position_arg = request.args.get("from")
    step_free = request.args.get("step_free") == "1"
    parts = exhibitor_parts(get_db().conn, exhibitor_id, position_arg, step_free, request.args.get("stand"))
    if parts is None:
        abort(404)
    if parts.target and _counted():
        stats.record(get_db(), clock.now(), {"kind": "route", "stand_number": parts.target})
    return render_template(
        "finder/exhibitor.html",
        title=display_name(cast(dict[str, Any], parts.row), _lang()),
        ex=parts.row,
        facts=parts.facts,
        target=parts.target,
        route=parts.drawn.route,
        no_route=parts.drawn.no_route,
        step_free=step_free,
        drawn=parts.drawn,
        qr=None if _is_phone() else qr_markup(phone_url(exhibitor_id, parts.position, step_free)),
        position_arg=position_arg,
        **_screen_context(),
    )


@bp.get("/plan")
def site_plan() -> str:
    view = plan.plan_view(get_db().conn, _lang(), kiosk_position())
    return render_template("finder/plan.html", plan=view, plan_layers=plan_layers(view), **_screen_context())


@bp.get("/organizer")
@auth.staff_unless_local
def organizer() -> str:
    return render_template("finder/organizer.html", counts=stats.summary(get_db().conn), **_screen_context())


def _limit() -> int:
    try:
        value = int(request.args.get("limit", 10))
    except ValueError:
        abort(400, "limit must be a whole number")
    return min(max(value, 1), MAX_LIMIT)


def _api_row(row: queries.Summary) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name_fr": row["name_fr"],
        "name_ar": row["name_ar"],
        "kind": row["kind"],
        "organisation": row["organisation"],
        "stand": row["stand"],
        "stands": [s["number"] for s in row["stands"]],
        "province": row["province_id"],
        "categories": [c["id"] for c in row["categories"]],
        "products_fr": row["products_fr"],
        "products_ar": row["products_ar"],
    }


@api.get("/exhibitors")
def api_exhibitors() -> Response:
    text = request.args.get("q", "")[:100]
    return jsonify({"results": [_api_row(row) for row in queries.find(get_db().conn, text, _limit())]})


@api.get("/route")
def api_route() -> tuple[Response, int]:
    """A walking route to a stand: from the kiosk (or ``from``: a gate or x,y), step-free if asked."""
    plan_site = layout.site(get_db().conn)
    position = kiosk_position()
    try:
        start = layout.parse_start(request.args.get("from"), plan_site, (position.x, position.y))
    except ValueError as error:
        return jsonify({"error": "bad_from", "detail": str(error)}), 400
    try:
        route = layout.route_between(
            plan_site, request.args.get("to", ""), start, request.args.get("step_free") == "1"
        )
    except layout.UnknownStand as error:
        return jsonify({"error": "unknown_stand", "detail": str(error)}), 404
    except layout.NoStepFreeRoute as error:
        return jsonify({"error": "no_step_free_route", "detail": str(error)}), 422
    except layout.NoRoute as error:
        return jsonify({"error": "no_route", "detail": str(error)}), 422
    return jsonify(
        {
            "metres": route.metres,
            "minutes": route.minutes,
            "steps": route.steps,
            "path": [[round(x, 2), round(y, 2)] for x, y in route.points],
        }
    ), 200


@api.get("/stands")
def api_stands() -> Response:
    return jsonify(
        {
            "stands": [
                {
                    "number": s["number"],
                    "zone": s["zone_id"],
                    "x": s["x"],
                    "y": s["y"],
                    "width": s["width"],
                    "height": s["height"],
                    "exhibitors": s["exhibitors"],
                }
                for s in queries.stands(get_db().conn)
            ]
        }
    )


@api.get("/finder/stats")
@auth.staff_unless_local
def api_stats() -> Response:
    return jsonify(stats.summary(get_db().conn))
