"""Every page has a favicon, and ``/`` keeps the language asked for (issue 14 point 13)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk import create_app

ICON = re.compile(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">')


def test_every_page_links_the_favicon(client, central_dir: Path) -> None:
    central = create_app(central_dir, {"TESTING": True}).test_client()
    assert central.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    pages = [
        (client, "/entry/"),
        (client, "/staff/login"),
        (central, "/programme/"),
        (central, "/dashboard/"),
    ]
    for app_client, path in pages:
        page = app_client.get(path)
        assert page.status_code == 200, path
        found = ICON.search(page.text)
        assert found, path
        icon = app_client.get(found.group(1))
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_root_keeps_the_language_when_it_redirects(client) -> None:
    answer = client.get("/?lang=ar")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/entry/?lang=ar")
    assert client.get("/").headers["Location"].endswith("/entry/")
