"""``kiosk exhibitors import|export``: the exhibitor directory as CSV (central)."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli_common import INSTANCE_DIR, open_instance, report_import
from kiosk.finder import directory as exhibitor_directory


@click.group("exhibitors")
def exhibitors_group() -> None:
    """The exhibitor directory of the stand finder."""


@exhibitors_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the whole directory with the file's good rows.")
@click.option(
    "--strict", is_flag=True, help="Refuse rows naming a province or category the fair does not have."
)
def exhibitors_import(directory: Path, file: Path, replace: bool, strict: bool) -> None:
    """Load exhibitors from a CSV (UTF-8) or .xlsx (first sheet) FILE; header: stand,name_fr,
    name_ar,kind,organisation,province,categories,products_fr,products_ar,description_fr,
    description_ar,description_en,phone (optional: name_zgh, the name in Tifinagh); categories
    and stands separated by ';'. Bad rows are
    reported with their line (sheet row) and reason; the good ones are loaded. A province or
    category no name matches is created and listed (--strict refuses the row instead)."""
    # Kiosks copy reference data from central (bundle or sync); a local edit would be lost.
    database = open_instance(
        directory, central=True, why="the directory is edited on central; import there, then bundle or sync"
    )
    try:
        report = exhibitor_directory.import_csv(database, file, replace=replace, strict=strict)
    except exhibitor_directory.DirectoryError as error:
        raise click.ClickException(str(error)) from None
    for made in report.created:
        click.echo(f"Created {made}")
    report_import(
        file,
        report.errors,
        report.loaded,
        "exhibitors",
        refuse_empty="no good row: the directory was left as it was" if replace else None,
    )


@exhibitors_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def exhibitors_export(directory: Path, file: Path) -> None:
    """Write the directory to a CSV FILE in the import format."""
    count = exhibitor_directory.export_csv(open_instance(directory), file)
    click.echo(f"Wrote {count} exhibitors to {file}")
