"""What an instance serves: the features of its roles, nothing else.

A feature is its screens, its JSON API (mounted under ``/api/v1``) and its OpenAPI
fragment. ``create_app`` mounts the features of the instance's roles (an instance with
several roles, ``entry,workshop``, mounts the union) and publishes a document made of
their fragments only, so ``/api/openapi.json`` describes exactly what answers here.

Each feature is a function that imports its modules when called: an instance imports the
features of its roles only (an entry kiosk never loads the kids' label printing, the
dashboard or the finder's search), which is most of ``kiosk serve``'s start time and
memory (issue 16 point 7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Blueprint

from kiosk.camera.service import CameraTarget


@dataclass(frozen=True)
class Feature:
    screens: tuple[Blueprint, ...] = ()
    api: Blueprint | None = None  # nested under /api/v1
    openapi: str | None = None  # its fragment in kiosk/openapi/


def core() -> Feature:
    """Every instance: the start page, staff log-in, /metrics, the venue CA for staff
    phones, and the API's own routes (log-in, document)."""
    from kiosk.views import home, metrics, staff, venue_ca

    return Feature(screens=(home.bp, staff.bp, metrics.bp, venue_ca.bp), openapi="0000_info.json")


def entry() -> Feature:
    from kiosk.entry import api, views

    return Feature((views.bp,), api.bp, "0010_scans.json")


def camera() -> Feature:
    from kiosk.camera import views

    return Feature((views.bp,), views.api_bp, "0400_camera.json")


def sessions() -> Feature:
    from kiosk.sessions import api, views

    return Feature((views.bp,), api.bp, "0200_sessions.json")


def programme() -> Feature:
    from kiosk.sessions import views

    return Feature((views.public,))


def finder() -> Feature:
    from kiosk.finder import views

    return Feature((views.bp,), views.api, "0100_finder.json")


def dashboard() -> Feature:
    """The organizers' control room, its CSV exports and ``/api/v1/attendance``: the readers
    of the figures only central keeps (``keeps_dashboard_figures``)."""
    from kiosk.dashboard import bp
    from kiosk.entry import api

    return Feature((bp,), api.figures_bp, "0700_attendance.json")


def setup() -> Feature:
    from kiosk.fair import views

    return Feature((views.bp,))


def sync() -> Feature:
    from sync.blueprint import bp

    return Feature(api=bp, openapi="0300_sync.json")


def kids() -> Feature:
    from kiosk.kids import api, views

    return Feature((views.bp,), api.bp, "0800_kids.json")


FEATURES: dict[str, Callable[[], Feature]] = {
    "entry": entry,
    "camera": camera,
    "sessions": sessions,
    "programme": programme,
    "finder": finder,
    "dashboard": dashboard,
    "setup": setup,
    "sync": sync,
    "kids": kids,
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


def entry_target() -> CameraTarget:
    from kiosk.entry import views

    return views.CAMERA_TARGET


def sessions_target() -> CameraTarget:
    from kiosk.sessions import views

    return views.CAMERA_TARGET


def kids_target() -> CameraTarget:
    from kiosk.kids import views

    return views.CAMERA_TARGET


# Which camera target each kiosk role uses (the camera package imports no feature).
CAMERA_TARGETS: dict[str, Callable[[], CameraTarget]] = {
    "entry": entry_target,
    "heritage": entry_target,
    "workshop": sessions_target,
    "kids": kids_target,
}


def for_roles(roles: Iterable[str]) -> list[Feature]:
    """The core and the features of ``roles``, each once, in a stable order (only these
    are imported)."""
    names = {name for role in roles for name in ROLE_FEATURES[role]}
    return [core(), *(load() for name, load in FEATURES.items() if name in names)]


def keeps_dashboard_figures(roles: Iterable[str]) -> bool:
    """Whether an instance with ``roles`` keeps the figures only the dashboard feature reads
    (per gate and quarter hour, the day's visitors: ``kiosk.figures``). A kiosk's screens
    and decisions read the zones' "inside now" and its gate's entries, kept everywhere."""
    return any("dashboard" in ROLE_FEATURES[role] for role in roles)


def camera_targets(roles: Iterable[str]) -> dict[str, CameraTarget]:
    """The camera target of each of ``roles`` that has one (only these are imported)."""
    return {role: CAMERA_TARGETS[role]() for role in roles if role in CAMERA_TARGETS}
