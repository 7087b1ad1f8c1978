"""`flask --app learning courses load [PATH]` and `courses export SLUG -o DIR`: course folders
in and out of the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning import db
from learning.config import PROJECT_ROOT
from learning.courses import services
from learning.courses.exporter import CourseNotExportable, export_course
from learning.courses.loader import CourseInvalid, course_folders, read_course
from learning.courses.models import Course

courses_group = AppGroup(
    "courses", help="Course content: load the folders under courses/, export a course to one."
)


@courses_group.command("load")
@click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "courses",
)
@click.option(
    "--prefer-files",
    is_flag=True,
    help="For items changed both in the files and in the browser: make the files' version a "
    "draft for review (audited) instead of only reporting the conflict.",
)
def load(path: Path, prefer_files: bool) -> None:
    """Load or update every course under PATH (default: courses/). Idempotent: unchanged
    courses are left alone. A course with any error loads nothing; the others still load.

    Browser work is never overwritten: an item changed in the browser since the last load
    whose file changed too is reported as a conflict with both sides and kept, and the
    command exits 1 (bring the browser's work into the files with `courses export`), unless
    --prefer-files makes the files' version a draft for review by two admins."""
    folders = course_folders(path)
    if not folders:
        raise click.ClickException(f"no course folder (with a course.yaml) under {path}")
    failed = conflicts = 0
    for folder in folders:
        try:
            bundle = read_course(folder)
        except CourseInvalid as invalid:
            failed += 1
            click.echo(f"{folder.name}: NOT LOADED, {len(invalid.errors)} error(s):", err=True)
            for error in invalid.errors:
                click.echo(f"  {folder.name}/{error}", err=True)
            continue
        report = services.load_course(db.session, bundle, prefer_files=prefer_files)
        db.session.commit()
        click.echo(services.describe_report(report))
        conflicts += len(report.unresolved)
    if conflicts:
        click.echo(
            f"{conflicts} conflict(s): kept as in the browser. Write the browser's work back to "
            "the files with `flask courses export SLUG -o DIR` and load again, or load with "
            "--prefer-files to make the files' versions drafts for review.",
            err=True,
        )
    if failed:
        raise click.ClickException(f"{failed} course(s) had errors and were not loaded")
    if conflicts:
        raise SystemExit(1)


@courses_group.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write (e.g. courses/<slug>); created if missing.",
)
def export(slug: str, output: Path) -> None:
    """Write course SLUG from the database as a course folder (course.yaml, lessons/,
    questions.yaml) that `courses load` reads back. Only published content is written."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course with the slug '{slug}'")
    if output.exists() and any(output.iterdir()) and not (output / "course.yaml").is_file():
        raise click.ClickException(f"{output} is not empty and holds no course.yaml")
    try:
        report = export_course(db.session, course, output)
    except CourseNotExportable as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(
        f"{slug}: {report.lessons} lessons, {report.questions} questions, "
        f"{report.media} media files written to {output}"
    )
    for reason, count in sorted(report.left_out.items()):
        click.echo(f"  {count} questions not written ({reason})", err=True)
