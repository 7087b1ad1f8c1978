"""`flask --app learning units import FILE [--dry-run]`: bring a unit hierarchy in."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from learning import db
from learning.org.importer import plan_unit_import
from learning.org.services import apply_unit_import
from learning.spreadsheets import SpreadsheetError
from learning.uploads.cli import echo_rows

units_group = AppGroup("units", help="Units: import a hierarchy from XLSX or CSV.")


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
def import_units(file: Path, dry_run: bool) -> None:
    """Import units (Mã đơn vị, Tên đơn vị, Loại, Mã đơn vị cấp trên), rows in any order.
    Any rejected row means nothing is imported."""
    try:
        plan = plan_unit_import(db.session, file.read_bytes(), scope_unit=None)
    except SpreadsheetError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    creating, updating, rejected = len(plan.to_create), len(plan.to_update), len(plan.rejected)
    click.echo(f"{creating} to create, {updating} to update, {rejected} rejected.")
    echo_rows("row", plan.rejected)
    if plan.rejected:
        raise click.ClickException("rows were rejected: nothing imported")
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    source = {"file": file.name, "via": "cli"}
    created, updated = apply_unit_import(db.session, None, plan, source)
    db.session.commit()
    click.echo(f"Imported: {created} created, {updated} updated.")
