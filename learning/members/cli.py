"""`flask --app learning members import FILE --unit CODE [--dry-run] [--skip-invalid]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from learning import db
from learning.members.importer import plan_import
from learning.members.services import apply_import
from learning.org.queries import get_unit_by_code
from learning.spreadsheets import SpreadsheetError

members_group = AppGroup("members", help="Members: import lists from XLSX or CSV.")


@members_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit to import into.")
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid rows even if some are rejected."
)
def import_members(file: Path, unit_code: str, dry_run: bool, skip_invalid: bool) -> None:
    """Import a member list into a unit (and the units below it named in its "Đơn vị"
    column). Without --skip-invalid, any rejected row means nothing is imported."""
    unit = get_unit_by_code(db.session, unit_code)
    if unit is None or not unit.is_active:
        raise click.BadParameter(f"no active unit with code {unit_code!r}", param_hint="--unit")
    try:
        plan = plan_import(db.session, file.read_bytes(), scope_unit=unit)
    except SpreadsheetError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    tense = "would be" if dry_run else "to be"
    click.echo(
        f"{len(plan.to_create)} {tense} created, {len(plan.to_update)} {tense} updated, "
        f"{len(plan.unchanged)} unchanged, {len(plan.rejected)} rejected, "
        f"{plan.skipped} passed over (titles, totals, signatures)."
    )
    for update in plan.to_update:
        changes = "; ".join(f"{c.label}: {c.before} -> {c.after}" for c in update.changes)
        click.echo(f"  row {update.member.row}: {update.name_before}: {changes}")
    for repeat in plan.repeated:
        click.echo(f"  row {repeat.row}: the same as row {repeat.same_as}, imported once")
    for held in plan.held:
        # Taking a number over is an officer's decision, made in the browser's preview.
        click.echo(f"  row {held.member.row}: {held.reason}; left out (decide in the browser)")
    for row in plan.rejected:
        click.echo(f"  row {row.row}: {row.reason}")
    if plan.rejected and not skip_invalid:
        db.session.rollback()
        raise click.ClickException(
            "rows were rejected: nothing imported (fix them, or --skip-invalid)"
        )
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing written.")
        return
    result = apply_import(db.session, plan, None, skip_invalid=skip_invalid)
    db.session.commit()
    click.echo(
        f"Imported into {unit.code}: {len(result.created)} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.rejected} rejected, {result.left_out} left out."
    )
