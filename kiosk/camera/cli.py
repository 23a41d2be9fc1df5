"""``kiosk decode IMAGE...``: read QR codes in image files with the configured chain."""

from __future__ import annotations

import click

from kiosk.camera.decoding import build_chain, read_image


@click.command()
# Paths stay the strings given (printed back as typed); unreadable ones are reported one by one.
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option(
    "--decoders",
    envvar="KIOSK_DECODERS",
    default=None,
    help="Decoder chain, first to last (default: zxingcpp,pyzbar; env KIOSK_DECODERS).",
)
def decode(images: tuple[str, ...], decoders: str | None) -> None:
    """Print PATH<TAB>TEXT for every QR code found in the IMAGES (nothing for an image
    without a code). Newlines in TEXT are written as \\n; exit 1 if a file cannot be read."""
    try:
        chain = build_chain(decoders)
    except (ValueError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    unreadable = 0
    for path in images:
        try:
            image = read_image(path)
        except OSError as error:
            click.echo(f"Error: {error}", err=True)
            unreadable += 1
            continue
        for found in chain.decode(image):
            click.echo(f"{path}\t{found.text}".replace("\n", "\\n"))
    if unreadable:
        raise SystemExit(1)
