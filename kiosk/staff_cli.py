"""``kiosk staff add|list``: staff accounts with a personal PIN."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.cli_common import INSTANCE_DIR, is_central, open_instance


@click.group("staff")
def staff_group() -> None:
    """Staff accounts with a personal PIN (gate, workshop, organizer)."""


@staff_group.command("add")
@INSTANCE_DIR
@click.option("--name", required=True, help="The name staff type at log-in (unique).")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option(
    "--pin",
    prompt="PIN (6 to 12 digits; organizers 8+ digits or a 12+ character passphrase)",
    hide_input=True,
    confirmation_prompt=True,
    help="The personal PIN; asked for when not given.",
)
def staff_add(directory: Path, name: str, role: str, pin: str) -> None:
    """Create a staff account (on central: kiosks get it with the reference data)."""
    database = open_instance(directory)
    name = " ".join(name.split())
    try:
        with dbmod.write(database) as conn:
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
