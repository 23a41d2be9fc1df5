"""``kiosk sessions import|export``: the programme as CSV."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli_common import INSTANCE_DIR, open_instance, report_import
from kiosk.sessions import programme


@click.group("sessions")
def sessions_group() -> None:
    """The programme of conferences, workshops, kids' activities and shows (central)."""


@sessions_group.command("import")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def sessions_import(directory: Path, file: Path) -> None:
    """Load sessions from a CSV or .xlsx (first sheet) FILE (columns: id, title_fr, title_ar,
    title_en, speaker, zone, starts_at, ends_at, capacity, kind, registration_required). Rows
    with an id update that session; bad rows are reported with their line (sheet row) and
    reason, the good ones are loaded."""
    # Kiosks copy the programme from central: a local change would be overwritten.
    database = open_instance(directory, central=True, why="the programme is imported on the central instance")
    try:
        report = programme.import_csv(database, file)
    except programme.SessionError as error:
        raise click.ClickException(str(error)) from None
    report_import(file, report.refused, report.loaded, "sessions")


@sessions_group.command("export")
@INSTANCE_DIR
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sessions_export(directory: Path, file: Path) -> None:
    """Write the programme to a CSV FILE in the import format."""
    count = programme.export_csv(open_instance(directory), file)
    click.echo(f"Wrote {count} sessions to {file}")
