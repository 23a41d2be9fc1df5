"""Commands for running an instance on a venue machine: ``kiosk backup``, ``kiosk restore``,
``kiosk doctor``."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import backup as backupmod
from kiosk import doctor, instance
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
    help="The TLS certificate `kiosk serve` uses, to count its days left.",
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


COMMANDS = (backup_command, restore_command, doctor_command)
