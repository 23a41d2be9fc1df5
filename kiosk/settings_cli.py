"""``kiosk config DIR``: the instance's effective settings and where each comes from."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import settings
from kiosk.cli_common import fail, load_settings


@click.command("config")
@click.argument("directory", metavar="DIR", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--markdown", is_flag=True, help="Print the declared settings as a Markdown table (no DIR).")
def config(directory: Path | None, markdown: bool) -> None:
    """Print every setting of DIR: its value and where it came from (default, config.toml,
    environment). A bad or unknown setting is refused as `kiosk serve` would refuse it."""
    if markdown:
        click.echo(settings.markdown_table(), nl=False)
        return
    if directory is None:
        fail("give the instance folder DIR (or --markdown for the table of settings)")
    effective = load_settings(directory)
    width = max(len(setting.name) for setting in settings.SETTINGS)
    shown = {name: effective.describe(name) for name in effective.values}
    value_width = min(40, max(len(text) for text in shown.values()))
    for setting in settings.SETTINGS:
        name = setting.name
        click.echo(f"{name:<{width}}  {shown[name]:<{value_width}}  {effective.sources[name]}")
