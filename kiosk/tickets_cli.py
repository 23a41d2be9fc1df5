"""``kiosk tickets``: issue, print and revoke tickets (central only)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli_common import INSTANCE_DIR, fail, open_instance, parse_day
from kiosk.tickets import badges, issuing, printing, reading, revocation


@click.group()
def tickets() -> None:
    """Issue and print tickets (central only)."""


@tickets.command("issue")
@INSTANCE_DIR
@click.option("--type", "type_id", help="Ticket type id: day, pass, child... (badges: exhibitor, staff).")
@click.option("--day", help="First valid day, YYYY-MM-DD (default: the first fair day).")
@click.option("--count", type=click.IntRange(1, 1_000_000), help="How many tickets (not for badges).")
@click.option("--exhibitors", is_flag=True, help="Named badges: one per exhibitor (PDF).")
@click.option(
    "--staff", "staff_badges", is_flag=True, help="Named badges: one per active staff account (PDF)."
)
@click.option(
    "--sheet",
    type=click.Choice(badges.SHEETS),
    default="a6",
    show_default=True,
    help="Badges: A6 pages or A4 sheets.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (txt, pdf) or folder (png, one file per ticket).",
)
@click.option("--format", "fmt", type=click.Choice(["txt", "png", "pdf"]), default="txt", show_default=True)
def tickets_issue(
    directory: Path,
    type_id: str | None,
    day: str | None,
    count: int | None,
    exhibitors: bool,
    staff_badges: bool,
    sheet: str,
    out: Path,
    fmt: str,
) -> None:
    """Issue COUNT tickets of a type and write them as text, PNG images or an A4 PDF; or
    named badges (--exhibitors, --staff) as a PDF of A6 badges."""
    database = open_instance(directory)
    if exhibitors or staff_badges:
        if count is not None or exhibitors == staff_badges:
            fail("badges: give either --exhibitors or --staff, and no --count")
        holders = (badges.exhibitor_holders if exhibitors else badges.staff_holders)(database.conn)
        type_id = type_id or ("exhibitor" if exhibitors else "staff")
        if not holders:
            fail(f"no {'exhibitors' if exhibitors else 'staff accounts'} to make badges for")
        try:
            made_badges = badges.issue_badges(database, directory, holders, type_id, parse_day(day))
        except (issuing.IssueError, LookupError) as error:
            fail(str(error))
        badges.write_badges_pdf(database.conn, made_badges, out, sheet)
        new = sum(badge.new for badge in made_badges)
        click.echo(
            f"Printed {len(made_badges)} named {type_id} badges to {out}:"
            f" {new} new tickets, {len(made_badges) - new} printed again"
        )
        return
    if type_id is None or count is None:
        fail("give --type and --count (or --exhibitors / --staff for named badges)")
    with click.progressbar(length=count, label="Signing tickets", file=sys.stderr) as bar:
        try:
            made = issuing.issue_tickets(
                database, directory, type_id, count, day=parse_day(day), progress=bar.update
            )
        except (issuing.IssueError, LookupError) as error:
            fail(str(error))
    printing.write(database, made, out, fmt)
    click.echo(f"Issued {len(made)} {type_id} tickets to {out}")


@tickets.command("revoke")
@INSTANCE_DIR
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@click.option("--reason", default="", help="Why (lost, refunded...), kept with the revocation.")
def tickets_revoke(directory: Path, codes: tuple[str, ...], reason: str) -> None:
    """Revoke tickets by short code or QR payload; kiosks refuse them once they have the list."""
    database = open_instance(directory)
    serials = []
    for code in codes:
        serial = reading.serial_of(code)
        if serial is None:
            fail(f"not a ticket code: {code!r}")
        serials.append(serial)
    for code, serial in zip(codes, serials, strict=True):
        known = database.conn.execute("SELECT 1 FROM tickets WHERE serial = ?", (serial,)).fetchone()
        done = revocation.revoke(database, serial, reason)
        note = "" if known else " (not issued by this instance)"
        click.echo(f"{code}: {'revoked' if done else 'already revoked'}{note}")
