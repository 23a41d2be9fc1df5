"""Every setting of an instance, declared once, and how an instance's settings are loaded.

A setting is read from, last one wins: its declared default < ``DIR/config.toml`` <
the ``KIOSK_<NAME>`` environment variable (a string, parsed to the declared type).
``load`` refuses an unknown key (a typo) and a value of the wrong type or out of range
with a one-line ``SettingsError`` naming the key and where it came from; ``kiosk serve``
and the other commands turn it into one line on standard error and a non-zero exit.
The app reads the validated values from ``app.config["NAME"]``, never with a default
of its own (``default(NAME)`` gives the declared one to code that runs without an app).

To add a setting, add a ``Setting`` to ``SETTINGS`` (one line of help, the narrowest
type, ``minimum``/``choices`` where a value would be wrong) and read it as above.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CONFIG_FILENAME = "config.toml"
ENVIRONMENT_PREFIX = "KIOSK_"
# KIOSK_* variables that are not settings: the clock's start (kiosk.clock) and create_app's folder.
NOT_SETTINGS = frozenset({"NOW", "NOW_AT", "NOW_FROZEN", "INSTANCE"})

ROLES = ("central", "entry", "heritage", "finder", "workshop", "kids")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting (or a role list) that cannot be used; the message is one line."""


def parse_roles(text: str | Iterable[str]) -> tuple[str, ...]:
    """``central``, or kiosk roles as a comma list (or names); ``kiosk`` means ``entry``.
    Kept in the order given: the first role with a screen or a camera target leads."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    roles: list[str] = []
    for part in (p.strip() for p in parts):
        role = "entry" if part == "kiosk" else part
        if role and role not in roles:
            roles.append(role)
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        shown = ", ".join(unknown) or repr(text if isinstance(text, str) else ",".join(parts))
        raise SettingsError(f"unknown role {shown}; use {', '.join(ROLES)}")
    if "central" in roles and len(roles) > 1:
        raise SettingsError("central cannot be combined with kiosk roles")
    return tuple(roles)


def _check_roles(value: str) -> None:
    parse_roles(value)


PRINTER_KINDS = ("usb", "network", "file")
PRINTER_PORT = 9100  # the raw ESC/POS (JetDirect) port of network receipt printers


@dataclass(frozen=True)
class PrinterTarget:
    """Where an ESC/POS printer is: a USB device (vendor and product ids), a network
    host and port, or a device file or plain file path."""

    kind: str
    vendor: int = 0
    product: int = 0
    host: str = ""
    port: int = PRINTER_PORT
    path: str = ""


def parse_printer(text: str) -> PrinterTarget:
    """``usb:VVVV:PPPP`` (hexadecimal ids, as lsusb shows them), ``network:HOST[:PORT]``
    or ``file:PATH``."""
    kind, _, target = text.partition(":")
    if kind == "usb":
        vendor, _, product = target.partition(":")
        try:
            return PrinterTarget(kind, vendor=int(vendor, 16), product=int(product, 16))
        except ValueError:
            raise SettingsError(
                "a USB printer is usb:VENDOR:PRODUCT in hexadecimal, e.g. usb:04b8:0202"
            ) from None
    if kind == "network":
        host, _, port = target.partition(":")
        if not host or (port and not (port.isdigit() and 0 < int(port) < 65536)):
            raise SettingsError("a network printer is network:HOST or network:HOST:PORT")
        return PrinterTarget(kind, host=host, port=int(port) if port else PRINTER_PORT)
    if kind == "file" and target:
        return PrinterTarget(kind, path=target)
    raise SettingsError(f"a printer is {', '.join(f'{k}:...' for k in PRINTER_KINDS)}, e.g. network:10.0.0.9")


def _check_printer(value: str) -> None:
    parse_printer(value)


def _check_printer_profile(value: str) -> None:
    from escpos.capabilities import CAPABILITIES  # loaded only when the setting is set

    profile = CAPABILITIES["profiles"].get(value)
    if profile is None or not isinstance(profile["media"]["width"].get("pixels"), int):
        raise SettingsError(
            "not a python-escpos printer profile with a known paper width (e.g. TM-T20II, POS-5890)"
        )


@dataclass(frozen=True)
class Setting:
    """One setting: its name, type, default and a line of help. ``optional`` settings may
    be unset (``None``; an empty string in the environment unsets them); ``required``
    ones must be set and not empty; ``secret`` values are never printed."""

    name: str
    type: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # strictly greater than (an interval of 0 would busy-loop)
    choices: tuple[str, ...] = ()
    optional: bool = False
    required: bool = False
    secret: bool = False
    flask: bool = False  # one of Flask's own keys
    integers_as_text: bool = False  # a camera index may be written as a number
    check: Callable[[Any], None] | None = None  # raises SettingsError on a bad value


SETTINGS: tuple[Setting, ...] = (
    # --- identity
    Setting(
        "ROLE",
        str,
        "entry",
        "central, or kiosk roles, comma-separated (entry, heritage, finder, workshop, kids)",
        check=_check_roles,
    ),
    Setting("NAME", str, None, "this instance's name (device name; in every log line)", optional=True),
    Setting("GATE", str, "main", "the gate this kiosk stands at"),
    Setting(
        "CENTRAL_URL", str, None, "kiosk: central's URL; sync runs in the background when set", optional=True
    ),
    Setting(
        "PUBLIC_URL",
        str,
        None,
        "the URL visitors' phones reach this instance at (finder QR codes)",
        optional=True,
    ),
    # --- entry screen and scans
    Setting(
        "DEBOUNCE_SECONDS", float, 4.0, "a code scanned again within this many seconds counts once", minimum=0
    ),
    Setting("ANNUL_MINUTES", float, 5.0, "staff may annul a scan this many minutes after it", minimum=0),
    Setting("VERDICT_SECONDS", float, 3.0, "the entry screen shows a verdict this long", above=0),
    Setting(
        "ENTRY_IDLE_SECONDS",
        int,
        60,
        "the entry screen returns to its home language after this long",
        minimum=1,
    ),
    Setting(
        "STAFF_IDLE_MINUTES", float, 10.0, "a staff session ends after this long without activity", above=0
    ),
    Setting(
        "STAFF_SESSION_HOURS",
        float,
        12.0,
        "a staff session or API token ends this long after log-in, however busy",
        above=0,
    ),
    # --- session doors (workshops)
    Setting(
        "SESSION_DOORS_OPEN_MINUTES", float, 30.0, "session doors open this long before the start", minimum=0
    ),
    Setting(
        "SESSION_NO_SHOW_MINUTES",
        float,
        10.0,
        "seats of registered people who have not come are released this long after the start",
        minimum=0,
    ),
    # --- stand finder
    Setting(
        "FINDER_POSITION",
        str,
        None,
        "the finder's place on the plan: 'x,y' in metres or a gate id (default: its gate)",
        optional=True,
    ),
    Setting("FINDER_HEADING", float, 0.0, "where the finder screen faces, degrees clockwise from north"),
    Setting(
        "FINDER_IDLE_SECONDS", int, 60, "the finder returns to its attract screen after this long", minimum=1
    ),
    Setting(
        "FINDER_RESULTS",
        int,
        12,
        "exhibitors a page of search, category and province lists",
        minimum=1,
        maximum=50,
    ),
    Setting(
        "FINDER_COUNT_DELAY_SECONDS",
        float,
        1.5,
        "a search is counted when typing pauses this long",
        minimum=0,
    ),
    # --- kids' space
    Setting(
        "KIDS_LONG_STAY_MINUTES",
        int,
        120,
        "kids' space: a child inside longer than this is highlighted",
        minimum=1,
    ),
    Setting(
        "KIDS_CALL_MINUTES",
        int,
        30,
        "kids' space: the adults of children still inside are listed this long before closing",
        minimum=0,
    ),
    Setting(
        "KIDS_PHONE",
        str,
        None,
        "kids' space: its phone number, printed on the adults' receipts",
        optional=True,
    ),
    Setting(
        "KIDS_KEEP_HOURS",
        float,
        0.0,
        "kids' space: names and phones are wiped this long after the fair day closes (0: at closing)",
        minimum=0,
    ),
    # --- camera
    Setting(
        "CAMERA_SOURCE",
        str,
        None,
        "camera index, device path, RTSP/HTTP URL, video or image sequence",
        optional=True,
        integers_as_text=True,
    ),
    Setting(
        "CAMERA_DIRECTION",
        str,
        None,
        "direction of camera scans at this gate (default: the gate's own)",
        choices=("in", "out"),
        optional=True,
    ),
    Setting(
        "CAMERA_DEBOUNCE_SECONDS",
        float,
        3.0,
        "a code held in view counts once; again after this long out of sight",
        minimum=0,
    ),
    Setting(
        "CAMERA_FROZEN_SECONDS", float, 3.0, "no new picture for this long: the camera is 'frozen'", above=0
    ),
    Setting(
        "CAMERA_FALLBACK_EVERY",
        int,
        3,
        "live loop: fallback decoders every n-th frame without a code",
        minimum=1,
    ),
    Setting(
        "CAMERA_PACE",
        bool,
        None,
        "play a file source at its frame rate (default: true for files)",
        optional=True,
    ),
    Setting("DECODERS", str, "zxingcpp,pyzbar", "QR decoder chain, first to last"),
    # --- kids' space labels (kiosk/kids/labels.py)
    Setting(
        "KIDS_PRINTER",
        str,
        None,
        "ESC/POS label printer: usb:VVVV:PPPP, network:HOST[:PORT] or file:PATH (unset: PDF labels)",
        optional=True,
        check=_check_printer,
    ),
    Setting(
        "KIDS_PRINTER_PROFILE",
        str,
        "TM-T20II",
        "python-escpos profile of that printer: its paper width and QR support (POS-5890: 58 mm)",
        check=_check_printer_profile,
    ),
    # --- sync
    Setting("SYNC_INTERVAL", float, 3.0, "kiosk: seconds between sync rounds", above=0),
    Setting(
        "SYNC_MAX_BACKOFF", float, 60.0, "kiosk: longest wait between rounds while central is away", above=0
    ),
    # --- logging
    Setting("LOG_LEVEL", str, "INFO", "least severe level logged", choices=LOG_LEVELS),
    Setting("LOG_FILE_MAX_BYTES", int, 5_000_000, "DIR/kiosk.log is rotated at this size", minimum=1024),
    Setting("LOG_FILE_BACKUPS", int, 5, "rotated log files kept (kiosk.log.1 ...)", minimum=1),
    # --- operations (kiosk/serve.py, kiosk/backup.py, /metrics)
    Setting(
        "SERVE_WORKERS",
        int,
        None,
        "kiosk serve's server processes (unset: one per core for a finder-only kiosk, else 1;"
        " more than 1 only there)",
        optional=True,
        minimum=1,
        maximum=32,
    ),
    Setting(
        "BACKUP_INTERVAL_MINUTES",
        float,
        30.0,
        "kiosk serve backs the database up into DIR/backups this often (0: never)",
        minimum=0,
    ),
    Setting("BACKUP_KEEP", int, 48, "the newest backups kept in DIR/backups", minimum=1),
    Setting(
        "METRICS_TOKEN",
        str,
        None,
        "/metrics answers other hosts than loopback only with 'Authorization: Bearer' this",
        optional=True,
        secret=True,
    ),
    # --- Flask's own keys
    Setting(
        "SECRET_KEY",
        str,
        None,
        "signs staff session cookies (`kiosk init` writes a random one)",
        required=True,
        secret=True,
        flask=True,
    ),
    Setting("MAX_CONTENT_LENGTH", int, 2 * 1024 * 1024, "largest request body, bytes", minimum=1, flask=True),
    Setting(
        "SESSION_COOKIE_SAMESITE",
        str,
        "Lax",
        "staff cookie not sent with a form posted from another site (CSRF)",
        choices=("Lax", "Strict"),
        flask=True,
    ),
    Setting("SESSION_COOKIE_HTTPONLY", bool, True, "scripts cannot read the staff cookie", flask=True),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}

EXTENSION = "kiosk.settings"  # app.extensions key of the app's Effective settings
DEFAULT = "default"
FILE = CONFIG_FILENAME
ENVIRONMENT = "environment"
OVERRIDE = "test config"


def default(name: str) -> Any:
    """The declared default of a setting (for code that runs without an app)."""
    return BY_NAME[name].default


def defaults() -> dict[str, Any]:
    return {setting.name: setting.default for setting in SETTINGS}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse(setting: Setting, raw: object, where: str) -> Any:
    """``raw`` (from TOML, or a string from the environment) as the setting's type, checked;
    ``where`` names the source in the error."""

    given = raw  # as written, for the message

    def refuse(why: str) -> SettingsError:
        return SettingsError(f"{where}: {setting.name} {why}, got {given!r}")

    from_text = isinstance(raw, str) and where.startswith(ENVIRONMENT)
    if setting.optional and (raw is None or raw == ""):
        return None
    value: Any
    if setting.type is bool:
        if isinstance(raw, bool):
            value = raw
        elif from_text and str(raw).strip().lower() in _TRUE | _FALSE:
            value = str(raw).strip().lower() in _TRUE
        else:
            raise refuse("must be true or false")
    elif setting.type in (int, float):
        kind = "a whole number" if setting.type is int else "a number"
        if isinstance(raw, bool):
            raise refuse(f"must be {kind}")
        if from_text:
            try:
                raw = setting.type(str(raw).strip())
            except ValueError:
                raise refuse(f"must be {kind}") from None
        if not isinstance(raw, int | float) or (setting.type is int and not isinstance(raw, int)):
            raise refuse(f"must be {kind}")
        value = setting.type(raw)
        if not math.isfinite(value):
            raise refuse("must be a finite number")
        if setting.minimum is not None and value < setting.minimum:
            raise refuse(f"must be at least {setting.minimum:g}")
        if setting.maximum is not None and value > setting.maximum:
            raise refuse(f"must be at most {setting.maximum:g}")
        if setting.above is not None and value <= setting.above:
            raise refuse(f"must be greater than {setting.above:g}")
    else:
        if setting.integers_as_text and isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            raise refuse("must be text")
        value = raw
    if setting.choices and value not in setting.choices:
        raise refuse(f"must be one of {', '.join(setting.choices)}")
    if setting.check is not None and value is not None:
        try:
            setting.check(value)
        except SettingsError as error:
            raise SettingsError(f"{where}: {setting.name}: {error}") from None
    return value


def _unknown(name: str, where: str) -> SettingsError:
    close = difflib.get_close_matches(name.upper(), BY_NAME, n=1, cutoff=0.8)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return SettingsError(f"{where}: unknown setting {name}{hint}")


def read_file(path: Path) -> dict[str, Any]:
    """A config.toml's table; a syntax error is a one-line ``SettingsError``."""
    try:
        with Path(path).open("rb") as stream:
            return tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise SettingsError(f"{path}: cannot read: {error.strerror}") from None


def from_file(path: Path) -> dict[str, Any]:
    """The settings set in a config.toml, checked."""
    where = str(path)
    values = {}
    for name, raw in read_file(path).items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise _unknown(name, where)
        values[name] = parse(setting, raw, where)
    return values


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings set by ``KIOSK_<NAME>`` variables, checked (other KIOSK_* are refused)."""
    values = {}
    for variable, raw in environ.items():
        if not variable.startswith(ENVIRONMENT_PREFIX):
            continue
        name = variable.removeprefix(ENVIRONMENT_PREFIX)
        where = f"{ENVIRONMENT} {variable}"
        if name in NOT_SETTINGS:
            continue
        setting = BY_NAME.get(name)
        if setting is None:
            raise _unknown(name, where)
        values[name] = parse(setting, raw, where)
    return values


@dataclass(frozen=True)
class Effective:
    """An instance's settings and, for each, where its value came from."""

    values: dict[str, Any]
    sources: dict[str, str]

    def describe(self, name: str) -> str:
        """The value as ``kiosk config`` shows it (secrets hidden)."""
        value = self.values[name]
        if value is None:
            return "(unset)"
        if BY_NAME[name].secret:
            return "(set, hidden)"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def load(
    folder: Path | None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Effective:
    """Defaults < ``folder/config.toml`` < ``KIOSK_*`` environment < ``overrides`` (tests),
    every value checked. ``folder=None`` reads no file (commands without an instance)."""
    values = defaults()
    sources = dict.fromkeys(values, DEFAULT)
    if folder is not None:
        for name, value in from_file(Path(folder) / CONFIG_FILENAME).items():
            values[name], sources[name] = value, FILE
    for name, value in from_environment(os.environ if environ is None else environ).items():
        values[name], sources[name] = value, f"{ENVIRONMENT} ({ENVIRONMENT_PREFIX}{name})"
    for name, raw in (overrides or {}).items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise _unknown(name, OVERRIDE)
        values[name], sources[name] = parse(setting, raw, OVERRIDE), OVERRIDE
    for setting in SETTINGS:
        if setting.required and not values[setting.name]:
            where = f"{Path(folder) / CONFIG_FILENAME}" if folder is not None else "the environment"
            raise SettingsError(f"{where}: {setting.name} is missing or empty (`kiosk init` writes one)")
    return Effective(values, sources)


def check(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Settings about to be written to a config.toml (``kiosk init``), checked."""
    checked = {}
    for name, raw in values.items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise _unknown(name, where)
        checked[name] = parse(setting, raw, where)
    return checked


@lru_cache(maxsize=64)
def _roles_of(text: str) -> tuple[str, ...]:
    return parse_roles(text)


def roles(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles of the instance whose (loaded, checked) config this is, in ``ROLE``'s order."""
    return _roles_of(str(config["ROLE"]))


def has_role(config: Mapping[str, Any], role: str) -> bool:
    """Whether this instance has ``role`` (``central``, ``entry``, ``workshop``...)."""
    if role not in ROLES:
        raise ValueError(f"no role {role!r}")  # a typo in code must not read as "no"
    return role in roles(config)


def is_central(config: Mapping[str, Any]) -> bool:
    return has_role(config, "central")


def _allowed(setting: Setting) -> str:
    parts = []
    if setting.choices:
        parts.append(" / ".join(setting.choices))
    if setting.minimum is not None:
        parts.append(f"≥ {setting.minimum:g}")
    if setting.above is not None:
        parts.append(f"> {setting.above:g}")
    if setting.maximum is not None:
        parts.append(f"≤ {setting.maximum:g}")
    if setting.optional:
        parts.append("may be unset")
    if setting.required:
        parts.append("required")
    return ", ".join(parts)


def markdown_table() -> str:
    """The settings as a Markdown table (the README's copy is checked against it)."""
    names = {bool: "true/false", int: "whole number", float: "number", str: "text"}
    lines = ["| setting | type | default | allowed | what |", "| --- | --- | --- | --- | --- |"]
    for setting in SETTINGS:
        shown = (
            ""
            if setting.default is None
            else Effective({setting.name: setting.default}, {}).describe(setting.name)
        )
        lines.append(
            f"| `{setting.name}` | {names[setting.type]} | {f'`{shown}`' if shown else ''} |"
            f" {_allowed(setting)} | {setting.help} |"
        )
    return "\n".join(lines) + "\n"
