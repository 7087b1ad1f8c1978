"""`flask --app learning questions import|export`: a course's question bank in GIFT, Aiken,
Moodle XML or the XLSX template."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from learning import db
from learning.audit.services import record
from learning.courses.models import Course
from learning.errors import DomainError
from learning.exchange import queries, services
from learning.uploads.cli import echo_rows

questions_group = AppGroup(
    "questions", help="Question banks: import and export GIFT, Aiken, Moodle XML and XLSX."
)


def _course(slug: str) -> Course:
    course = queries.course_by_slug(db.session, slug)
    if course is None:
        raise click.ClickException(f"no course with the slug '{slug}'")
    return course


@questions_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--course", "slug", required=True, help="The course's slug.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(services.FORMATS),
    help="The file's format (default: guessed from its content and name).",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option(
    "--only-valid", is_flag=True, help="Import the valid questions even if others have errors."
)
def import_questions(
    file: Path, slug: str, fmt: str | None, dry_run: bool, only_valid: bool
) -> None:
    """Import the questions of FILE into a course's bank as drafts (never published)."""
    # The commands speak English, as the other commands do; the web pages speak Vietnamese.
    with force_locale("en"):
        _import(file, slug, fmt, dry_run=dry_run, only_valid=only_valid)


def _import(file: Path, slug: str, fmt: str | None, *, dry_run: bool, only_valid: bool) -> None:
    course = _course(slug)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from None
    try:
        fmt = fmt or services.guess_format(data, file.name)
        plan = services.plan_import(db.session, course, data, fmt)
    except DomainError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(
        f"{file.name} ({fmt}): {len(plan.questions)} read, {len(plan.skipped)} skipped, "
        f"{len(plan.errors)} rejected"
    )
    echo_rows(
        plan.line_word,
        [
            *((p.line, f"skipped: {p.message}") for p in plan.skipped),
            *((p.line, f"error: {p.message}") for p in plan.errors),
            *((p.line, f"warning: {p.message}") for p in plan.warnings),
        ],
    )
    if dry_run:
        click.echo("dry run: nothing written")
        return
    if plan.errors and not only_valid:
        raise click.ClickException(
            "the file has errors: nothing imported (fix them, or use --only-valid)"
        )
    source = {"file": file.name, "course_id": course.id, "format": fmt, "via": "cli"}
    created = services.apply_import(db.session, course, plan, only_valid=only_valid, source=source)
    db.session.commit()
    click.echo(f"{len(created)} questions imported into {course.slug} as drafts")


@questions_group.command("export")
@click.option("--course", "slug", required=True, help="The course's slug.")
@click.option("--format", "fmt", type=click.Choice(services.FORMATS), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_questions(slug: str, fmt: str, output: Path) -> None:
    """Write a course's bank (every question not archived, current version) to a file."""
    course = _course(slug)
    export = services.export_bank(db.session, course, fmt)
    try:
        output.write_bytes(export.data)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    record(
        db.session,
        None,
        "questions.export",
        "course",
        course.id,
        after={"format": fmt, "questions": export.count, "via": "cli"},
    )
    db.session.commit()
    click.echo(f"{export.count} questions written to {output}")
    for key, reason in export.left_out:
        click.echo(f"  left out {key}: {reason}", err=True)
