"""``/metrics`` in the Prometheus text format (prometheus-client): open to loopback, else
only with ``METRICS_TOKEN``.

Figures that live in the database (scans by gate and reason, people inside, the sync
queue) are read from it at each scrape, so they are right after a restart and on central
cover every kiosk; what only this process knows (how long verdicts take) comes from
``kiosk.metrics.REGISTRY``.
"""

from __future__ import annotations

import hmac
import shutil
import sqlite3
from pathlib import Path

from flask import Blueprint, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from werkzeug.wrappers import Response

from kiosk import auth, clock, schedule
from kiosk.camera.capture import FROZEN, MISSING, OK, STARTING, STOPPED
from kiosk.camera.service import get_loop
from kiosk.entry import attendance
from kiosk.metrics import REGISTRY
from kiosk.web import get_db

bp = Blueprint("metrics", __name__)


def database_families(conn: sqlite3.Connection) -> list[GaugeMetricFamily]:
    """Scans by gate, result and reason; people inside each zone on the current fair day;
    the sync queue and clock offset (kiosks)."""
    scans = CounterMetricFamily(
        "kiosk_scans", "Scans recorded (all devices on central).", labels=["gate", "result", "reason"]
    )
    for gate, result, reason, count in conn.execute(
        "SELECT gate_id, result, reason, count(*) FROM scans GROUP BY 1, 2, 3"
    ):
        scans.add_metric([gate, result, reason], count)
    inside = GaugeMetricFamily("kiosk_inside_now", "People inside each zone now.", labels=["zone"])
    day = schedule.today(conn)
    for zone, count in sorted(attendance.occupancy(conn, day).items()):
        inside.add_metric([zone], count.inside)
    families: list = [scans, inside]
    state = conn.execute("SELECT * FROM sync_state WHERE id = 1 AND central_url IS NOT NULL").fetchone()
    if state is not None:
        from sync.client import waiting  # a kiosk that syncs has it loaded; one that does not never needs it

        families.append(GaugeMetricFamily("kiosk_sync_waiting_events", "Events not yet confirmed by central.",
                                          value=waiting(conn)))  # fmt: skip
        last = max(filter(None, (state["last_push_at"], state["last_pull_at"])), default=None)
        if last:
            families.append(GaugeMetricFamily("kiosk_sync_last_success_timestamp_seconds",
                                              "When central last answered a sync round.",
                                              value=clock.parse_time(last).timestamp()))  # fmt: skip
        if state["clock_offset"] is not None:
            families.append(GaugeMetricFamily("kiosk_clock_offset_seconds",
                                              "This clock minus central's, measured at the last sync.",
                                              value=float(state["clock_offset"])))  # fmt: skip
    return families


def exposition(
    conn: sqlite3.Connection, folder: Path, camera: dict[str, object] | None, info: dict[str, str]
) -> bytes:
    """The whole ``/metrics`` page."""
    scrape = CollectorRegistry()
    Gauge("kiosk_info", "This instance.", list(info), registry=scrape).labels(**info).set(1)
    usage = shutil.disk_usage(folder)
    Gauge("kiosk_disk_free_bytes", "Free space on the instance folder's disk.", registry=scrape).set(
        usage.free
    )
    Gauge("kiosk_disk_free_ratio", "Free share of that disk.", registry=scrape).set(usage.free / usage.total)
    if camera is not None:
        state = Gauge(
            "kiosk_camera_state", "The camera's state (1 for the current one).", ["state"], registry=scrape
        )
        for name in (OK, STARTING, MISSING, FROZEN, STOPPED):
            state.labels(state=name).set(1 if camera["state"] == name else 0)
        Gauge("kiosk_camera_fps", "Frames per second read from the camera.", registry=scrape).set(
            float(camera["fps"])  # type: ignore[arg-type]
        )

    class FromDatabase:
        def collect(self) -> list[GaugeMetricFamily]:
            return database_families(conn)

    scrape.register(FromDatabase())
    return generate_latest(scrape) + generate_latest(REGISTRY)


@bp.get("/metrics")
def scrape() -> Response:
    if not auth.is_loopback():
        token = str(current_app.config["METRICS_TOKEN"] or "")
        given = request.headers.get("Authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(403)
    from sync.client import app_version  # not at the top: see waiting above

    config = current_app.config
    loop = get_loop(current_app)
    info = {"name": str(config["NAME"] or ""), "role": str(config["ROLE"]), "version": app_version()}
    body = exposition(get_db().conn, Path(current_app.instance_path), loop.status() if loop else None, info)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
