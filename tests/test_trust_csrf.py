"""Cross-site requests (CSRF, issue 11): a page of another site cannot make a browser
change anything on a kiosk, the loopback-trusted scan routes included; the JSON API
with a bearer token and clients that are no browser page are unaffected. Real
``kiosk serve`` on loopback."""

from __future__ import annotations

import http.cookiejar
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


def refused(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, str]:
    """Status, content type and text of a refused POST."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


ARABIC = "رُفض هذا الطلب: إنه صادر عن صفحة موقع آخر."


def test_the_refusal_is_in_the_readers_language(kiosk_dir: Path, fair_clock: str) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    hostile = {"Sec-Fetch-Site": "same-site"}  # another port of the kiosk's host: its cookies go along
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        # The screen's chosen language (kept in its cookie): a page, right to left.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        browser.open(base + "/entry/?lang=ar", timeout=30).close()
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        status, kind, text = refused(
            base + "/entry/scan", form({"code": payload}), {**FORM, **hostile, "Cookie": cookie}
        )
        assert (status, kind.split(";")[0]) == (403, "text/html")
        assert ARABIC in text and 'dir="rtl"' in text
        # No cookie (another site's form): the browser's language; French when it has none of ours.
        status, _kind, text = refused(
            base + "/entry/scan",
            form({"code": payload}),
            {**FORM, **hostile, "Accept-Language": "zgh, fr;q=0.5"},
        )
        assert status == 403 and "ⵜⵓⵜⵔⴰ ⴰ ⵜⵜⵓⴳⴰ" in text
        status, _kind, text = refused(
            base + "/entry/scan", form({"code": payload}), {**FORM, **hostile, "Accept-Language": "de"}
        )
        assert status == 403 and "Cette demande est refusée" in text
        # The JSON API: JSON, in the client's Accept-Language.
        status, kind, text = refused(
            base + "/api/v1/scans",
            json.dumps({"code": payload}).encode(),
            {**JSON, **hostile, "Accept-Language": "ar"},
        )
        assert (status, kind) == (403, "application/json")
        assert json.loads(text) == {"error": "forbidden", "detail": ARABIC}
        assert accepted_scans(kiosk_dir, payload) == 0
