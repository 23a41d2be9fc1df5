"""What an instance serves: the features of its roles, nothing else.

A feature is its screens, its JSON API (mounted under ``/api/v1``) and its OpenAPI
fragment. ``create_app`` mounts the features of the instance's roles (an instance with
several roles, ``entry,workshop``, mounts the union) and publishes a document made of
their fragments only, so ``/api/openapi.json`` describes exactly what answers here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Blueprint

from kiosk.camera import views as camera_views
from kiosk.camera.service import CameraTarget
from kiosk.dashboard import bp as dashboard_bp
from kiosk.entry import api as entry_api
from kiosk.entry import views as entry_views
from kiosk.fair import views as fair_views
from kiosk.finder import views as finder_views
from kiosk.kids import api as kids_api
from kiosk.kids import views as kids_views
from kiosk.sessions import api as sessions_api
from kiosk.sessions import views as sessions_views
from kiosk.views import home, metrics, staff, venue_ca
from sync.blueprint import bp as sync_bp


@dataclass(frozen=True)
class Feature:
    screens: tuple[Blueprint, ...] = ()
    api: Blueprint | None = None  # nested under /api/v1
    openapi: str | None = None  # its fragment in kiosk/openapi/


# Every instance: the start page, staff log-in, /metrics, the venue CA for staff phones, and
# the API's own routes (log-in, document).
CORE = Feature(screens=(home.bp, staff.bp, metrics.bp, venue_ca.bp), openapi="0000_info.json")

FEATURES: dict[str, Feature] = {
    "entry": Feature((entry_views.bp,), entry_api.bp, "0010_scans.json"),
    "camera": Feature((camera_views.bp,), camera_views.api_bp, "0400_camera.json"),
    "sessions": Feature((sessions_views.bp,), sessions_api.bp, "0200_sessions.json"),
    "programme": Feature((sessions_views.public,)),
    "finder": Feature((finder_views.bp,), finder_views.api, "0100_finder.json"),
    "dashboard": Feature((dashboard_bp,)),
    "setup": Feature((fair_views.bp,)),
    "sync": Feature(api=sync_bp, openapi="0300_sync.json"),
    "kids": Feature((kids_views.bp,), kids_api.bp, "0800_kids.json"),
}

# Central keeps the fair's setup, the programme editor, the organizers' figures and the sync server; it
# also checks tickets and check-ins (organizers at the office) and reads finder counts.
ROLE_FEATURES: dict[str, tuple[str, ...]] = {
    "entry": ("entry", "camera"),
    "heritage": ("entry", "camera"),
    "workshop": ("sessions", "programme", "camera"),
    "finder": ("finder", "programme"),
    # Never on central: the children's names and adults' phones stay on the kids' kiosk.
    "kids": ("kids", "camera"),
    "central": ("entry", "sessions", "programme", "finder", "dashboard", "setup", "sync"),
}


# Which camera target each kiosk role uses (the camera package imports no feature).
CAMERA_TARGETS: dict[str, CameraTarget] = {
    "entry": entry_views.CAMERA_TARGET,
    "heritage": entry_views.CAMERA_TARGET,
    "workshop": sessions_views.CAMERA_TARGET,
    "kids": kids_views.CAMERA_TARGET,
}


def for_roles(roles: Iterable[str]) -> list[Feature]:
    """The core and the features of ``roles``, each once, in a stable order."""
    names = {name for role in roles for name in ROLE_FEATURES[role]}
    return [CORE, *(feature for name, feature in FEATURES.items() if name in names)]
