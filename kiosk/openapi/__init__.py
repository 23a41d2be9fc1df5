"""The OpenAPI 3.1 document an instance publishes, and the check of request bodies
against that same document.

The document is assembled from the fragments beside this module (``NNNN_feature.json``)
of the features the instance mounts (``kiosk.features``): each feature describes its own
paths and schemas, and nothing is published that does not answer here. Request bodies are
validated (``jsonschema``) against the schema the document publishes for the operation,
so the description and the check cannot drift apart. jsonschema is loaded by
``prepare``, which ``kiosk serve`` runs before serving, or else by the first body checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, abort, current_app, request

from kiosk import reasons
from kiosk.i18n import LANGUAGES

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

DOCUMENT = "kiosk.openapi"  # app.extensions key of the instance's document
VALIDATORS = "kiosk.openapi.validators"
DOCUMENT_URI = "urn:salon-kiosk:openapi"

# Enumerations the fragments name with "x-enum" rather than copy: the document is
# generated from the code's own lists, so it cannot fall behind them.
ENUMS: dict[str, tuple[str, ...]] = {
    "reasons.gate": reasons.codes(reasons.GATE),
    "reasons.door": reasons.codes(reasons.DOOR),
    "levels": tuple(level.value for level in reasons.Level),
    "languages": LANGUAGES,
}


def _fill_enums(node: object) -> None:
    if isinstance(node, dict):
        name = node.pop("x-enum", None)
        if name is not None:
            node["enum"] = list(ENUMS[name])
        for value in node.values():
            _fill_enums(value)
    elif isinstance(node, list):
        for value in node:
            _fill_enums(value)


def openapi_document(fragments: Iterable[str] | None = None) -> dict[str, Any]:
    """Merge the fragments' paths and components (all of them by default) into one document."""
    folder = resources.files(__name__)
    names = (
        sorted(fragments)
        if fragments is not None
        else sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    )
    document: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    for name in names:
        fragment = json.loads((folder / name).read_text(encoding="utf-8"))
        paths.update(fragment.pop("paths", {}))
        for kind, entries in fragment.pop("components", {}).items():
            components.setdefault(kind, {}).update(entries)
        document.update(fragment)
    document["paths"] = paths
    document["components"] = components
    _fill_enums(document)
    return document


def _absolute_refs(node: object) -> object:
    """A copy of ``node`` whose document-local ``$ref`` ("#/...") name the document by its
    URI: a schema taken out of the document then still finds the parts it refers to."""
    if isinstance(node, dict):
        return {
            key: f"{DOCUMENT_URI}{value}"
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _absolute_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(value) for value in node]
    return node


def _validator(app: Flask, path: str, method: str) -> Draft202012Validator:
    """The validator of the body of operation ``method path`` (made once per app), on the
    body's schema itself: a ``$ref`` to it was looked up again at every request, which
    cost four times the check."""
    cache: dict[tuple[str, str], Draft202012Validator] = app.extensions[VALIDATORS]
    key = (path, method)
    if key not in cache:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in ("paths", path, method, "requestBody", "content", "application/json")
        )
        registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI,
            Resource.from_contents(
                _absolute_refs(app.extensions[DOCUMENT]), default_specification=DRAFT202012
            ),
        )
        schema = registry.resolver().lookup(f"{DOCUMENT_URI}#/{pointer}/schema").contents
        cache[key] = Draft202012Validator(schema, registry=registry)
    return cache[key]


def prepare(app: Flask) -> None:
    """Make the validator of every operation with a JSON body the app publishes and run
    it once (loading jsonschema and resolving the schema): ``kiosk serve`` runs this before
    serving, so that the first API request does not wait for it."""
    for path, operations in app.extensions[DOCUMENT]["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                _validator(app, path, method).is_valid({})


def checked(body: object) -> dict[str, Any]:
    """``body`` if it matches the request body schema the document publishes for this
    operation; else the request ends with 400 and the first mismatch."""
    from jsonschema.exceptions import best_match

    rule = request.url_rule.rule if request.url_rule else ""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)  # Flask's <x> is OpenAPI's {x}
    error = best_match(_validator(current_app, path, request.method.lower()).iter_errors(body))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "body"
        abort(400, f"{where}: {error.message}")
    return cast(dict[str, Any], body)  # every request body schema is an object


def json_body() -> dict[str, Any]:
    """The request's JSON body, checked against the operation's published schema."""
    body = request.get_json(silent=True)
    if body is None:
        abort(400, "the body must be JSON")
    return checked(body)


def publish(app: Flask, fragments: Iterable[str]) -> None:
    """The app's document is made of ``fragments`` (its mounted features')."""
    app.extensions[DOCUMENT] = openapi_document(fragments)
    app.extensions[VALIDATORS] = {}


def document() -> dict[str, Any]:
    """The current app's published document."""
    return cast(dict[str, Any], current_app.extensions[DOCUMENT])
