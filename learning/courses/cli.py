"""`flask --app learning courses load [PATH]`, `courses check [PATH]` and `courses export SLUG
-o DIR`: course folders (and the register of source documents) in and out of the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning import db
from learning.config import PROJECT_ROOT
from learning.courses import queries, services
from learning.courses.exporter import CourseNotExportable, export_course
from learning.courses.loaded import describe_report
from learning.courses.loader import CourseBundle, CourseInvalid, course_folders, read_course
from learning.courses.models import Course
from learning.courses.register import (
    Register,
    RegisterInvalid,
    load_register,
    read_register,
    register_for,
)

courses_group = AppGroup(
    "courses", help="Course content: load the folders under courses/, export a course to one."
)


# The folder holding the course folders and the register, for `load` and `check`.
courses_path = click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "courses",
)


@courses_group.command("load")
@courses_path
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
    register = _read_register(folders[0])
    written = load_register(db.session, register)
    db.session.commit()
    state = f"{written} written" if written else "unchanged"
    click.echo(f"{register.path.name}: {state} ({len(register.documents)} documents)")
    failed = conflicts = 0
    for folder in folders:
        bundle = _read(folder, register, "NOT LOADED")
        if bundle is None:
            failed += 1
            continue
        report = services.load_course(db.session, bundle, prefer_files=prefer_files)
        db.session.commit()
        click.echo(describe_report(report))
        _warn(folder, bundle)
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


@courses_group.command("check")
@courses_path
def check(path: Path) -> None:
    """Check the course files under PATH and the register without loading anything: errors
    (exit status 1), balance warnings, then from the database the content due for review
    ("Cần rà soát") because a document it cites changed, and the changes still pending."""
    folders = course_folders(path)
    if not folders:
        raise click.ClickException(f"no course folder (with a course.yaml) under {path}")
    register = _read_register(folders[0])
    click.echo(f"{register.path.name}: {len(register.documents)} documents")
    failed = 0
    for folder in folders:
        bundle = _read(folder, register, "INVALID")
        if bundle is None:
            failed += 1
            continue
        click.echo(f"{folder.name}: valid")
        _warn(folder, bundle)
    due = queries.due_for_review(db.session)
    click.echo(f"due for review (Cần rà soát): {len(due)}")
    for item in due:
        click.echo(f"  {item.course_title} / {item.kind} {item.label}")
        for change in item.changes:
            click.echo(
                f"    {change.document_key} ({change.number}): {change.text} "
                f"[last reviewed {item.last_reviewed:%d/%m/%Y}]"
            )
    for document, change in queries.pending_changes(db.session):
        click.echo(f"pending: {document.key} ({document.number}): {change.get('text', '')}")
    if failed:
        raise click.ClickException(f"{failed} course(s) have errors")


def _read_register(folder: Path) -> Register:
    try:
        return read_register(register_for(folder))
    except RegisterInvalid as invalid:
        for error in invalid.errors:
            click.echo(f"  {error}", err=True)
        raise click.ClickException(
            f"{invalid.path}: {len(invalid.errors)} error(s); nothing loaded"
        ) from None


def _read(folder: Path, register: Register, verdict: str) -> CourseBundle | None:
    try:
        return read_course(folder, register)
    except CourseInvalid as invalid:
        click.echo(f"{folder.name}: {verdict}, {len(invalid.errors)} error(s):", err=True)
        for error in invalid.errors:
            click.echo(f"  {folder.name}/{error}", err=True)
        return None


def _warn(folder: Path, bundle: CourseBundle) -> None:
    for warning in bundle.warnings:
        click.echo(f"  warning: {folder.name}/{warning}")


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
