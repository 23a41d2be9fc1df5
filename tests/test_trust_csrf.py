"""Cross-site requests (CSRF, issue 11): a page of another site cannot make a browser
change anything on a kiosk, the loopback-trusted scan routes included; the JSON API
with a bearer token and clients that are no browser page are unaffected. Real
``kiosk serve`` on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import serving
from helpers import accepted_scans, ticket


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def form(values: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(values).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def test_cross_site_pages_cannot_scan_or_log_in(kiosk_dir: Path, fair_clock: str) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        scan = form({"code": payload})
        for hostile in (
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"Origin": "http://evil.example"},
        ):
            assert post(base + "/entry/scan", scan, {**FORM, **hostile}) == 403, hostile
            assert (
                post(base + "/api/v1/scans", json.dumps({"code": payload}).encode(), {**JSON, **hostile})
                == 403
            )
            login = form({"name": "Omar", "pin": "135791"})
            assert post(base + "/staff/login", login, {**FORM, **hostile}) == 403
        assert accepted_scans(kiosk_dir, payload) == 0
        # The kiosk's own screen: same origin (or a browser that sends neither header).
        host = urllib.parse.urlsplit(base).netloc
        assert (
            post(base + "/entry/scan", scan, {**FORM, "Sec-Fetch-Site": "same-origin", "Origin": base}) == 200
        )
        assert accepted_scans(kiosk_dir, payload) == 1
        assert (
            post(
                base + "/staff/login",
                form({"name": "Omar", "pin": "135791"}),
                {**FORM, "Origin": f"http://{host}"},
            )
            == 200
        )  # logged in, redirect followed


def test_the_json_api_with_a_bearer_token_is_unaffected(kiosk_dir: Path, fair_clock: str) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        request = urllib.request.Request(
            base + "/api/v1/login", data=json.dumps({"name": "Omar", "pin": "135791"}).encode(), headers=JSON
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            token = json.loads(answer.read())["token"]
        headers = {**JSON, "Authorization": f"Bearer {token}", "Sec-Fetch-Site": "cross-site"}
        assert post(base + "/api/v1/scans", json.dumps({"code": payload}).encode(), headers) == 200
        assert accepted_scans(kiosk_dir, payload) == 1
