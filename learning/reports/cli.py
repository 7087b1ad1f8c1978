"""`flask --app learning report participation ...`: reports for scheduled runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from learning import db
from learning.audit.services import record
from learning.contests.queries import published_contests
from learning.db import utcnow
from learning.enrollment.queries import published_courses
from learning.errors import DomainError
from learning.org.queries import get_unit_by_code
from learning.quizzes.queries import course_final_quiz
from learning.reports import participation as report
from learning.reports.files import participation_file
from learning.reports.models import ParticipationSnapshot
from learning.reports.params import build_params, contest_round

report_group = AppGroup(
    "report", help="Reports as files (CSV, XLSX), and the snapshots the report pages read."
)


@report_group.command("participation")
@click.option(
    "--unit", "unit_code", required=True, help="Code of the unit whose subtree to report."
)
@click.option("--course", "course_slug", help="Slug of the course.")
@click.option("--contest", "contest_id", type=int, help="Id of the contest.")
@click.option(
    "--round",
    "round_number",
    type=click.IntRange(min=1),
    help="Number of the contest's round (default: its latest round that has opened).",
)
@click.option("--from", "date_from", help="Start of the period, dd/mm/yyyy.")
@click.option("--to", "date_to", help="End of the period, dd/mm/yyyy.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
def participation(
    unit_code: str,
    course_slug: str | None,
    contest_id: int | None,
    round_number: int | None,
    date_from: str | None,
    date_to: str | None,
    fmt: str,
    output: Path,
) -> None:
    """Participation per unit in a course or a contest round over a period, written to a
    file."""
    if (course_slug is None) == (contest_id is None):
        raise click.UsageError("give exactly one of --course and --contest")
    if round_number is not None and contest_id is None:
        raise click.UsageError("--round goes with --contest")
    unit = get_unit_by_code(db.session, unit_code)
    if unit is None:
        raise click.BadParameter(f"no unit with code {unit_code!r}", param_hint="--unit")
    try:
        round_ref = ""
        if contest_id is not None:
            round_ref = str(contest_round(db.session, contest_id, round_number).id)
        params = build_params(
            db.session,
            unit=unit,
            course_ref=course_slug or "",
            round_ref=round_ref,
            date_from=date_from,
            date_to=date_to,
        )
    except DomainError as error:
        raise click.UsageError(str(error)) from None
    rows = report.participation(
        db.session, unit, params.subject, until=params.until, since=params.since
    )
    data, _name = participation_file(rows, params, fmt, current_app.config["FEDERATION_NAME"])
    output.write_bytes(data)
    record(
        db.session,
        None,
        "export",
        "unit",
        unit.id,
        after={
            "report": "participation",
            **params.audit,
            "format": fmt,
            "rows": len(rows),
            "file": str(output),
        },
    )
    db.session.commit()
    click.echo(f"{len(rows)} units written to {output}.")


@report_group.command("refresh")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Only snapshots at least this many seconds old (and missing ones).",
)
def refresh(older_than: int) -> None:
    """Recompute the participation snapshots the report pages read for whole courses and
    rounds (every published course, every opened round of a published contest). Run it
    from cron every few minutes; the page shows when its figures were computed."""
    now = utcnow()
    subjects = []
    for course in published_courses(db.session):
        final = course_final_quiz(db.session, course.id)
        quiz = (
            report.Quiz(final.id, final.grading_method.value, final.pass_percent) if final else None
        )
        subjects.append((course.slug, report.Subject("course", course.id, quiz)))
    for contest in published_contests(db.session):
        for round_ in contest.rounds:
            final = round_.quiz
            if final.opens_at is not None and final.opens_at > now:
                continue
            quiz = report.Quiz(final.id, final.grading_method.value, final.pass_percent)
            subjects.append(
                (
                    f"contest {contest.id} round {round_.number}",
                    report.Subject("round", contest.id, quiz),
                )
            )
    for label, subject in subjects:
        current = db.session.scalar(
            select(ParticipationSnapshot.computed_at).where(
                ParticipationSnapshot.subject_kind == subject.kind,
                ParticipationSnapshot.subject_id == subject.id,
            )
        )
        if current is not None and current > now - dt.timedelta(seconds=older_than):
            continue
        snapshot = report.refresh_snapshot(db.session, subject, utcnow())
        db.session.commit()
        click.echo(f"{label}: {snapshot.seconds:.2f} s")
