"""The ``kiosk`` command: set up instances, issue tickets, serve the app.

Every command takes the instance folder ``DIR`` first. Errors are one line on
standard error and a non-zero exit. ``KIOSK_NOW`` replaces the clock.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from kiosk import bundle as bundlemod
from kiosk import clock, demo, instance, reference, settings
from kiosk import db as dbmod
from kiosk.camera.cli import decode
from kiosk.cli_common import INSTANCE_DIR, fail, open_instance, parse_day
from kiosk.fair import cli as fair_cli
from kiosk.fair import store as fair_store
from kiosk.finder.cli import exhibitors_group
from kiosk.ops_cli import COMMANDS as OPS_COMMANDS
from kiosk.sessions.cli import sessions_group
from kiosk.settings_cli import config
from kiosk.staff_cli import staff_group
from kiosk.tickets import badges, issuing, printing, reading, revocation
from kiosk.tickets.keys import create_key
from kiosk.tls_cli import COMMANDS as TLS_COMMANDS
from sync.cli import COMMANDS as SYNC_COMMANDS

log = logging.getLogger("kiosk.serve")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="salon-kiosk")
def main() -> None:
    """salon-kiosk: offline-first entry kiosks, stand finder and check-in for fairs.

    \b
    Start with:  kiosk init DIR --role central --demo
    then:        kiosk serve DIR
    """
    try:  # a mistyped KIOSK_* variable stops every command, not only `serve`
        settings.from_environment(os.environ)
    except settings.SettingsError as error:
        fail(str(error))


@main.command()
@INSTANCE_DIR
@click.option(
    "--role",
    required=True,
    help="central, or kiosk roles: kiosk (=entry), entry, heritage, finder, workshop (comma-separated).",
)
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo fair and its keys (central).")
@click.option("--start", help="First day of the demo fair, YYYY-MM-DD (default: today).")
@click.option(
    "--fair",
    "fair_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Central: load this fair file (fair.toml) and its plan; see `kiosk fair check`.",
)
@click.option(
    "--bundle",
    "bundle_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Provision a kiosk from a bundle file made by `kiosk bundle`.",
)
@click.option("--gate", help="The gate this kiosk stands at (main, east, heritage...).")
@click.option("--name", help="A name for this instance (default: role and host name).")
@click.option("--central", "central_url", help="Kiosk: central's URL, to enroll with --code and sync.")
@click.option("--code", help="Kiosk: the one-time code from `kiosk devices add` on central.")
@click.option("--central-key", help="Kiosk: central's key fingerprint, printed with the code.")
def init(
    directory: Path,
    role: str,
    with_demo: bool,
    start: str | None,
    fair_file: Path | None,
    bundle_file: Path | None,
    gate: str | None,
    name: str | None,
    central_url: str | None = None,
    code: str | None = None,
    central_key: str | None = None,
) -> None:
    """Create a new instance in DIR (central, or a kiosk from a bundle or by enrolling)."""
    if central_url or code:
        from sync.cli import init_enrolled

        init_enrolled(directory, role, central_url, code, gate, name, central_key)
        return
    try:
        roles = settings.parse_roles(role)
    except settings.SettingsError as error:
        fail(str(error))
    is_central = "central" in roles
    if with_demo and not is_central:
        fail("--demo is for a central instance; kiosks get the fair from a bundle or by sync")
    if bundle_file and is_central:
        fail("--bundle is for a kiosk; central makes bundles with `kiosk bundle`")
    if start and not with_demo:
        fail("--start goes with --demo")
    if fair_file and (with_demo or not is_central):
        fail("--fair is for a new central instance without --demo")
    loaded = fair_cli.load_or_fail(fair_file) if fair_file else None
    tables = None
    if bundle_file:
        try:
            document = bundlemod.open_bundle(bundle_file)
        except bundlemod.BundleError as error:
            fail(str(error))
        tables = document["tables"]
        missing = set(document["withheld"]) - set(reference.withheld_tables(roles))
        if missing:
            # Not fatal (walk-ins and open sessions still work), but the door will not
            # know anyone registered: say which bundle to make instead.
            click.echo(
                f"Warning: the bundle carries no {', '.join(sorted(missing))}; make it with"
                f" `kiosk bundle DIR --out FILE --role {','.join(roles)}`.",
                err=True,
            )
        gates = {row.get("id") for row in tables.get("gates", [])}
        if gate and gate not in gates:
            fail(f"the bundle has no gate {gate!r}; gates: {', '.join(sorted(map(str, gates)))}")
    try:
        database = instance.create(directory, roles, name=name, gate=gate)
    except (instance.InstanceError, settings.SettingsError) as error:
        fail(str(error))
    if is_central:
        if with_demo:
            counts = demo.build(database, directory, parse_day(start))
            click.echo(
                f"Demo fair loaded: {sum(counts.values())} tickets "
                + ", ".join(f"{k} {v}" for k, v in counts.items())
            )
        else:
            if loaded is not None:
                fair_cli.apply_or_fail(database, loaded)
                click.echo(fair_store.summary(loaded))
            with dbmod.write(database) as conn:
                create_key(conn, directory, clock.now())
    elif tables is not None:
        bundlemod.load_tables(database, tables)
    click.echo(f"Instance ready in {directory} (role {','.join(roles)}).")


@main.command()
@INSTANCE_DIR
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The bundle file to write."
)
@click.option(
    "--role",
    "role",
    help="The kiosk roles the bundle is for (comma list: entry, heritage, "
    "finder, workshop). Personal data only those roles need (workshop "
    "registrations) is left out without it.",
)
def bundle(directory: Path, out: Path, role: str | None) -> None:
    """Write everything a kiosk needs (public keys only) to a file, for offline provisioning."""
    roles = None
    if role is not None:
        try:
            roles = settings.parse_roles(role)
        except settings.SettingsError as error:
            fail(str(error))
        if "central" in roles:
            fail("a bundle is for a kiosk: give kiosk roles (entry, heritage, finder, workshop)")
    database = open_instance(directory)
    counts = bundlemod.write_bundle(database, out, roles)
    click.echo(f"Wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    withheld = reference.withheld_tables(roles)
    target = f"roles {','.join(roles)}" if roles else "no role (use --role for a workshop kiosk)"
    click.echo(f"For {target}; personal data left out: {', '.join(withheld) or 'none'}.")


@main.group()
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


@main.command()
@INSTANCE_DIR
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="TLS certificate (PEM): serve HTTPS, needed for browser cameras on other hosts.",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The certificate's private key (PEM).",
)
@click.option(
    "--local-port",
    type=int,
    help="With --cert: plain HTTP too, on 127.0.0.1 only (the kiosk's own screen).",
)
def serve(
    directory: Path, host: str, port: int, cert: Path | None, key: Path | None, local_port: int | None
) -> None:
    """Serve the kiosk or central app of DIR (and run its camera if CAMERA_SOURCE is set)."""
    import waitress

    from kiosk import create_app, logs
    from kiosk.camera import service as camera

    if bool(cert) != bool(key):
        fail("--cert and --key go together")
    if local_port is not None and not cert:
        fail("--local-port is the plain listener beside HTTPS: it goes with --cert and --key")
    try:
        instance.check_integrity(directory)
    except (instance.InstanceError, settings.SettingsError) as error:
        fail(str(error))
    open_instance(directory)
    from kiosk.backup import BackupError, lock_serving

    try:
        _lock = lock_serving(directory)  # held until the process ends: no restore under us
    except BackupError as error:
        fail(str(error))
    app = create_app(directory)
    logs.configure(app)
    from kiosk.serve import (
        raise_file_limit,
        server_options,
        start_backups,
        start_checkpoints,
        start_kids_wipe,
        start_sync_loop,
        start_watchdog,
        warm,
    )

    warm(app)
    start_checkpoints(directory, app)
    start_sync_loop(directory, app)  # kiosks with a CENTRAL_URL sync in the background
    start_backups(directory, app)
    start_kids_wipe(directory, app)
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    start_watchdog(f"{'https' if cert else 'http'}://{local}:{port}/healthz")
    loop = camera.start_camera(app, stop_on_sigterm=True)
    scheme = "https" if cert else "http"
    log.info(
        "serving %s on %s://%s:%s/ (roles %s); %s",
        directory,
        scheme,
        host,
        port,
        ",".join(settings.roles(app.config)),
        camera.describe(app),
    )
    raise_file_limit()
    try:
        if cert and key:
            # hypercorn: TLS handshakes off the worker threads (imported here: HTTPS only).
            from kiosk.tls_server import serve_tls

            serve_tls(app, host, port, cert, key, local_port)
        else:
            # waitress: HTTP/1.1 keep-alive and a fixed pool of worker threads.
            waitress.serve(app, host=host, port=port, **server_options(app))
    finally:
        if loop is not None:
            loop.stop()
        log.info("stopped serving %s", directory)


for _command in (
    config,
    decode,
    fair_cli.fair_group,
    fair_cli.plan_group,
    exhibitors_group,
    sessions_group,
    staff_group,
    *SYNC_COMMANDS,
    *OPS_COMMANDS,
    *TLS_COMMANDS,
):
    main.add_command(_command)


if __name__ == "__main__":
    main()
