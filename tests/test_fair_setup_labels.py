"""The organizer's setup forms name their fields in the reader's language, never by the
database column (issue 10: "setup forms label fields with column names")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.fair import setup


@pytest.fixture
def central(central_dir: Path):
    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    return client


def labels(html: str) -> list[str]:
    """The visible text of each label of the setup forms (its input's own markup left out)."""
    found = re.findall(r"<label>(.*?)<(?:input|select)", html, flags=re.S)
    return [" ".join(text.split()) for text in found]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", {"Nom en français", "Nombre maximal de personnes à l'intérieur", "Compte comme visiteur"}),
        ("ar", {"الاسم بالعربية", "أقصى عدد من الأشخاص في الداخل"}),
        ("zgh", {"ⵉⵙⵎ ⵙ ⵜⴼⵔⴰⵏⵙⵉⵙⵜ", "ⵓⴳⴳⴰⵔ ⵏ ⵎⵉⴷⵏ ⴷⴰⵅⵍ"}),
    ],
)
def test_setup_fields_are_labelled_in_words(central, language: str, expected: set[str]) -> None:
    page = central.get(f"/setup/?lang={language}")
    assert page.status_code == 200
    shown = labels(page.get_data(as_text=True))
    assert expected <= set(shown), shown
    columns = {column for _key, fields in setup.FIELDS.values() for column, _kind in fields}
    columns |= {key for key, _fields in setup.FIELDS.values()}
    assert not columns & set(shown), sorted(columns & set(shown))


def test_choice_fields_show_words_and_send_the_values(central) -> None:
    page = central.get("/setup/?lang=fr").get_data(as_text=True)
    assert '<option value="in,out" selected>Entrée et sortie</option>' in page
    assert '<option value="grounds"' in page and "Enceinte du salon" in page
    assert re.search(r'<option value="sales"[^>]*>[^<(]+ \(sales\)</option>', page)  # a zone by its name
    changed = central.post(
        "/setup/gates/kids",
        data={"name_fr": "Espace enfants", "zone_id": "kids", "directions": "in", "occupancy_limit": "60"},
    )
    assert changed.status_code == 200
    assert '<option value="in" selected>Entrée seulement</option>' in changed.get_data(as_text=True)
