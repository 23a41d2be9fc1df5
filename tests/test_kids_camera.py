"""A receipt held to a camera at the kids' space (a tablet's, through the browser camera
page): real ``kiosk serve``, real JPEG frames, real decoders. The children it names are
shown to kids' staff only; the look-up hands no child over by itself."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import cv2
from conftest import FAIR_START, serving
from kids_helpers import KIDS_STAFF, call, make_kids_kiosk, rows, token

from kiosk.camera.synthetic import qr_image
from kiosk.kids.receipt import receipt_payload

FAMILY = {
    "adult": {"first_name": "Rkia", "phone": "0699 87 65 43"},
    "children": [{"first_name": "Ouissal", "age_band": "3-5"}, {"first_name": "Bahaa", "age_band": "6-8"}],
}


def frame_of(text: str) -> bytes:
    return cv2.imencode(".jpg", qr_image(text), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def post_frame(base: str, frame: bytes, bearer: str | None) -> tuple[int, str, str]:
    headers = {"Content-Type": "image/jpeg"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(
        base + "/camera/browser/frame", data=frame, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode(), answer.headers.get("X-Camera-Result", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


def test_a_receipt_held_to_the_tablet_camera_shows_its_children(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk, {"KIOSK_CAMERA_DEBOUNCE_SECONDS": "0"}) as (base, _process):
        staff = token(base, KIDS_STAFF)
        code = call(base, "POST", "/api/v1/kids/drop-offs", FAMILY, staff)[1]["code"]
        receipt = frame_of(receipt_payload(code, FAIR_START))

        # The kiosk's own screen without a log-in: the camera answers nothing (no names).
        assert post_frame(base, receipt, None)[0] == 204

        status, html, kind = post_frame(base, receipt, staff)
        assert status == 200 and kind == "verdict"
        assert "Ouissal" in html and "Bahaa" in html and 'name="child_id"' in html
        assert rows(kiosk, "SELECT count(*) FROM kids_children WHERE picked_up_at IS NULL") == [(2,)]

        old = frame_of(receipt_payload(code, date(2026, 6, 14)))
        status, html, _kind = post_frame(base, old, staff)
        assert status == 200 and 'data-reason="not_today"' in html and "Ouissal" not in html
