"""`flask --app learning quizzes ...`: grade overdue attempts, regrade a corrected question."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning import db
from learning.auth.scope import is_admin
from learning.courses.models import Course, Question
from learning.db import utcnow
from learning.quizzes import regrading, services

quizzes_group = AppGroup("quizzes", help="Quiz maintenance.")


@quizzes_group.command("sweep")
def sweep() -> None:
    """Grade attempts left unfinished past their deadline (run it every few minutes)."""
    finished = services.sweep_overdue(db.session, utcnow())
    db.session.commit()
    click.echo(f"{finished} overdue attempt(s) graded.")


@quizzes_group.command("regrade")
@click.option("--course", "slug", required=True, help="Course slug.")
@click.option("--question", "key", required=True, help="Question key in the course's bank.")
@click.option("--admin", "admin_phone", required=True, help="Phone of the admin doing it.")
def regrade(slug: str, key: str, admin_phone: str) -> None:
    """Regrade the attempts that used an older version of a corrected question."""
    from learning.auth.queries import find_user_by_login

    admin = find_user_by_login(db.session, admin_phone)
    if admin is None or not is_admin(admin):
        raise click.BadParameter("not an administrator's phone number", param_hint="--admin")
    question = db.session.scalar(
        select(Question).join(Course).where(Course.slug == slug, Question.key == key)
    )
    if question is None:
        raise click.BadParameter(f"no question {key!r} in course {slug!r}", param_hint="--question")
    records = regrading.regrade_question(db.session, question, admin)
    db.session.commit()
    click.echo(f"{len(records)} attempt(s) regraded.")
    for record in records:
        click.echo(
            f"  attempt {record.attempt_id}: {record.old_percent:g}% -> {record.new_percent:g}%"
        )
