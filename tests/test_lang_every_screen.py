"""Every screen an instance serves answers in every language, Tamazight included, and
prints nothing undefined: a page that reads a data column by language (``row["name_" +
lang]``: there is no ``name_zgh``, and Jinja would print an empty name) fails here at
once, without a browser. Each role's screens, on central and on kiosks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import Undefined

from kiosk import bundle, create_app, i18n, instance

# Pages that need something this generic walk cannot give them (a file, a signed code...).
ARGUMENT = re.compile(r"<[^>]+>")


class PrintedUndefined(Undefined):
    """Undefined that may be tested (``{% if x %}``) but not printed."""

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""


def kiosk(central_dir: Path, folder: Path, role: str, gate: str) -> Path:
    made = folder.with_suffix(".bundle")
    bundle.write_bundle(instance.open_db(central_dir), made, roles=role)
    database = instance.create(folder, [role], name=f"kiosk-{role}", gate=gate)
    bundle.load_tables(database, bundle.read_bundle(made))
    database.conn.close()
    return folder


def screens(app: Flask) -> list[str]:
    """The GET pages of the app that take no path argument (no API, no static files)."""
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and not ARGUMENT.search(rule.rule)
            and not rule.rule.startswith(("/api", "/static"))
        }
    )


@pytest.mark.parametrize(
    ("role", "gate"),
    [
        ("central", ""),
        ("entry", "main"),
        ("heritage", "heritage"),
        ("finder", "main"),
        ("workshop", "main"),
        ("kids", "kids"),
    ],
)
def test_every_screen_answers_in_every_language(
    central_dir: Path, tmp_path: Path, role: str, gate: str
) -> None:
    folder = central_dir if role == "central" else kiosk(central_dir, tmp_path / role, role, gate)
    app = create_app(folder, {"TESTING": True})
    app.jinja_env.undefined = PrintedUndefined
    client = app.test_client()
    if role == "central":  # the organizer's screens too
        assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    pages = screens(app)
    assert pages, role
    broken = []
    for language in i18n.LANGUAGES:
        for page in pages:
            answer = client.get(f"{page}?lang={language}")
            if answer.status_code >= 500:
                broken.append(f"{page} in {language}: {answer.status_code}")
                continue
            text = (
                answer.get_data(as_text=True)
                if answer.status_code == 200 and answer.mimetype == "text/html"
                else ""
            )
            if "<html" in text and f'<html lang="{language}"' not in text:  # a whole page, not a fragment
                broken.append(f"{page} in {language}: not in that language")
    assert not broken, broken
