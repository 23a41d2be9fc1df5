"""``kiosk sessions import|export`` (the programme as CSV) and ``kiosk staff add|list``."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.cli_common import INSTANCE_DIR, is_central, open_instance, report_import
from kiosk.sessions import programme


@click.group("sessions")
def sessions_group() -> None:
    """The programme of conferences, workshops, kids' activities and shows (central)."""


@sessions_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def sessions_import(directory: Path, file: Path) -> None:
    """Load sessions from a CSV or .xlsx (first sheet) FILE (columns: id, title_fr, title_ar,
    title_en, speaker, zone, starts_at, ends_at, capacity, kind, registration_required). Rows
    with an id update that session; bad rows are reported with their line (sheet row) and
    reason, the good ones are loaded."""
    # Kiosks copy the programme from central: a local change would be overwritten.
    database = open_instance(directory, central=True, why="the programme is imported on the central instance")
    try:
        report = programme.import_csv(database, file)
    except programme.SessionError as error:
        raise click.ClickException(str(error)) from None
    report_import(file, report.refused, report.loaded, "sessions")


@sessions_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sessions_export(directory: Path, file: Path) -> None:
    """Write the programme to a CSV FILE in the import format."""
    count = programme.export_csv(open_instance(directory), file)
    click.echo(f"Wrote {count} sessions to {file}")


@click.group("staff")
def staff_group() -> None:
    """Staff accounts with a personal PIN (gate, workshop, organizer)."""


@staff_group.command("add")
@INSTANCE_DIR
@click.option("--name", required=True, help="The name staff type at log-in (unique).")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option(
    "--pin",
    prompt="PIN (4 to 12 digits)",
    hide_input=True,
    confirmation_prompt=True,
    help="The personal PIN; asked for when not given.",
)
def staff_add(directory: Path, name: str, role: str, pin: str) -> None:
    """Create a staff account (on central: kiosks get it with the reference data)."""
    database = open_instance(directory)
    name = " ".join(name.split())
    with dbmod.write(database) as conn:
        if conn.execute("SELECT 1 FROM staff WHERE name = ? AND active = 1", (name,)).fetchone():
            raise click.ClickException(f"an active staff account is already named {name!r}")
        try:
            accounts.add_staff(conn, name, role, pin)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Staff account {name!r} ({role}) created")
    if not is_central(directory):
        click.echo(
            "Warning: staff accounts are reference data; the next bundle or sync from central"
            " replaces this kiosk's accounts. Add them on central.",
            err=True,
        )


@staff_group.command("list")
@INSTANCE_DIR
def staff_list(directory: Path) -> None:
    """List staff accounts (names and roles, never PINs)."""
    for row in accounts.list_staff(open_instance(directory).conn):
        click.echo(f"{row['role']:<10} {row['name']}{'' if row['active'] else '  (inactive)'}")
