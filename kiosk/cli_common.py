"""What every ``kiosk`` subcommand shares: the ``DIR`` argument, one-line errors, and
opening an instance folder (optionally insisting on central or on a kiosk)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from kiosk import instance, settings
from kiosk.db import Database

INSTANCE_DIR = click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))


def fail(message: str) -> NoReturn:
    """Stop the command with one line on standard error and a non-zero exit."""
    raise click.ClickException(message)


def parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {text!r}")


def load_settings(directory: Path) -> settings.Effective:
    """The instance's checked settings; a bad or unknown one stops the command in one line."""
    try:
        instance.read_config(directory)
        return settings.load(directory)
    except (instance.InstanceError, settings.SettingsError) as error:
        fail(str(error))


def is_central(directory: Path) -> bool:
    return settings.is_central(load_settings(directory).values)


def open_instance(directory: Path, central: bool | None = None, why: str = "") -> Database:
    """The database of an instance folder, its settings checked first. ``central=True`` (or
    False) refuses a kiosk (or central) folder, with ``why`` as the explanation when given."""
    config = load_settings(directory).values
    if central is not None and settings.is_central(config) != central:
        fail(why or f"{directory} is {'not ' if central else ''}a central instance")
    try:
        return instance.open_db(directory)
    except instance.InstanceError as error:
        fail(str(error))


def report_import(
    file: Path, refused: list[tuple[int, str]], loaded: int, what: str, refuse_empty: str | None = None
) -> None:
    """The end of a CSV import: each refused row as ``FILE:LINE: reason``, the count loaded,
    and a non-zero exit if any row was refused (or, with ``refuse_empty``, none loaded)."""
    for line, reason in refused:
        click.echo(f"{file}:{line}: {reason}", err=True)
    if refuse_empty and not loaded:
        fail(refuse_empty)
    click.echo(f"Loaded {loaded} {what} from {file}")
    if refused:
        fail(f"{len(refused)} rows refused (see above)")
