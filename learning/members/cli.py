"""`flask --app learning members import FILE --unit CODE [--dry-run] [--skip-invalid]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from learning import db
from learning.members.importer import PlannedUpdate, plan_import
from learning.members.services import apply_import
from learning.org.queries import get_unit_by_code
from learning.spreadsheets import SpreadsheetError
from learning.uploads.cli import echo_rows

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
    echo_rows(
        "row",
        [
            *((u.member.row, f"{u.name_before}: {_changes(u)}") for u in plan.to_update),
            *((r.row, f"the same as row {r.same_as}, imported once") for r in plan.repeated),
            # Taking a number over is an officer's decision, made in the browser's preview.
            *((h.member.row, f"{h.reason}; left out (decide in the browser)") for h in plan.held),
            *((r.row, r.reason) for r in plan.rejected),
        ],
    )
    if plan.rejected and not skip_invalid:
        db.session.rollback()
        raise click.ClickException(
            "rows were rejected: nothing imported (fix them, or --skip-invalid)"
        )
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing written.")
        return
    source = {"file": file.name, "unit_id": unit.id, "via": "cli"}
    result = apply_import(db.session, plan, None, skip_invalid=skip_invalid, source=source)
    db.session.commit()
    click.echo(
        f"Imported into {unit.code}: {len(result.created)} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.rejected} rejected, {result.left_out} left out."
    )


def _changes(update: PlannedUpdate) -> str:
    return "; ".join(f"{c.label}: {c.before} -> {c.after}" for c in update.changes)
