"""``kiosk exhibitors import|export``: the exhibitor directory as CSV (central)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlite_utils

from kiosk import instance
from kiosk.finder import directory

INSTANCE_DIR = click.argument("directory_path", metavar="DIR",
                              type=click.Path(file_okay=False, path_type=Path))


def _open(path: Path) -> sqlite_utils.Database:
    try:
        return instance.open_db(path)
    except instance.InstanceError as error:
        raise click.ClickException(str(error)) from None


@click.group("exhibitors")
def exhibitors_group() -> None:
    """The exhibitor directory of the stand finder."""


@exhibitors_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the whole directory with the file's good rows.")
def exhibitors_import(directory_path: Path, file: Path, replace: bool) -> None:
    """Load exhibitors from a CSV FILE (UTF-8, header: stand,name_fr,name_ar,kind,organisation,
    province,categories,products_fr,products_ar,description_fr,description_ar,description_en,phone;
    categories and stands separated by ';'). Bad rows are reported with their line number and
    reason; the good ones are loaded."""
    database = _open(directory_path)
    if instance.read_config(directory_path).get("ROLE") != "central":
        # Kiosks copy reference data from central (bundle or sync); a local edit would be lost.
        raise click.ClickException("the directory is edited on central; import there, then bundle or sync")
    try:
        report = directory.import_csv(database, file, replace=replace)
    except directory.DirectoryError as error:
        raise click.ClickException(str(error)) from None
    for line, reason in report.errors:
        click.echo(f"{file}:{line}: {reason}", err=True)
    if replace and not report.loaded:
        raise click.ClickException("no good row: the directory was left as it was")
    click.echo(f"Loaded {report.loaded} exhibitors from {file}")
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} rows refused (see above)")


@exhibitors_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def exhibitors_export(directory_path: Path, file: Path) -> None:
    """Write the directory to a CSV FILE in the import format."""
    count = directory.export_csv(_open(directory_path), file)
    click.echo(f"Wrote {count} exhibitors to {file}")
