"""Every message of the code and templates is translated in every language but the ids'
English (French, Arabic, Tamazight), with the same placeholders; Arabic dates use Moroccan
locale data and Tamazight dates CLDR's zgh (issue 14 points 11 and 12)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask_babel import force_locale

from kiosk import i18n

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = Path(sys.executable).with_name("pybabel")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
# Message ids are English: every other language of the screens needs its catalogues.
TRANSLATED = tuple(language for language in i18n.LANGUAGES if language != "en")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``pybabel extract`` finds in the code and templates (babel.cfg), lazy ids too."""
    template = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            str(PYBABEL),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as stream:
        return read_po(stream)


def catalogues(language: str) -> list[tuple[Path, Catalog]]:
    found = []
    for path in sorted(i18n.PACKAGE_DIR.rglob(f"translations/{language}/LC_MESSAGES/messages.po")):
        with path.open("rb") as stream:
            found.append((path, read_po(stream)))
    return found


def key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(forms)


def test_extraction_finds_the_messages(extracted: Catalog) -> None:
    ids = {key(m) for m in extracted if m.id}
    # Python (lazy and plain), templates, plurals: each kind of source is read.
    assert {"This area is full. Please wait a moment.", "Staff log-in", "%(num)d exhibitor"} <= ids


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(extracted: Catalog, language: str) -> None:
    have = {
        key(m): m for _path, catalogue in catalogues(language) for m in catalogue if m.id and translated(m)
    }
    missing = sorted(key(m) for m in extracted if m.id and key(m) not in have)
    assert not missing, f"{language} misses {len(missing)}: {missing[:20]}"
    plural = [key(m) for m in extracted if m.pluralizable and not have[key(m)].pluralizable]
    assert not plural, f"{language} has no plural forms for {plural}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_agree_between_languages(language: str) -> None:
    wrong = []
    for path, catalogue in catalogues(language):
        for message in catalogue:
            if not message.id or not translated(message):
                continue
            if isinstance(message.id, str):
                if set(PLACEHOLDER.findall(message.string)) != set(PLACEHOLDER.findall(message.id)):
                    wrong.append(f"{path.parent.parent.parent.parent.name}: {message.id!r}")
                continue
            wanted = set(PLACEHOLDER.findall(" ".join(message.id)))
            for form in message.string:
                names = set(PLACEHOLDER.findall(form))
                # A plural form may say the number in words ("مقعد واحد"): only %(num) may go.
                if not (wanted - {"num"} <= names <= wanted):
                    wrong.append(f"{path.parent.parent.parent.parent.name}: {message.id[0]!r} {form!r}")
    assert not wrong, f"{language} placeholders differ: {wrong}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_one_plural_rule_per_language(language: str) -> None:
    # The app merges the catalogues; the merged one keeps the first one's plural rule.
    rules = {str(catalogue.plural_expr) for _path, catalogue in catalogues(language)}
    assert len(rules) == 1, rules


def test_arabic_dates_use_moroccan_month_names() -> None:
    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/"), force_locale("ar"):
        shown = render_template_string("{{ day | long_date }}", day=date(2026, 11, 29))
    assert "نونبر" in shown and "نوفمبر" not in shown


def test_tamazight_is_a_language_of_the_screens_with_its_own_dates() -> None:
    assert "zgh" in TRANSLATED
    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/"), force_locale("zgh"):
        shown = render_template_string("{{ day | long_date }}", day=date(2026, 11, 29))
    # Tifinagh month name, Western digits (as in Morocco).
    assert "ⵏⵓⵡⴰⵏⴱⵉⵔ" in shown and "29" in shown and "2026" in shown


def test_moroccan_arabic_dates_write_western_digits() -> None:
    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/"), force_locale("ar"):
        shown = render_template_string("{{ day | long_date }}", day=date(2026, 6, 15))
    assert "15" in shown and "2026" in shown and not re.search("[\u0660-\u0669]", shown)
