"""Camera pages: live preview, status fragment and page, browser camera.

The entry screen and the session door screen include ``camera/_panel.html``: an MJPEG
preview and a status fragment it polls (htmx); when the loop has recorded a new verdict
the fragment also carries it out-of-band into the screen's ``#verdict``
(the role's ``CameraTarget`` renders what it answered into that HTML). The
browser-camera page posts JPEG frames to ``browser_frame``, which decodes them here and
hands the code to the same role target as the loop.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import cast

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kiosk import auth
from kiosk.camera.capture import CaptureLoop, Debouncer
from kiosk.camera.service import camera_target, get_loop, still_chain
from kiosk.web import get_db

bp = Blueprint("camera", __name__, url_prefix="/camera")
api_bp = Blueprint("camera_api", __name__, url_prefix="/camera")  # under /api/v1

PREVIEW_FPS = 12
# Each open MJPEG preview holds one of the server's worker threads for as long as it is
# watched (kiosk.serve runs 8): the kiosk's own screen needs one, a staff member may
# watch another; more are refused so that scans and screens always find a thread.
MAX_PREVIEW_STREAMS = 2
MAX_FRAME_SIDE = 4096  # a browser camera sends 1920 x 1080 at most
STATES = {
    "ok": _l("Camera on"),
    "starting": _l("Camera starting"),
    "missing": _l("Camera not found: use the scanner or type your code"),
    "frozen": _l("Camera frozen: use the scanner or type your code"),
    "stopped": _l("Camera off"),
}
HINTS = {
    "too_small": _l("Hold your ticket closer to the camera"),
    "unreadable": _l("Hold your ticket still and flat, in the light"),
}
BROWSER_DEBOUNCE = "kiosk.camera.browser_debounce"


@bp.app_context_processor
def camera_context() -> dict[str, object]:
    loop = get_loop()
    return {"camera_on": loop is not None, "camera_seq": loop.status()["last_event"] if loop else 0}


def _loop_or_404() -> CaptureLoop:
    loop = get_loop()
    if loop is None:
        abort(404, "no camera is configured on this kiosk (CAMERA_SOURCE)")
    return loop


def result_fragment(result: object) -> tuple[Markup, str] | None:
    """What the role's target answered, as HTML for the screen's ``#verdict`` and the htmx
    event that refreshes the screen's figures; None when there is nothing to show."""
    target = camera_target(current_app)
    fragment = target.render(result) if target is not None else None
    if fragment is None:
        return None
    html, event = fragment
    return Markup(html), event


@bp.get("/status")
def status_fragment() -> tuple[str, int, dict[str, str]]:
    """The camera line of the entry and door screens; carries a new camera verdict out of band."""
    loop = _loop_or_404()
    status = loop.status()
    after = request.args.get("after", default=0, type=int)
    event = loop.latest_event()
    verdict_html = None
    headers = {}
    # Verdicts (a ticket's short code among them) only for the kiosk's own screen and
    # logged-in staff: anyone on the venue network may poll this line.
    private = auth.is_loopback() or auth.current_staff() is not None
    fragment = None
    if private and event is not None and event.seq > after:
        fragment = result_fragment(event.result)
    if fragment is not None:
        verdict_html, headers["HX-Trigger"] = fragment
    return (
        render_template(
            "camera/_status.html",
            status=status,
            state_message=STATES.get(status["state"], status["state"]),
            hint=HINTS.get(status["hint"] or ""),
            after=max(after, event.seq if event else 0),
            verdict_html=verdict_html,
        ),
        200,
        headers,
    )


@bp.get("/")
@auth.staff_unless_local
def status_page() -> str:
    loop = get_loop()
    status = loop.status() if loop else None
    return render_template(
        "camera/status.html",
        status=status,
        state_message=STATES.get(status["state"], "") if status else STATES["stopped"],
        now_seconds=time.time(),
    )


@api_bp.get("")
def status_json() -> Response:
    loop = get_loop()
    return jsonify(loop.status() if loop else {"state": "off"})


@bp.get("/snapshot.jpg")
@auth.staff_unless_local  # pictures of visitors: the kiosk itself or staff
def snapshot() -> Response:
    image = _loop_or_404().preview_jpeg()
    if image is None:
        abort(503, "no frame yet")
    return Response(image, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.get("/preview.mjpg")
@auth.staff_unless_local  # pictures of visitors: the kiosk itself or staff
def preview() -> Response:
    """The live preview as MJPEG (an <img> shows it with no script); ends with the loop.
    At most ``MAX_PREVIEW_STREAMS`` at once: 503 beyond."""
    loop = _loop_or_404()
    streams = cast(
        threading.BoundedSemaphore,
        current_app.extensions.setdefault(
            "kiosk.preview_streams", threading.BoundedSemaphore(MAX_PREVIEW_STREAMS)
        ),
    )
    if not streams.acquire(blocking=False):
        abort(Response("too many previews open", 503, {"Retry-After": "10", "Cache-Control": "no-store"}))

    def frames() -> Iterator[bytes]:
        last = -1
        while loop.running:
            if loop.frames != last:
                last = loop.frames
                image = loop.preview_jpeg()
                if image is not None:
                    yield b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + image + b"\r\n"
            time.sleep(1 / PREVIEW_FPS)

    response = Response(
        frames(), mimetype="multipart/x-mixed-replace; boundary=frame", headers={"Cache-Control": "no-store"}
    )
    # Called by the server when the stream ends or its viewer goes away.
    response.call_on_close(streams.release)
    return response


@bp.get("/browser")
@auth.staff_unless_local
def browser_page() -> str:
    """The staff page of a phone, tablet or laptop camera, with the choices the role's
    target offers (on a workshop kiosk: which session to check people into)."""
    target = camera_target(current_app)
    choices = target.page(get_db().conn) if target is not None else {}
    return render_template("camera/browser.html", **choices)


@bp.post("/browser/frame")
@auth.staff_unless_local
def browser_frame() -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    """Decode one JPEG frame from the browser camera and hand its code to the kiosk role's
    target (as the camera loop does); answer a verdict fragment, a hint fragment, or 204
    when there is nothing new to show."""
    options = {
        "direction": request.args.get("direction") or None,  # None: the gate's own
        "session_id": request.args.get("session") or None,
    }
    data = request.get_data()
    from PIL import Image  # as cv2 below: loaded by the first frame, not at start

    # Size from the header before decoding: a 16000 x 16000 frame costs seconds of CPU.
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except Image.DecompressionBombError:
        width = height = MAX_FRAME_SIDE + 1
    except OSError:
        return render_template("entry/_error.html", message="not an image"), 400
    if max(width, height) > MAX_FRAME_SIDE:
        return render_template("entry/_error.html", message="frame too large"), 413
    import cv2  # loaded by the first frame, not at start (kiosk.camera.capture)
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return render_template("entry/_error.html", message="not an image"), 400
    reading = still_chain().read(image)
    for found in reading.found:
        if not _browser_fresh((request.remote_addr, *options.values(), found.text)):
            return "", 204
        chosen = camera_target(current_app)
        if chosen is None:
            return render_template("entry/_error.html", message="this kiosk's role checks no codes"), 404
        staff = auth.current_staff()
        target = chosen.make(current_app, get_db, staff_id=staff["id"] if staff else None, **options)
        try:
            fragment = result_fragment(target(found.text))
        except chosen.refusals as error:
            return render_template("entry/_error.html", message=str(error)), 400
        if fragment is None:
            return "", 204
        html, event = fragment
        return html, 200, {"X-Camera-Result": "verdict", "HX-Trigger": event}
    hint = HINTS.get(reading.hint(image.shape) or "")
    if hint is None:
        return "", 204
    return render_template("camera/_hint.html", hint=hint), 200, {"X-Camera-Result": "hint"}


_browser_lock = threading.Lock()


def _browser_fresh(key: tuple[object, ...]) -> bool:
    # One debouncer per app for all browser cameras, keyed by client, direction and code.
    with _browser_lock:
        debouncer = current_app.extensions.get(BROWSER_DEBOUNCE)
        if debouncer is None:
            seconds = current_app.config["CAMERA_DEBOUNCE_SECONDS"]
            debouncer = current_app.extensions[BROWSER_DEBOUNCE] = Debouncer(seconds)
        return debouncer.fresh(key, time.monotonic())
