"""Commands for running an instance on a venue machine: ``kiosk backup``, ``kiosk restore``,
``kiosk doctor``, ``kiosk host install``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kiosk import backup as backupmod
from kiosk import doctor, host, instance
from kiosk.cli_common import INSTANCE_DIR, fail


@click.command("backup")
@INSTANCE_DIR
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: DIR/backups/kiosk-<time>.db.gz).",
)
def backup_command(directory: Path, out: Path | None) -> None:
    """A consistent, checked, compressed copy of DIR's database (fine while it serves)."""
    try:
        written = backupmod.backup(directory, out)
    except (backupmod.BackupError, instance.InstanceError) as error:
        fail(str(error))
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes, integrity ok)")


@click.command("restore")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def restore_command(directory: Path, file: Path) -> None:
    """Replace DIR's database by a backup FILE, after checking it (stop `kiosk serve` first)."""
    try:
        kept = backupmod.restore(directory, file)
    except (backupmod.BackupError, instance.InstanceError) as error:
        fail(str(error))
    click.echo(
        f"Restored {file} into {directory}" + (f"; the previous database is in {kept}" if kept else "")
    )


@click.command("doctor")
@INSTANCE_DIR
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The TLS certificate `kiosk serve` uses, to count its days left (default: DIR/tls/cert.pem if any).",
)
def doctor_command(directory: Path, cert: Path | None) -> None:
    """Check this machine before the doors open: database, disk, central and clock, camera,
    backups, TLS certificate. One line each; exit 1 if any fails."""
    try:
        instance.read_config(directory)
    except instance.InstanceError as error:
        fail(str(error))
    checks = doctor.run(directory, cert)
    for check in checks:
        click.echo(check.line())
    failed = [check.name for check in checks if check.status == "FAIL"]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}", err=True)
        raise SystemExit(1)


@click.group("host")
def host_group() -> None:
    """Set this machine up for the venue (Debian, as root)."""


@host_group.command("install")
@click.option(
    "--role", required=True, help="central, or the kiosk's roles (entry, heritage, finder, workshop)."
)
@click.option("--central", "central_url", help="Kiosk: central's URL, with --code to enroll.")
@click.option("--code", help="Kiosk: the one-time code from `kiosk devices add` on central.")
@click.option("--central-key", help="Kiosk: central's key fingerprint, printed with the code.")
@click.option(
    "--bundle", type=click.Path(dir_okay=False, path_type=Path), help="Kiosk: provision from a bundle."
)
@click.option("--gate", help="The gate this kiosk stands at.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--listen", "host_address",
              help="Address kiosk serve listens on (default 127.0.0.1; 0.0.0.0 on central, for the kiosks; "
                   "with --https-port, every address).")  # fmt: skip
@click.option("--https-port", type=int,
              help="HTTPS on the LAN with the venue certificate (a kiosk enrolled with --central; "
                   "central with --address); plain HTTP (--port) then only on 127.0.0.1.")  # fmt: skip
@click.option("--address", "addresses", multiple=True,
              help="Central with --https-port: a LAN IP address or host name of it (repeat).")  # fmt: skip
@click.option("--camera", help="The USB camera (0, /dev/video0...) of an entry kiosk.")
@click.option("--rotate", default=0, type=int, help="Screen rotation in degrees (portrait totem: 90).")
@click.option("--output", default="HDMI-A-1", show_default=True, help="The display output to rotate.")
@click.option("--screen/--no-screen", default=None, help="Browser in kiosk mode (default: for kiosk roles).")
@click.option("--litestream-target", help="Central: replicate the database continuously (s3://, file://...).")
@click.option(
    "--package", default=None, help="What to pip install (default: this checkout, else salon-kiosk)."
)
@click.option("--lock", type=click.Path(dir_okay=False, path_type=Path),
              help="The lock file to install (default: requirements.lock of this checkout).")  # fmt: skip
@click.option("--venv", default="/opt/salon-kiosk/venv", show_default=True, type=click.Path(path_type=Path))
@click.option("--data", default="/var/lib/salon-kiosk", show_default=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print every command and file, change nothing.")
def host_install(
    role: str,
    central_url: str | None,
    code: str | None,
    central_key: str | None,
    bundle: Path | None,
    gate: str | None,
    port: int,
    host_address: str | None,
    https_port: int | None,
    addresses: tuple[str, ...],
    camera: str | None,
    rotate: int,
    output: str,
    screen: bool | None,
    litestream_target: str | None,
    package: str | None,
    lock: Path | None,
    venv: Path,
    data: Path,
    dry_run: bool,
) -> None:
    """Install the app in its own venv from the lock file, a system user, the instance and
    systemd units (kiosk serve; for screen roles Chromium in cage on tty1)."""
    from kiosk import asset_root

    checkout = asset_root().parent if asset_root().name == "kiosk" else asset_root()
    in_checkout = (checkout / "pyproject.toml").exists()
    if lock is None and in_checkout and (checkout / "requirements.lock").exists():
        lock = checkout / "requirements.lock"
    options = host.Options(
        role=role,
        venv=venv,
        data=data,
        port=port,
        host=host_address,
        https_port=https_port,
        addresses=addresses,
        package=package or (str(checkout) if in_checkout else "salon-kiosk"),
        lock=lock,
        central_url=central_url,
        code=code,
        central_key=central_key,
        bundle=bundle,
        gate=gate,
        camera=camera,
        rotate=rotate,
        output=output,
        litestream_target=litestream_target,
        screen=screen,
    )
    problem = host.refusal(options)
    if problem:
        fail(problem)
    plan = host.plan(options)
    if dry_run:
        click.echo(plan.describe(), nl=False)
        return
    if os.geteuid() != 0:
        fail("run it as root (sudo), or look first with --dry-run")
    plan.execute()
    click.echo(
        f"Installed: {options.url} (systemctl status {host.SERVICE}; `kiosk doctor {options.instance}`)"
    )
