"""``kiosk fair check|apply|export`` and ``kiosk plan check|import|export``.

Problems are printed one per line as ``FILE:LINE: reason`` and the command exits 1;
nothing is written unless everything is right.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from kiosk.cli_common import INSTANCE_DIR, fail, open_instance
from kiosk.fair import store
from kiosk.fair.spec import FairFileError

FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
CENTRAL_ONLY = "the fair is edited on central; kiosks get it by sync or bundle"


def report_problems(error: FairFileError) -> NoReturn:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    fail(f"{len(error.problems)} problem{'s' if len(error.problems) > 1 else ''}: nothing was changed")


def load_or_fail(file: Path) -> store.Loaded:
    try:
        return store.load(file)
    except FairFileError as error:
        report_problems(error)


def apply_or_fail(database: object, loaded: store.Loaded) -> list[str]:
    try:
        return store.apply_fair(database, loaded)  # type: ignore[arg-type]
    except store.ApplyError as error:
        for reason in error.reasons:
            click.echo(f"{loaded.fair.path}: {reason}", err=True)
        fail("refused: nothing was changed")


@click.group("fair")
def fair_group() -> None:
    """The fair file (fair.toml): dates, hours, zones, gates, ticket types, categories, provinces, plan."""


@fair_group.command("check")
@FILE
def fair_check(file: Path) -> None:
    """Check a fair file and its plan: a summary, or one line per problem (FILE:LINE: reason)."""
    click.echo(store.summary(load_or_fail(file)))


@fair_group.command("apply")
@INSTANCE_DIR
@FILE
def fair_apply(directory: Path, file: Path) -> None:
    """Bring central's fair to what FILE says and print the changes. Refuses (and changes
    nothing) to remove or renumber what tickets, scans, sessions or exhibitors refer to."""
    database = open_instance(directory, central=True, why=CENTRAL_ONLY)
    changes = apply_or_fail(database, load_or_fail(file))
    for change in changes:
        click.echo(change)
    click.echo(f"{len(changes)} changes" if changes else "No change: the instance already has this fair.")


@fair_group.command("export")
@INSTANCE_DIR
@FILE
def fair_export(directory: Path, file: Path) -> None:
    """Write the instance's fair to FILE (and its plan next to it, as plan.svg)."""
    database = open_instance(directory)
    plan = store.export_plan(database.conn)
    plan_name = f"{file.stem}-plan.svg" if file.stem != "fair" else "plan.svg"
    try:
        text = store.export_fair(database.conn, plan_name if plan else None)
    except LookupError as error:
        fail(str(error))
    file.write_text(text, encoding="utf-8")
    if plan:
        (file.parent / plan_name).write_text(plan, encoding="utf-8")
        click.echo(f"Wrote {file} and {file.parent / plan_name}")
    else:
        click.echo(f"Wrote {file}")


@click.group("plan")
def plan_group() -> None:
    """The site plan from an SVG marked with data-stand, data-zone, data-walkway, data-gate..."""


@plan_group.command("check")
@FILE
def plan_check(file: Path) -> None:
    """Check a plan SVG: stands no walkway reaches, stands outside every zone, duplicate
    stand numbers, gates not on a walkway, door marks off their stand..."""
    try:
        derived = store.read_plan(file, None)
    except FairFileError as error:
        report_problems(error)
    document = derived.document
    click.echo(
        f"{file}: {len(derived.stands)} stands, {len(document['zones'])} zones, {len(document['walkways'])}"
        f" walkways, {len(document['gates'])} gates, {len(document['facilities'])} facilities,"
        f" {len(document['doors'])} doors marked;"
        f" walkway graph of {len(document['nodes'])} points and {len(document['edges'])} links."
    )


@plan_group.command("import")
@INSTANCE_DIR
@FILE
def plan_import(directory: Path, file: Path) -> None:
    """Make FILE the site plan of central (stands, walkways, gates, facilities)."""
    database = open_instance(directory, central=True, why=CENTRAL_ONLY)
    try:
        derived = store.read_plan(file, store.zone_ids(database.conn))
        changes = store.apply_plan(database, derived)
    except FairFileError as error:
        report_problems(error)
    except store.ApplyError as error:
        for reason in error.reasons:
            click.echo(f"{file}: {reason}", err=True)
        fail("refused: nothing was changed")
    for change in changes:
        click.echo(change)
    click.echo(f"Plan imported: {len(derived.stands)} stands.")


@plan_group.command("export")
@INSTANCE_DIR
@FILE
def plan_export(directory: Path, file: Path) -> None:
    """Write the instance's plan to FILE in the import format (a start for the next plan)."""
    plan = store.export_plan(open_instance(directory).conn)
    if plan is None:
        fail("this instance has no plan yet (kiosk plan import DIR FILE.svg)")
    file.write_text(plan, encoding="utf-8")
    click.echo(f"Wrote {file}")
