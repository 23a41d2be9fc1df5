"""``kiosk sessions import|export`` (the programme as CSV) and ``kiosk staff add|list``."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import auth, instance
from kiosk import db as dbmod
from kiosk.sessions import programme

INSTANCE_DIR = click.argument(
    "directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path)
)


def _open(directory: Path):  # noqa: ANN202
    try:
        return instance.open_db(directory)
    except instance.InstanceError as error:
        raise click.ClickException(str(error)) from None


def _is_central(directory: Path) -> bool:
    return str(instance.read_config(directory).get("ROLE")) == "central"


@click.group("sessions")
def sessions_group() -> None:
    """The programme of conferences, workshops, kids' activities and shows (central)."""


@sessions_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def sessions_import(directory: Path, file: Path) -> None:
    """Load sessions from a CSV FILE (columns: id, title_fr, title_ar, title_en, speaker, zone,
    starts_at, ends_at, capacity, kind, registration_required). Rows with an id update that
    session; bad rows are reported with their line and reason, the good ones are loaded."""
    database = _open(directory)
    if not _is_central(directory):
        # Kiosks copy the programme from central: a local change would be overwritten.
        raise click.ClickException("the programme is imported on the central instance")
    try:
        report = programme.import_csv(database, file)
    except programme.SessionError as error:
        raise click.ClickException(str(error)) from None
    for line, reason in report.refused:
        click.echo(f"{file}:{line}: {reason}", err=True)
    click.echo(f"Loaded {report.loaded} sessions from {file}")
    if report.refused:
        raise click.ClickException(f"{len(report.refused)} rows refused (see above)")


@sessions_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sessions_export(directory: Path, file: Path) -> None:
    """Write the programme to a CSV FILE in the import format."""
    count = programme.export_csv(_open(directory), file)
    click.echo(f"Wrote {count} sessions to {file}")


@click.group("staff")
def staff_group() -> None:
    """Staff accounts with a personal PIN (gate, workshop, organizer)."""


@staff_group.command("add")
@INSTANCE_DIR
@click.option("--name", required=True, help="The name staff type at log-in (unique).")
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@click.option("--pin", prompt="PIN (4 to 12 digits)", hide_input=True, confirmation_prompt=True,
              help="The personal PIN; asked for when not given.")
def staff_add(directory: Path, name: str, role: str, pin: str) -> None:
    """Create a staff account (on central: kiosks get it with the reference data)."""
    database = _open(directory)
    name = " ".join(name.split())
    with dbmod.write(database) as conn:
        if conn.execute("SELECT 1 FROM staff WHERE name = ? AND active = 1", (name,)).fetchone():
            raise click.ClickException(f"an active staff account is already named {name!r}")
        try:
            auth.add_staff(conn, name, role, pin)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Staff account {name!r} ({role}) created")
    if not _is_central(directory):
        click.echo("Warning: staff accounts are reference data; the next bundle or sync from central"
                   " replaces this kiosk's accounts. Add them on central.", err=True)


@staff_group.command("list")
@INSTANCE_DIR
def staff_list(directory: Path) -> None:
    """List staff accounts (names and roles, never PINs)."""
    for row in auth.list_staff(_open(directory).conn):
        click.echo(f"{row['role']:<10} {row['name']}{'' if row['active'] else '  (inactive)'}")
