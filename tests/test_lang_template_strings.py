"""A template's ``_()``/``ngettext()`` (issue 11): the request's translations are looked up
once per request and locale, not once per string, and still say exactly what Flask-Babel's
own callables say: escaped arguments, plural forms, every feature's catalogue, and a
``force_locale`` inside a request (kids' labels, JSON answers) switching the language and
back."""

from __future__ import annotations

import flask_babel
import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

# Two features' catalogues (kids, finder), an argument to escape and an Arabic plural form.
PAGE = (
    '{{ _("%(name)s handed over.", name=name) }}'
    '|{{ ngettext("%(num)d exhibitor", "%(num)d exhibitors", count) }}'
)
ARABIC = "تم تسليم &lt;b&gt;Lina&lt;/b&gt;.|عارضان"
FRENCH = "&lt;b&gt;Lina&lt;/b&gt; remis(e).|2 exposants"
ENGLISH = "&lt;b&gt;Lina&lt;/b&gt; handed over.|2 exhibitors"


def page() -> str:
    return render_template_string(PAGE, name="<b>Lina</b>", count=2)


def test_a_template_under_force_locale_speaks_the_forced_language_and_the_requests_after(app: Flask) -> None:
    with app.test_request_context("/?lang=ar"):
        assert page() == ARABIC
        with force_locale("fr"):
            assert page() == FRENCH
            with force_locale("en"):
                assert page() == ENGLISH
            assert page() == FRENCH
        assert page() == ARABIC
    with app.test_request_context("/?lang=en"):  # the next request has its own language
        assert page() == ENGLISH


def test_a_requests_strings_look_its_translations_up_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    looked_up = flask_babel.Domain.get_translations

    def counted(domain: flask_babel.Domain) -> object:
        lookups.append(str(flask_babel.get_locale()))
        return looked_up(domain)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    with app.test_request_context("/?lang=ar"):
        assert page() == ARABIC and page() == ARABIC  # four strings
        assert lookups == ["ar"]
        with force_locale("fr"):
            assert page() == FRENCH
        assert page() == ARABIC
        assert lookups == ["ar", "fr", "ar"]


def test_outside_an_app_a_template_says_its_message_ids(app: Flask) -> None:
    assert app.jinja_env.from_string(PAGE).render(name="<b>Lina</b>", count=2) == ENGLISH
