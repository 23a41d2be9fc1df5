"""``kiosk staff add|list``: staff accounts with a personal PIN."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.cli_common import INSTANCE_DIR, is_central, open_instance


@click.group("staff")
def staff_group() -> None:
    """Staff accounts with a personal PIN (gate, workshop, kids, kids_lead: the kids' space
    supervisor, on kids' kiosks only; organizer: on central only)."""


@staff_group.command("add")
@INSTANCE_DIR
@click.option("--name", required=True, help="The name staff type at log-in (unique).")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option(
    "--pin",
    prompt="PIN (6 to 12 digits; kids_lead and organizers 8+ digits or a 12+ character passphrase)",
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
        exposed = (
            f"  (PIN held by revoked kiosk {row['pin_exposed_by']}: no log-in until set-pin gives a new one)"
            if row["pin_exposed_by"]
            else ""
        )
        click.echo(f"{row['role']:<10} {row['name']}{'' if row['active'] else '  (inactive)'}{exposed}")


@staff_group.command("deactivate")
@INSTANCE_DIR
@click.option("--name", required=True, help="The staff member's log-in name.")
def staff_deactivate(directory: Path, name: str) -> None:
    """End an account: it cannot log in, and its sessions and tokens end everywhere."""
    database = open_instance(directory)
    with dbmod.write(database) as conn:
        row = accounts.find_by_name(conn, name)
        if row is None:
            raise click.ClickException(f"no active staff account named {name!r}")
        accounts.deactivate(conn, row["id"])
    click.echo(f"{row['name']} deactivated; their sessions are ended.")


@staff_group.command("set-pin")
@INSTANCE_DIR
@click.option("--name", required=True, help="The staff member's log-in name.")
@click.option(
    "--pin", prompt="New PIN", hide_input=True, confirmation_prompt=True, help="Asked for when not given."
)
def staff_set_pin(directory: Path, name: str, pin: str) -> None:
    """Give an account a new PIN: its sessions end everywhere (on central: kiosks follow)."""
    database = open_instance(directory)
    try:
        with dbmod.write(database) as conn:
            row = accounts.find_by_name(conn, name)
            if row is None:
                raise ValueError(f"no active staff account named {name!r}")
            accounts.set_pin(conn, row["id"], row["role"], pin)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New PIN set for {row['name']}; their sessions are ended.")
