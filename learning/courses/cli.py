"""`flask --app learning courses load [PATH]`: load course folders into the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from learning import db
from learning.config import PROJECT_ROOT
from learning.courses import services
from learning.courses.loader import CourseInvalid, course_folders, read_course

courses_group = AppGroup("courses", help="Course content: load the folders under courses/.")


@courses_group.command("load")
@click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "courses",
)
def load(path: Path) -> None:
    """Load or update every course under PATH (default: courses/). Idempotent: unchanged
    courses are left alone. A course with any error loads nothing; the others still load."""
    folders = course_folders(path)
    if not folders:
        raise click.ClickException(f"no course folder (with a course.yaml) under {path}")
    failed = 0
    for folder in folders:
        try:
            bundle = read_course(folder)
        except CourseInvalid as invalid:
            failed += 1
            click.echo(f"{folder.name}: NOT LOADED, {len(invalid.errors)} error(s):", err=True)
            for error in invalid.errors:
                click.echo(f"  {folder.name}/{error}", err=True)
            continue
        report = services.load_course(db.session, bundle)
        db.session.commit()
        click.echo(services.describe_report(report))
    if failed:
        raise click.ClickException(f"{failed} course(s) had errors and were not loaded")
