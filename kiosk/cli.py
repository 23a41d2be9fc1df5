"""The ``kiosk`` command: set up instances, issue tickets, serve the app.

Every command takes the instance folder ``DIR`` first. Errors are one line on
standard error and a non-zero exit. ``KIOSK_NOW`` replaces the clock.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

import click

from kiosk import instance, settings
from kiosk.cli_common import INSTANCE_DIR, fail, open_instance, parse_day

log = logging.getLogger("kiosk.serve")

# The commands of other modules, "module:attribute" by name: a command's module is
# imported when that command runs (or for --help), so `kiosk serve` does not load the
# PDF, spreadsheet, demo and sync code of the other commands (issue 16 point 7).
LAZY_COMMANDS = {
    "backup": "kiosk.ops_cli:backup_command",
    "ca": "kiosk.tls_cli:ca_group",
    "config": "kiosk.settings_cli:config",
    "decode": "kiosk.camera.cli:decode",
    "devices": "sync.cli:devices",
    "doctor": "kiosk.ops_cli:doctor_command",
    "events": "sync.cli:events_group",
    "exhibitors": "kiosk.finder.cli:exhibitors_group",
    "fair": "kiosk.fair.cli:fair_group",
    "host": "kiosk.ops_cli:host_group",
    "plan": "kiosk.fair.cli:plan_group",
    "restore": "kiosk.ops_cli:restore_command",
    "sessions": "kiosk.sessions.cli:sessions_group",
    "staff": "kiosk.staff_cli:staff_group",
    "sync": "sync.cli:sync_once",
    "tickets": "kiosk.tickets_cli:tickets",
}


class LazyGroup(click.Group):
    """A group whose commands named in ``LAZY_COMMANDS`` are imported on first use
    (Click's documented pattern for lazily loaded subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{LAZY_COMMANDS[cmd_name]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from kiosk import bundle as bundlemod
    from kiosk import clock, demo, reference
    from kiosk import db as dbmod
    from kiosk.fair import cli as fair_cli
    from kiosk.fair import store as fair_store
    from kiosk.tickets.keys import create_key

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
    from kiosk import bundle as bundlemod
    from kiosk import reference

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
    from kiosk import features
    from kiosk.serve import start_integrity_check

    integrity = start_integrity_check(directory)
    features.core()  # create_app's common modules load while SQLite reads the file
    try:
        integrity()
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
        http_listener,
        raise_file_limit,
        serve_workers,
        server_options,
        start_jobs,
        start_watchdog,
        warm,
        worker_count,
    )

    try:
        workers = worker_count(app.config)
    except settings.SettingsError as error:
        fail(str(error))
    warm(app)
    scheme = "https" if cert else "http"
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    health_url = f"{scheme}://{local}:{port}/healthz"
    raise_file_limit()
    if workers > 1:
        log.info(
            "serving %s on %s://%s:%s/ (roles %s) with %d worker processes",
            directory,
            scheme,
            host,
            port,
            ",".join(settings.roles(app.config)),
            workers,
        )
        if cert and key:
            from kiosk.tls_server import TLSConfig, tls_listener

            listen = tls_listener(app, TLSConfig(host, port, cert, key, local_port))
        else:
            listen = http_listener(app, host, port)
        serve_workers(directory, app, workers, listen, health_url)
        log.info("stopped serving %s", directory)
        return
    loop = start_jobs(directory, app)
    start_watchdog(health_url)
    log.info(
        "serving %s on %s://%s:%s/ (roles %s); %s",
        directory,
        scheme,
        host,
        port,
        ",".join(settings.roles(app.config)),
        camera.describe(app),
    )
    try:
        if cert and key:
            # hypercorn: TLS handshakes off the worker threads (imported here: HTTPS only).
            from kiosk.tls_server import TLSConfig, serve_tls

            serve_tls(app, TLSConfig(host, port, cert, key, local_port))
        else:
            # waitress: HTTP/1.1 keep-alive and a fixed pool of worker threads.
            waitress.serve(app, host=host, port=port, **server_options(app))
    finally:
        if loop is not None:
            loop.stop()
        log.info("stopped serving %s", directory)


if __name__ == "__main__":
    main()
