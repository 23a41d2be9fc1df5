"""Central's live dashboard for organizers: figures, chart, device health, conflicts.

The page refreshes its live part with htmx every few seconds; everything is computed
from the merged logs (``kiosk.entry.attendance``) and the sync tables (``sync.protocol``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import qrcode
import qrcode.image.svg
from babel import dates
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    template_rendered,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response as Redirect

from kiosk import auth, clock, i18n, schedule, settings, spreadsheet, tls
from kiosk import db as dbmod
from kiosk.dashboard import control, passback
from kiosk.dashboard.chart import quarter_chart
from kiosk.dashboard.parts import Drawings
from kiosk.entry import attendance
from kiosk.kids import space as kids_space
from kiosk.sessions import checkin
from kiosk.tickets import shortcode
from kiosk.web import get_db
from sync import protocol, signing

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def organizer_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged-in organizers only; the dashboard exists on central only."""

    for_organizers = auth.role_required("organizer")(view)

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not settings.is_central(current_app.config):
            abort(404)
        return for_organizers(*args, **kwargs)

    return wrapped


# What organizers read for a kiosk's roles and camera state (stored as ids).
ROLE_NAMES = {
    "entry": _l("entrance"),
    "heritage": _l("heritage area"),
    "finder": _l("stand finder"),
    "workshop": _l("session door"),
    "kids": _l("kids' space"),
    "central": _l("central"),
}
CAMERA_STATES = {
    "none": _l("no camera"),
    "ok": _l("working"),
    "missing": _l("missing"),
    "frozen": _l("frozen"),
    "starting": _l("starting"),
    "stopped": _l("stopped"),
}


@bp.app_template_filter("role_names")
def role_names(roles: object) -> str:
    """A device's roles (``entry,finder``) in the reader's language."""
    ids = str(roles or "").replace("/", ",").split(",")
    return ", ".join(str(ROLE_NAMES.get(role.strip(), role.strip())) for role in ids if role.strip())


@bp.app_template_filter("camera_state")
def camera_state(state: object) -> str:
    return str(CAMERA_STATES.get(str(state), state)) if state else "—"


def _names(conn: Any, table: str, language: str) -> dict[str, str]:
    """id -> name of zones or gates in ``language`` (French where a name is missing)."""
    column = f"name_{language}" if language in ("fr", "ar", "en") else "name_fr"
    query = {"zones": "SELECT * FROM zones", "gates": "SELECT * FROM gates"}[table]
    return {r["id"]: r[column] or r["name_fr"] for r in conn.execute(query)}


@bp.app_template_filter("short_date")
def short_date(value: date) -> str:
    """A fair day for the day picker and the day-by-day bars ("lun. 15 juin")."""
    return dates.format_date(value, "EEE d MMM", locale=i18n.format_locale())


@bp.app_template_filter("short_code")
def short_code(serial: object) -> str:
    """A ticket as people read it (its short code), never its serial number."""
    return shortcode.encode(int(serial)) if isinstance(serial, int) else "—"


def _today() -> Any:
    asked = request.args.get("date")
    if asked:
        try:
            return clock.parse_time(asked + "T12:00").date()
        except ValueError:
            abort(400)
    return schedule.today(get_db().conn)


def _open_hours(conn: Any, day: Any) -> tuple[int, int]:
    """First and last hour the gates are open on a fair day (early access included)."""
    hours = next((h for h in schedule.load_schedule(conn) if h.day == day), None)
    if hours is None:
        return (8, 23)
    last = 23 if hours.closes <= hours.opens else max(hours.early_opens.hour, hours.closes.hour - 1)
    return (hours.early_opens.hour, last)


class _Drawn(NamedTuple):
    parts: Drawings[Markup]
    frames: Drawings[tuple[Markup, Markup]]  # a frame's drawing before and after its inside


def _drawn() -> _Drawn:
    drawn: _Drawn = current_app.extensions.setdefault("dashboard_parts", _Drawn(Drawings(), Drawings()))
    return drawn


def _draw(template: str, context: dict[str, object]) -> Markup:
    """A part drawn from what it is given and the Jinja environment (translations, filters,
    ``url_for``), without the app's context processors: they cost more than a small part,
    and what a part reads must be in what it is kept by. Flask's signal is sent as
    ``render_template`` sends it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.jinja_env.get_template(template)
    drawn = Markup(found.render(context))
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=found, context=context)
    return drawn


def _part(key: tuple[object, ...], template: str, context: dict[str, object]) -> Markup:
    """A part of the control room drawn from ``context`` (all it reads, with ``key`` for
    what else it depends on: part, day, language), or as drawn from an equal one."""
    return _drawn().parts.get(key, context, lambda: _draw(template, context))


# Where a frame's inside goes: no drawn text has it, since every name is escaped ("<").
HOLE = "<!--inside-->"


def _framed(key: tuple[object, ...], template: str, context: dict[str, object], inside: Markup) -> Markup:
    """A part made of a frame (``template`` drawn from ``context``, its ``inside`` where it
    writes ``inside``) around pieces drawn one by one: the frame is drawn again only when
    its own context changed, not for each changed piece."""

    def draw() -> tuple[Markup, Markup]:
        head, _hole, tail = _draw(template, {**context, "inside": Markup(HOLE)}).partition(HOLE)
        return Markup(head), Markup(tail)

    head, tail = _drawn().frames.get(key, context, draw)
    return head + inside + tail


def _chart(conn: Any, day: date, gate_names: dict[str, str], language: str) -> Markup:
    """The entries chart's SVG: only the quarters whose counts changed are drawn again (a
    commit adds to the current quarter; a late batch to an older one), and its frame (axis,
    ticks, peak, legend) when they change."""
    chart = quarter_chart(control.quarter_entries(conn, day), gate_names, span=_open_hours(conn, day))
    parts = _drawn().parts
    bars = Markup("").join(
        parts.get(
            ("chart quarter", day, language, quarter.start),
            quarter,
            functools.partial(_draw, "dashboard/_chart_quarter.svg", {"quarter": quarter}),
        )
        for quarter in chart["quarters"]
    )
    frame = {key: value for key, value in chart.items() if key != "quarters"}
    context = {
        "chart": frame,
        "title": _("Entries per quarter of an hour per gate"),
        "text_dir": i18n.text_direction(),
    }
    return _framed(("chart", day, language), "dashboard/_chart.svg", context, bars)


def _devices(devices: list[dict[str, Any]], language: str, today: date) -> Markup:
    """The devices' table, a row drawn again only for a device whose health changed (each
    push changes its device's last contact)."""
    parts = _drawn().parts
    rows = Markup("").join(
        parts.get(
            ("device", language, today, device["device_id"]),
            device,
            functools.partial(
                _draw, "dashboard/_device.html", {"d": device, "offset_limit": protocol.CLOCK_OFFSET_LIMIT}
            ),
        )
        for device in devices
    )
    return _framed(("devices", language), "dashboard/_devices.html", {}, rows)


def _gauges(
    conn: Any, day: date, language: str, figures: attendance.DayTotals, zone_names: dict[str, str]
) -> Markup:
    """The zones' gauges, a zone drawn again only when its own figures changed (a push at
    the main gate moves the grounds' gauge alone)."""
    parts = _drawn().parts
    drawn = []
    for gauge in control.gauges(conn, figures["inside"]):
        zone = gauge["zone"]
        context = {"g": gauge, "name": zone_names.get(zone, zone), "peak": figures["peak"].get(zone, 0)}
        drawn.append(
            parts.get(
                ("gauge", day, language, zone),
                context,
                functools.partial(_draw, "dashboard/_gauge.html", context),
            )
        )
    gauges = Markup("").join(drawn)
    return _framed(("gauges", language), "dashboard/_gauges.html", {}, gauges)


def _fill(conn: Any, day: date, moment: datetime) -> list[control.Fill]:
    return control.session_fill(conn, day, moment, checkin.DoorSettings.from_config(current_app.config))


def _parts(conn: Any, day: date, language: str, moment: datetime) -> tuple[dict[str, Markup], list[Any]]:
    """The control room's parts, each drawn again only when what it shows changed; and the
    devices (their alerts age with the clock: ``_good_until``)."""
    figures = attendance.kept_day_totals(conn, day)
    zone_names = _names(conn, "zones", language)
    gate_names = _names(conn, "gates", language)
    refusals = passback.refusals_per_gate_hour(conn, day)
    double_entries = passback.offline_double_entries(conn, day)
    devices = [
        {**device, "alerts": protocol.health_alerts(device, moment)} for device in protocol.devices(conn)
    ]
    # `when` writes a time of today without its date.
    today = moment.date()
    parts = {
        "figures": _part(
            ("figures", day, language),
            "dashboard/_figures.html",
            {
                "figures": {key: figures[key] for key in ("unique_visitors", "entries", "exits", "walk_ins")},
                "refused": sum(row["refusals"] for row in refusals),
                "doubles": len(double_entries),
            },
        ),
        "so_far": _part(
            ("so_far", day, language),
            "dashboard/_so_far.html",
            {"so_far": control.days_so_far(conn, day, moment)},
        ),
        "gauges": _gauges(conn, day, language, figures, zone_names),
        "kids": _part(
            ("kids", day, language), "dashboard/_kids.html", {"kids": kids_space.central_counts(conn, day)}
        ),
        "chart": _chart(conn, day, gate_names, language),
        # Read again only when a session's seats or people changed (read first: a write
        # after it moves the counter again, so what is drawn is never kept past it).
        "fill": _drawn().parts.get(
            ("fill", day, language),
            control.session_changes(conn),
            lambda: _draw(
                "dashboard/_fill.html", {"fill": _fill(conn, day, moment), "localized": i18n.localized}
            ),
        ),
        "passback": _part(
            ("passback", day, language),
            "dashboard/_passback.html",
            {
                "passback_refusals": refusals,
                "double_entries": double_entries,
                "zone_names": zone_names,
                "gate_names": gate_names,
            },
        ),
        "devices": _devices(devices, language, today),
        "conflicts": _part(
            ("conflicts", day, language, today),
            "dashboard/_conflicts.html",
            {"conflicts": protocol.conflicts(conn, limit=30), "zone_names": zone_names},
        ),
    }
    return parts, devices


def _good_until(moment: datetime, devices: list[dict[str, Any]]) -> datetime:
    """Until when the control room drawn at ``moment`` says the same: the next minute (the
    day-by-day bars count by the minute) or the moment a device still in contact has been
    silent too long (its offline alert), whichever comes first."""
    until = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for device in devices:
        seen = device["last_seen_at"]
        if device["state"] == "enrolled" and "offline" not in device["alerts"] and isinstance(seen, str):
            until = min(until, clock.parse_time(seen) + timedelta(seconds=protocol.OFFLINE_AFTER_SECONDS))
    return until


def _room(conn: Any, day: date) -> Markup:
    """The control room (everything the live part shows but the time it was updated),
    drawn again only after a commit to the database, when the clock changes what it says
    (``_good_until``) or for another day or language: every open tab polls it every 5 s,
    and drawing it costs several times a count of the day's scans (issue 16)."""
    language = str(get_locale())

    def draw() -> tuple[Markup, datetime, datetime]:
        moment = clock.now()
        parts, devices = _parts(conn, day, language, moment)
        room = _draw("dashboard/_room.html", {"parts": parts})
        return room, moment, _good_until(moment, devices)

    def still_good(drawn: tuple[Markup, datetime, datetime]) -> bool:
        return drawn[1] <= clock.now() < drawn[2]  # a clock set back draws it again too

    return dbmod.kept(conn, ("dashboard.room", day, language), draw, still_good)[0]


def _live_context() -> dict[str, object]:
    conn = get_db().conn
    day = _today()
    return {"room": _room(conn, day), "now": clock.now()}


@bp.get("/")
@organizer_required
def index() -> str:
    conn = get_db().conn
    return render_template(
        "dashboard/index.html",
        day=_today(),
        days=[hours.day for hours in schedule.load_schedule(conn)],
        event=conn.execute("SELECT * FROM event").fetchone(),
        staff=auth.current_staff(),
        **_live_context(),
    )


@bp.get("/live")
@organizer_required
def live() -> str:
    return render_template("dashboard/_live.html", **_live_context())


def _qr_svg(text: str) -> Markup:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return Markup(image.to_string(encoding="unicode"))


@bp.route("/devices", methods=["GET", "POST"])
@organizer_required
def devices() -> str | tuple[str, int]:
    """Add a kiosk: its one-time code is shown once, as text and as a QR."""
    enrolled = None
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:60]
        gate = request.form.get("gate", "").strip() or None
        addresses = request.form.get("addresses", "").replace(",", " ").split()[:8]
        try:
            roles = settings.parse_roles(request.form.get("role", ""))
            if not name or "central" in roles:
                raise settings.SettingsError(_("Give a name and kiosk roles."))
            for address in addresses:  # what its HTTPS certificate will name (venue CA)
                tls.parse_name(address)
            with dbmod.write(get_db()) as conn:
                code = protocol.add_device(conn, name, ",".join(roles), gate, clock.now(), addresses)
            central = request.host_url.rstrip("/")
            key = signing.central_fingerprint(Path(current_app.instance_path))
            enrolled = {
                "name": name,
                "code": code,
                "central": central,
                "key": key,
                "qr": _qr_svg(protocol.enrollment_qr(central, code, key)),
            }
        except (settings.SettingsError, protocol.Refusal, tls.TLSError) as problem:
            error = str(problem)
    conn = get_db().conn
    gates = conn.execute("SELECT * FROM gates ORDER BY id").fetchall()
    page = render_template(
        "dashboard/devices.html",
        devices=protocol.devices(conn),
        gates=gates,
        enrolled=enrolled,
        error=error,
        # /ca/ answers 404 until `kiosk ca init`: link it only when there is a CA to install.
        venue_ca=tls.venue_ca_pem(Path(current_app.instance_path)) is not None,
    )
    return (page, 400) if error else page


@bp.post("/devices/<name>/void")
@organizer_required
def void(name: str) -> Redirect:
    """Void a device's refused events: kept, marked void, never counted; the kiosk may
    then mark them sent and its queue moves on."""
    staff = auth.current_staff()
    try:
        with dbmod.write(get_db()) as conn:
            protocol.void_rejected(conn, name, staff["id"] if staff else None, clock.now())
    except protocol.Refusal:
        abort(404)
    return redirect(url_for("dashboard.index"))


def _csv(name: str, header: list[str], rows: list[list[object]]) -> Response:
    out = io.StringIO()
    writer = spreadsheet.Writer(out)  # device names come from whoever added them
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/export/<what>.csv")
@organizer_required
def export(what: str) -> Response:
    conn = get_db().conn
    if what == "attendance":
        day = _today()
        figures = attendance.kept_day_figures(conn, day)
        return _csv(
            f"attendance-{day}.csv",
            # fair_entrance: 1 at the fair's outer gates (the day's entries), 0 at a zone's.
            ["date", "hour", "gate", "zone", "fair_entrance", "entries"],
            [
                [day, f"{r['hour']:02d}", r["gate"], r["zone"], int(r["fair_entrance"]), r["entries"]]
                for r in figures["entries_per_hour"]
            ],
        )
    if what == "devices":
        keys = [
            "name",
            "state",
            "role",
            "gate",
            "last_seen_at",
            "events_waiting",
            "clock_offset",
            "app_version",
            "camera",
            "high_seq",
            "cursor",
        ]
        return _csv("devices.csv", keys, [[d[k] for k in keys] for d in protocol.devices(conn)])
    if what == "conflicts":
        return _csv(
            "conflicts.csv",
            ["id", "kind", "device_id", "detected_at", "updated_at", "detail"],
            [
                [c["id"], c["kind"], c["device_id"], c["detected_at"], c["updated_at"], c["detail"]]
                for c in protocol.conflicts(conn, limit=100000)
            ],
        )
    abort(404)
