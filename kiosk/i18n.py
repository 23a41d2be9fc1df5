"""Languages of the visitor screens: French by default, Arabic (right to left), English and
Standard Moroccan Tamazight (``zgh``, in Tifinagh).

Message ids in the code are English; ``fr``, ``ar`` and ``zgh`` catalogs translate them. Each
feature may keep its own ``translations`` folder beside its code; all are merged.
In a checkout, catalogs are compiled from ``.po`` to ``.mo`` at start-up when a ``.po``
is newer, so it runs without a build step; a wheel carries them compiled (setup.py) and
no ``.po``, so an installed app never writes into its package.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlencode

from babel import dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, g, request, session
from flask_babel import Babel, get_locale, get_translations

from kiosk import clock

LANGUAGES = ("fr", "ar", "en", "zgh")
DEFAULT_LANGUAGE = "fr"
RTL_LANGUAGES = frozenset({"ar"})
# Each language named in its own script, so a reader finds theirs in the switch.
LANGUAGE_NAMES = {"fr": "Français", "ar": "العربية", "en": "English", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}
# Locale data for dates and numbers: the fair is in Morocco, whose Arabic says "نونبر"
# (not the Levantine/Egyptian "نوفمبر") and writes Latin digits. CLDR's zgh is Moroccan
# Tamazight in Tifinagh already (month "ⵏⵓⵡⴰⵏⴱⵉⵔ").
FORMAT_LOCALES = {"ar": "ar_MA"}
# Languages the fair's own data is written in (fair.toml names, titles, provinces); a text
# missing in the reader's language is shown in French, the one every fair file has.
DATA_LANGUAGES = ("fr", "ar", "en")
PACKAGE_DIR = Path(__file__).parent


def translation_directories() -> list[Path]:
    return sorted(path for path in PACKAGE_DIR.rglob("translations") if path.is_dir())


def compile_catalogs(directories: list[Path]) -> None:
    """Compile every ``.po`` whose ``.mo`` is missing or older."""
    for folder in directories:
        for po_path in folder.glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as stream:
                catalog = read_po(stream)
            tmp = mo_path.with_suffix(".mo.tmp")
            with tmp.open("wb") as out:
                write_mo(out, catalog)
            tmp.replace(mo_path)


def select_language() -> str:
    """``?lang=`` (remembered in the session), then the session, then French."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def request_language() -> str:
    """A JSON client's language: ``?lang=``, else its ``Accept-Language``, else French."""
    asked = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def refusal_language() -> str:
    """The language of a refusal made before any view runs: the screen's chosen one when the
    request carries it (the session), else the client's (``request_language``): a browser
    sends no cookie with another site's form (SameSite), but its Accept-Language."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else request_language()


def format_locale() -> str:
    """The locale whose data formats dates for the reader (``ar_MA`` for Arabic)."""
    language = str(get_locale())
    return FORMAT_LOCALES.get(language, language)


class Written(TypedDict):
    """A data field's text and the language it is written in."""

    text: str
    lang: str


def written(row: Mapping[str, Any] | sqlite3.Row, field: str, language: str | None = None) -> Written:
    """``row``'s ``field`` in the reader's language when the data has it (``name_ar`` for
    Arabic), else French, with the language it is in (a screen says "in French" beside it).
    ``language``: the reader's, when the caller knows it (a list asks once, not per row)."""
    language = language or str(get_locale())
    columns = row.keys()
    if language in DATA_LANGUAGES and f"{field}_{language}" in columns and row[f"{field}_{language}"]:
        return {"text": str(row[f"{field}_{language}"]), "lang": language}
    return {"text": str(row[f"{field}_fr"] or ""), "lang": "fr"}


def localized(row: Mapping[str, Any] | sqlite3.Row, field: str, language: str | None = None) -> str:
    """``row``'s ``field`` in the reader's language (``name_ar`` for Arabic), else French."""
    return written(row, field, language)["text"]


def local_format(moment: datetime, pattern: str) -> str:
    """A moment as the fair's wall clock (``kiosk.clock``'s zone), in the reader's language.
    Flask-Babel's own conversion goes through pytz, whose Africa/Casablanca rules are wrong
    after 2018 (UTC in November 2026): convert with zoneinfo and format as is."""
    return dates.format_datetime(moment.astimezone(clock.zone()), pattern, locale=format_locale())


def language_url(code: str) -> str:
    """This page in language ``code``: the same path and query (a log-in page keeps its
    ``next``), with ``lang`` set."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"


def translations() -> NullTranslations:
    """Flask-Babel's ``get_translations()``, kept in the request's Babel state with the locale
    and domain it was looked up for: its own lookup goes through that state three times and
    formats the locale's name for every ``_()`` of a template (~30 % of drawing a page of 57
    strings). A locale or domain set since (``force_locale``, ``refresh``) is not the kept
    one, so the next string looks it up again, as Flask-Babel would."""
    try:
        state = g._flask_babel
        locale, domain, found = state.kiosk_translations
        if locale is state.babel_locale and domain is state.babel_domain:
            return found
    except (AttributeError, RuntimeError):  # nothing kept yet, or no app context
        pass
    found = get_translations()
    try:
        state = g._flask_babel
        state.kiosk_translations = (state.babel_locale, state.babel_domain, found)
    except (AttributeError, RuntimeError):  # outside an app: Flask-Babel's NullTranslations
        pass
    return found


def init_app(app: Flask) -> None:
    directories = translation_directories()
    compile_catalogs(directories)
    Babel(
        app,
        locale_selector=select_language,
        default_locale=DEFAULT_LANGUAGE,
        default_timezone="Africa/Casablanca",
        default_translation_directories=";".join(str(d) for d in directories),
    )
    # Flask-Babel's own callables, through the kept translations; Jinja's newstyle wrappers
    # around them (Markup under autoescape, escaped %-arguments, ``num``) stay as they are.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )

    @app.template_filter("when")
    def when(value: str | None) -> str:
        """A stored ISO time as the reader's local wall clock: the time today, else date and time."""
        if not value:
            return "—"
        moment = clock.parse_time(value)
        same_day = moment.date() == clock.now().date()
        return local_format(moment, "HH:mm:ss" if same_day else "dd/MM HH:mm")

    @app.template_filter("hhmm")
    def hhmm(value: str) -> str:
        """A stored ISO time as hours and minutes on the fair's clock (a session's start)."""
        return clock.parse_time(value).strftime("%H:%M")

    @app.template_filter("long_date")
    def long_date(value: date) -> str:
        """A fair day in words, in the reader's language ("lundi 15 juin 2026")."""
        return dates.format_date(value, "full", locale=format_locale())

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {
            "lang": str(get_locale()),
            "text_dir": text_direction(),
            "languages": LANGUAGE_NAMES,
            "language_url": language_url,
            "localized": localized,
            "written": written,
        }
