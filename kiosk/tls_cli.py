"""``kiosk ca init|issue|show``: the venue CA on central (``kiosk.tls``)."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import clock, tls
from kiosk.cli_common import INSTANCE_DIR, fail, open_instance


@click.group("ca")
def ca_group() -> None:
    """The venue's certificate authority (central): HTTPS on the fair's network."""


def _serve_with(directory: Path, names: list[str], days: int) -> None:
    """Issue central's own certificate for NAMES into DIR/tls and say how to serve it."""
    key = tls.new_key()
    chain = tls.issue(directory, tls.public_pem(key), names, clock.now(), days)
    ca_file = tls.ca_files(directory)[0]
    tls.install(directory, ca_file.read_bytes(), chain, tls.key_pem(key))
    _ca, cert_file, key_file = tls.served_files(directory)
    click.echo(f"Certificate for {', '.join(names)}: {cert_file}")
    click.echo(
        f"Serve: kiosk serve {directory} --host 0.0.0.0 --port 8443 --cert {cert_file} --key {key_file}"
    )


@ca_group.command("init")
@INSTANCE_DIR
@click.option(
    "--address", "addresses", multiple=True, help="Central's IP address or host name on the LAN (repeat)."
)
@click.option(
    "--domain", "domains", multiple=True, help="A venue DNS domain the CA may certify besides .local."
)
@click.option("--name", default="salon-kiosk venue CA", show_default=True, help="The CA's name phones show.")
@click.option("--days", default=tls.CA_DAYS, show_default=True, type=click.IntRange(1, 3650))
def ca_init(
    directory: Path, addresses: tuple[str, ...], domains: tuple[str, ...], name: str, days: int
) -> None:
    """Make the venue CA (once) and, with --address, central's HTTPS certificate."""
    open_instance(directory, central=True, why="the venue CA lives on central")
    try:
        certificate = tls.init_ca(directory, name, list(domains), clock.now(), days)
        click.echo(f"Venue CA {name!r}: {tls.ca_files(directory)[0]}")
        click.echo(f"SHA-256 fingerprint: {tls.fingerprint(certificate)}")
        if addresses:
            _serve_with(directory, list(addresses), tls.CERT_DAYS)
    except tls.TLSError as error:
        fail(str(error))


@ca_group.command("issue")
@INSTANCE_DIR
@click.argument("names", nargs=-1, required=True)
@click.option("--days", default=tls.CERT_DAYS, show_default=True, type=click.IntRange(1, 825))
def ca_issue(directory: Path, names: tuple[str, ...], days: int) -> None:
    """(Re)issue central's own HTTPS certificate for NAMES (IP addresses, host names)."""
    open_instance(directory, central=True, why="the venue CA lives on central")
    try:
        _serve_with(directory, list(names), days)
    except tls.TLSError as error:
        fail(str(error))


@ca_group.command("show")
@INSTANCE_DIR
def ca_show(directory: Path) -> None:
    """The venue CA this instance trusts: file, fingerprint, validity."""
    certificate = tls.venue_ca(directory)
    if certificate is None and tls.has_ca(directory):
        certificate = tls.load_ca(directory)[0]
    if certificate is None:
        fail(f"{directory} has no venue CA (central: `kiosk ca init`; a kiosk gets it at enrollment)")
    click.echo(f"{certificate.subject.rfc4514_string()}")
    click.echo(f"SHA-256 fingerprint: {tls.fingerprint(certificate)}")
    click.echo(f"valid until {certificate.not_valid_after_utc:%Y-%m-%d}")
