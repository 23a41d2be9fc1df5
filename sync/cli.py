"""Sync commands: ``kiosk devices add|revoke|list``, ``kiosk sync``, ``kiosk events
export|import``, and enrollment for ``kiosk init --central URL --code CODE``."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import click
import qrcode

from kiosk import clock, instance, settings, tls
from kiosk import db as dbmod
from kiosk.cli_common import INSTANCE_DIR, open_instance
from kiosk.reference import withheld_tables
from sync import protocol, signing
from sync.client import Client, Refused, Transient, Transport, export_events, read_export, waiting

IMPORT_CHUNK = 5000


@click.group()
def devices() -> None:
    """Kiosks that sync with this central instance: enroll, revoke, list."""


@devices.command("add")
@INSTANCE_DIR
@click.option("--name", required=True, help="A unique name for the kiosk (entry-main...).")
@click.option("--role", required=True, help="Kiosk roles: entry, heritage, finder, workshop (comma list).")
@click.option("--gate", help="The gate the kiosk stands at.")
@click.option("--central-url", help="Central's URL as kiosks reach it, printed in the QR.")
@click.option(
    "--address",
    "addresses",
    multiple=True,
    help="The kiosk's LAN address or host name (repeat): its HTTPS certificate (venue CA) names it.",
)
def devices_add(
    directory: Path,
    name: str,
    role: str,
    gate: str | None,
    central_url: str | None,
    addresses: tuple[str, ...],
) -> None:
    """Register a kiosk and print its one-time enrollment code."""
    try:
        roles = settings.parse_roles(role)
        for address in addresses:
            tls.parse_name(address)
    except (settings.SettingsError, tls.TLSError) as error:
        raise click.ClickException(str(error)) from None
    if "central" in roles:
        raise click.ClickException("a device is a kiosk; central is this instance")
    database = open_instance(directory, central=True)
    with dbmod.write(database) as conn:
        if gate and not conn.execute("SELECT 1 FROM gates WHERE id = ?", (gate,)).fetchone():
            raise click.ClickException(f"no gate {gate!r} at this fair")
        try:
            code = protocol.add_device(conn, name, ",".join(roles), gate, clock.now(), addresses)
        except protocol.Refusal as refusal:
            raise click.ClickException(refusal.detail) from None
    key = signing.central_fingerprint(directory)
    qr = qrcode.QRCode(border=1)
    qr.add_data(protocol.enrollment_qr(central_url, code, key))
    text = io.StringIO()
    qr.print_ascii(out=text)
    click.echo(text.getvalue(), err=True)
    click.echo(f"Enrollment code for {name}: {code}  (valid {protocol.CODE_HOURS} h, once)")
    click.echo(f"Central key: {key}")
    click.echo(
        f"On the kiosk: kiosk init DIR --role kiosk --central {central_url or 'URL'} --code {code}"
        f" --central-key {key}"
    )


@devices.command("revoke")
@INSTANCE_DIR
@click.argument("name")
def devices_revoke(directory: Path, name: str) -> None:
    """Revoke a kiosk: its token stops working, it wipes its personal data if it ever
    syncs again, and the staff whose PIN hashes it held are logged out everywhere and
    cannot log in anywhere until they get a new PIN."""
    database = open_instance(directory, central=True)
    with dbmod.write(database) as conn:
        try:
            exposed = protocol.revoke_device(conn, name, clock.now())
        except protocol.Refusal as refusal:
            raise click.ClickException(refusal.detail) from None
    click.echo(f"Revoked {name}.")
    if exposed:
        click.echo(
            f"{name} held the PIN hashes of {len(exposed)} staff: their sessions are ended everywhere"
            " and their PIN no longer logs in, on central or at any kiosk, until they get a new one."
            " Give each a new PIN now (kiosk staff set-pin here; kiosks get it with their next sync):"
            f" {', '.join(exposed)}"
        )


@devices.command("list")
@INSTANCE_DIR
def devices_list(directory: Path) -> None:
    """Known kiosks and their health."""
    database = open_instance(directory, central=True)
    for device in protocol.devices(database.conn):
        click.echo(
            f"{device['name']:<16} {device['state']:<9} {device['role']:<10} "
            f"seq {device['high_seq']:<8} seen {device['last_seen_at'] or '-'} "
            f"offset {device['clock_offset'] if device['clock_offset'] is not None else '-'}"
        )


@devices.command("purge")
@INSTANCE_DIR
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Forget every deletion so far; kiosks that have not seen them take a snapshot.",
)
def devices_purge(directory: Path, everything: bool) -> None:
    """Forget logged deletions every enrolled kiosk has already applied (keeps the change log small)."""
    database = open_instance(directory, central=True)
    with dbmod.write(database) as conn:
        upto = protocol.current_cursor(conn) if everything else protocol.applied_by_every_kiosk(conn)
        purged = protocol.purge_tombstones(conn, upto)
    click.echo(f"Forgot {purged} deletions logged up to change {upto}.")


@click.command("sync")
@INSTANCE_DIR
def sync_once(directory: Path) -> None:
    """Run one sync round with central; exits non-zero if anything is left unsent."""
    open_instance(directory, central=False)
    try:
        client = Client(directory)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        result = client.round()
    except (Refused, Transient) as error:
        left = waiting(client.db.conn)
        raise click.ClickException(f"sync failed ({error}); {left} events left unsent") from None
    finally:
        client.close()
    click.echo(
        f"Pushed {result.pushed} events, {result.pages} pages pulled, cursor {result.cursor},"
        f" clock offset {result.clock_offset} s, {result.waiting} left unsent."
    )
    if result.waiting:
        raise click.ClickException(f"{result.waiting} events left unsent")


@click.group("events")
def events_group() -> None:
    """Carry a kiosk's unsent events to central on a file (no network)."""


@events_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def events_export(directory: Path, file: Path) -> None:
    """Write this kiosk's unsent events to FILE."""
    count = export_events(open_instance(directory, central=False), file)
    click.echo(f"Wrote {count} events to {file}")


@events_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def events_import(directory: Path, file: Path) -> None:
    """Apply a kiosk's events file on central (exactly once: importing twice adds nothing)."""
    database = open_instance(directory, central=True)
    try:
        document = read_export(file)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    device = document["device"]
    applied = duplicates = 0
    try:
        for part in document["events"]:
            rows = part.get("rows") or []
            for start in range(0, len(rows), IMPORT_CHUNK):
                chunk = {"events": [{**part, "rows": rows[start : start + IMPORT_CHUNK]}]}
                with dbmod.write(database) as conn:
                    answer = protocol.apply_batch(
                        conn,
                        str(device.get("id")),
                        chunk,
                        clock.now(),
                        device_name=str(device.get("name")),
                        roles=str(device.get("role")),
                    )
                applied += answer["applied"]
                duplicates += answer["duplicates"]
    except (protocol.Refusal, AttributeError, TypeError) as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"Imported {applied} new events from {device.get('name')} ({duplicates} already here).")


def init_enrolled(
    directory: Path,
    role: str,
    central_url: str | None,
    code: str | None,
    gate: str | None,
    name: str | None,
    central_key: str | None = None,
) -> None:
    """``kiosk init DIR --role kiosk --central URL --code CODE --central-key KEY``: enroll
    with central whose sync key has the fingerprint KEY (printed with the code), pin
    that key, then bootstrap."""
    if not central_url or not code:
        raise click.ClickException("--central and --code go together")
    if not central_key:
        raise click.ClickException("--central-key is needed: the key printed with the code (pins central)")
    try:
        asked = settings.parse_roles(role)
    except settings.SettingsError as error:
        raise click.ClickException(str(error)) from None
    if "central" in asked:
        raise click.ClickException("--central is for a kiosk")
    if (directory / instance.CONFIG_FILENAME).exists():
        raise click.ClickException(f"{directory} is already an instance folder")
    device_id = str(uuid.uuid4())
    tls_key = tls.new_key()  # this kiosk's HTTPS key: only its public half leaves
    try:
        # First look, TLS unchecked (nothing secret is sent): the answer is believed only
        # if signed by the key printed with the code; it pins that key and the venue CA.
        looking = Transport(central_url, attempts=3, fingerprint=central_key, verify_tls=False)
        offered = looking.request("GET", "/api/v1/sync/key")
        looking.close()
        assert isinstance(offered, dict)
        ca_pem = offered.get("ca") if isinstance(offered.get("ca"), str) else None
        # The code goes only to the pinned central, over TLS checked against the venue CA.
        transport = Transport(central_url, attempts=3, central_key=looking.central_key, ca_pem=ca_pem)
        answer = transport.request(
            "POST",
            "/api/v1/sync/enroll",
            {"code": code, "device_id": device_id, "tls_key": tls.public_pem(tls_key)},
        )
        transport.close()
    except (Refused, Transient, ValueError, OSError) as error:
        raise click.ClickException(f"enrollment failed: {error}") from None
    assert isinstance(answer, dict)
    # `--role kiosk` takes the roles central registered; explicit roles win.
    roles = settings.parse_roles(str(answer["role"])) if role.strip() == "kiosk" else asked
    # Central serves by the roles it registered, not by ours: say what will not come.
    missing = set(withheld_tables(str(answer["role"]))) - set(withheld_tables(roles))
    if missing:
        click.echo(
            f"Warning: central registered {answer['name']} as {answer['role']}, so it will not"
            f" send {', '.join(sorted(missing))}; add the device on central with"
            f" --role {','.join(roles)} to receive it.",
            err=True,
        )
    try:
        database = instance.create(
            directory,
            roles,
            name=name or str(answer["name"]),
            gate=gate or answer.get("gate"),
            extra={"CENTRAL_URL": central_url},
        )
    except settings.SettingsError as error:
        raise click.ClickException(str(error)) from None
    with dbmod.write(database) as conn:
        conn.execute("UPDATE device SET id = ?", (device_id,))
        conn.execute(
            "UPDATE sync_state SET central_url = ?, token = ?, central_key = ?",
            (central_url, answer["token"], transport.central_key),
        )
    database.conn.close()
    if ca_pem:
        certificate = answer.get("certificate")
        chain = certificate.encode() if isinstance(certificate, str) else None
        tls.install(directory, ca_pem.encode(), chain, tls.key_pem(tls_key))
    client = Client(directory)
    try:
        result = client.round()
    except (Refused, Transient) as error:
        raise click.ClickException(
            f"enrolled as {answer['name']}, but the first sync failed ({error});"
            " `kiosk serve` or `kiosk sync` will catch up"
        ) from None
    finally:
        client.close()
    click.echo(
        f"Enrolled as {answer['name']} ({','.join(roles)}); {result.pages} pages of reference"
        f" data, cursor {result.cursor}."
    )
