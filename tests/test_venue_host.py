"""`kiosk host install`: the dry run prints every command and file for each venue
machine; the systemd units pass `systemd-analyze verify`; `kiosk serve` speaks systemd's
notify protocol (READY, then WATCHDOG only while /healthz answers)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import host, tls
from tests.conftest import free_port, self_signed, serving
from tests.tls_helpers import https_json, trusting

MACHINES = {
    "central": ["--role", "central", "--listen", "0.0.0.0", "--litestream-target", "file:///mnt/usb/replica"],
    "entrance": ["--role", "entry", "--central", "http://192.168.50.1:5000", "--code", "AB12-CD34-EF56",
                 "--central-key", "0f3a9c", "--gate", "main", "--camera", "/dev/video0"],
    "totem": ["--role", "finder", "--central", "http://192.168.50.1:5000", "--code", "AB12-CD34-EF57",
              "--central-key", "0f3a9c", "--rotate", "90"],
    "tablet": ["--role", "workshop", "--bundle", "/root/fair.bundle", "--no-screen"],
    "kids": ["--role", "kids", "--bundle", "/root/fair.bundle", "--no-screen"],
}  # fmt: skip


def install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "host", "install", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def files_of(output: str) -> dict[str, str]:
    found: dict[str, str] = {}
    current = None
    for line in output.splitlines(keepends=True):
        if line.startswith("# file "):
            current = line.removeprefix("# file ").strip()
            found[current] = ""
        elif line.startswith("$ "):
            current = None
        elif current:
            found[current] += line
    return found


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_dry_run_prints_every_file_and_command(machine: str) -> None:
    done = install(*MACHINES[machine], "--dry-run")
    assert done.returncode == 0, done.stderr
    files = files_of(done.stdout)
    serve = files["/etc/systemd/system/salon-kiosk.service"]
    assert "Restart=on-failure" in serve and "WatchdogSec=" in serve and "Type=notify" in serve
    assert "--require-hashes -r " in done.stdout and "requirements.lock" in done.stdout
    assert "useradd --system" in done.stdout and "systemctl enable --now salon-kiosk.service" in done.stdout
    screen = files.get("/etc/systemd/system/salon-kiosk-screen.service")
    if machine in ("central", "tablet", "kids"):
        assert screen is None
    else:
        assert "cage" in screen and "--kiosk" in screen and "--noerrdialogs" in screen
        assert "--disable-pinch" in screen and "Restart=always" in screen and "--blank 0" in screen
    if machine == "totem":
        assert "wlr-randr --output HDMI-A-1 --transform 90" in screen
    if machine == "entrance":
        assert "KIOSK_CAMERA_SOURCE=/dev/video0" in serve and "SupplementaryGroups=video" in serve
    if machine == "kids":  # its label printer: Arabic shaped by Raqm, pyusb, /dev/usb/lp0
        assert "SupplementaryGroups=lp" in serve and "libfribidi0 libusb-1.0-0" in done.stdout
    else:
        groups = next((line for line in serve.splitlines() if line.startswith("SupplementaryGroups=")), "")
        assert "lp" not in groups.removeprefix("SupplementaryGroups=").split() and "libusb" not in done.stdout
    if machine == "central":
        assert "--host 0.0.0.0" in serve
        assert "file:///mnt/usb/replica" in files["/var/lib/salon-kiosk/litestream.yml"]
        assert "litestream replicate" in files["/etc/systemd/system/salon-kiosk-litestream.service"]


def test_install_refuses_incomplete_kiosk_options() -> None:
    done = install("--role", "entry", "--dry-run")
    assert done.returncode != 0
    assert done.stderr.strip() == "Error: a kiosk needs --central URL with --code, or --bundle FILE"


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    # Paths that exist on this machine, so that verify can check the commands too.
    options = host.Options(
        role="entry", venv=Path(sys.prefix), data=tmp_path, camera="/dev/video0", litestream_target=None
    )
    units = {path.name: content for path, content in host.plan(options).files}
    if not Path(options.cage).exists():
        units.pop(host.SCREEN_SERVICE)  # checked below with a stand-in for cage
        stand_in = replace(options, cage=shutil.which("true") or "/usr/bin/true")
        units[host.SCREEN_SERVICE] = host.screen_unit(stand_in)
    for name, content in units.items():
        (tmp_path / name).write_text(content)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in done.stderr.splitlines() if "salon-kiosk" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_serve_tells_systemd_it_is_ready_then_alive(kiosk_dir: Path, tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(30)
        with serving(kiosk_dir, {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "400000"}):
            messages = [listener.recv(64) for _ in range(3)]
    assert messages == [b"READY=1", b"WATCHDOG=1", b"WATCHDOG=1"]


def test_the_screen_user_joins_only_the_groups_this_system_has(tmp_path: Path) -> None:
    """A machine without udev's render or input group still gets its screen user (a
    real root run of the installer stopped here: useradd refuses a missing group)."""
    import grp
    import os

    options = host.Options(role="entry", central_url="http://c", code="C", central_key="K")
    (command,) = [c for c in host.plan(options).commands if host.SCREEN_USER in c[-1] and "useradd" in c[-1]]
    # Run the installer's own shell line, with `id` saying the user is new and `useradd`
    # recording what it was asked (getent, the shell and the groups are this machine's).
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "id").write_text("#!/bin/sh\nexit 1\n")
    (stubs / "useradd").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "asked"}\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    done = subprocess.run(command, env={**os.environ, "PATH": f"{stubs}:/usr/bin:/bin"}, timeout=30)
    assert done.returncode == 0
    asked = (tmp_path / "asked").read_text().split("\n")
    known = {g.gr_name for g in grp.getgrall()}
    present = [g for g in host.SCREEN_GROUPS if g in known]
    if present:
        assert asked[asked.index("--groups") + 1] == ",".join(present)
    else:
        assert "--groups" not in asked
    assert asked[-2] == host.SCREEN_USER


def test_the_service_user_can_run_the_venv_and_read_the_bundle() -> None:
    """Two more stops of a real root run: the venv was made by root's pyenv Python
    under /root (the service user could not execute it), and the bundle given from /root
    was unreadable to the service user running `kiosk init`."""
    options = host.Options(role="workshop", bundle=Path("/root/fair.bundle"))
    commands = host.plan(options).commands
    assert [host.SYSTEM_PYTHON, "-m", "venv", str(options.venv)] in commands
    copy = options.data / "fair.bundle"
    handed = ["install", "-o", host.USER, "-g", host.USER, "-m", "0600", "/root/fair.bundle", str(copy)]
    assert handed in commands
    init = next(c for c in commands if "kiosk init" in " ".join(c) or " init " in c[-1])
    assert commands.index(handed) < commands.index(init)
    assert f"--bundle {copy}" in init[-1] and "/root/" not in init[-1]
    assert commands[0] == ["apt-get", "update"]


ENTRANCE_HTTPS = [*MACHINES["entrance"], "--https-port", "8443"]


def test_an_enrolled_kiosk_serves_https_on_the_lan_and_http_to_its_screen_only() -> None:
    done = install(*ENTRANCE_HTTPS, "--dry-run")
    assert done.returncode == 0, done.stderr
    files = files_of(done.stdout)
    serve = files["/etc/systemd/system/salon-kiosk.service"]
    tls_dir = "/var/lib/salon-kiosk/instance/tls"
    assert (
        f"ExecStart=/opt/salon-kiosk/venv/bin/kiosk serve /var/lib/salon-kiosk/instance --host 0.0.0.0"
        f" --port 8443 --cert {tls_dir}/cert.pem --key {tls_dir}/key.pem --local-port 5000\n"
    ) in serve
    assert "--app=http://127.0.0.1:5000/" in files["/etc/systemd/system/salon-kiosk-screen.service"]
    # The install stops when enrollment brought no certificate (no LAN address on central).
    assert f"test -s {tls_dir}/cert.pem ||" in done.stdout
    plain = files_of(install(*MACHINES["entrance"], "--dry-run").stdout)[
        "/etc/systemd/system/salon-kiosk.service"
    ]
    assert "--host 127.0.0.1 --port 5000\n" in plain and "--cert" not in plain


def test_https_needs_an_enrolled_kiosk() -> None:
    done = install(*MACHINES["tablet"], "--https-port", "8443", "--dry-run")
    assert done.returncode != 0 and "--central" in done.stderr
    done = install(*ENTRANCE_HTTPS[:-1], "5000", "--dry-run")
    assert done.returncode != 0 and "different ports" in done.stderr


def run_the_unit(options: host.Options, context: ssl.SSLContext) -> None:
    """Run the serve unit's ExecStart line (this checkout's kiosk for the venv's): HTTPS
    on options.https_port verified with CONTEXT, plain HTTP on 127.0.0.1:options.port."""
    (line,) = [line for line in host.serve_unit(options).splitlines() if line.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=").split()
    assert command[0] == str(options.kiosk)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *command[1:]], env=os.environ, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert https_json(f"https://127.0.0.1:{options.https_port}/healthz", context)["ok"] is True
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr
                time.sleep(0.1)
        with urllib.request.urlopen(options.url + "healthz", timeout=5) as answer:
            assert json.load(answer)["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_installed_serve_command_runs_https_and_loopback_http(
    kiosk_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    """The unit's own ExecStart line, run: HTTPS with the stored certificate on one port,
    plain HTTP on 127.0.0.1 on the other."""
    options = host.Options(
        role="entry", data=tmp_path / "data", port=free_port(), https_port=free_port(), central_url="http://c"
    )
    shutil.copytree(kiosk_dir, options.instance)
    cert, key = self_signed(tmp_path)
    _ca, served_cert, served_key = tls.served_files(options.instance)
    served_cert.parent.mkdir(exist_ok=True)
    shutil.copy(cert, served_cert)
    shutil.copy(key, served_key)
    run_the_unit(options, trusting(cert))


def test_central_installed_with_https_makes_the_venue_ca_and_serves_its_certificate(
    central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    """The installer's own `kiosk ca init` line and unit, run on a central instance: the
    HTTPS listener is verified against the venue CA, plain HTTP answers on loopback."""
    options = host.Options(
        role="central",
        data=tmp_path / "data",
        port=free_port(),
        https_port=free_port(),
        addresses=("127.0.0.1", "central.local"),
    )
    assert host.refusal(options) == ""
    shutil.copytree(central_dir, options.instance)
    (ca_init,) = [c[-1] for c in host.plan(options).commands if " ca init " in c[-1]]
    command = ca_init.split(" -- ", 1)[1].split()
    assert command[0] == str(options.kiosk) and command[-4:] == [
        "--address",
        "127.0.0.1",
        "--address",
        "central.local",
    ]
    made = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *command[1:]], capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    run_the_unit(options, trusting(tls.served_files(options.instance)[0]))  # the venue CA


def test_central_https_needs_its_addresses() -> None:
    done = install("--role", "central", "--https-port", "8443", "--dry-run")
    assert done.returncode != 0 and "--address" in done.stderr
    done = install(*ENTRANCE_HTTPS, "--address", "192.168.50.9", "--dry-run")
    assert done.returncode != 0 and "devices page" in done.stderr
    done = install("--role", "central", "--https-port", "8443", "--address", "192.168.50.1", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "--address 192.168.50.1" in done.stdout
    serve = files_of(done.stdout)["/etc/systemd/system/salon-kiosk.service"]
    assert "--host 0.0.0.0 --port 8443 --cert " in serve and "--local-port 5000" in serve
