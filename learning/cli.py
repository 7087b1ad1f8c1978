"""The `flask --app learning` commands: database, accounts, demo data."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from learning import migrate

db_group = AppGroup("db", help="Create and migrate the database schema.")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (safe to run repeatedly)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(
        f"Database at revision {migrate.current_revision(current_app.config['DATABASE_URL'])}."
    )


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(
        f"Database at revision {migrate.current_revision(current_app.config['DATABASE_URL'])}."
    )


def register(app: Flask) -> None:
    """Attach every domain's commands to `app`."""
    from learning.auth.cli import create_admin
    from learning.contests.cli import contests_group
    from learning.courses.cli import courses_group
    from learning.demo import demo
    from learning.exchange.cli import questions_group
    from learning.members.cli import members_group
    from learning.notices.cli import notices_group
    from learning.org.cli import units_group
    from learning.quizzes.cli import quizzes_group
    from learning.reports.cli import report_group
    from learning.uploads.cli import uploads_group

    app.cli.add_command(db_group)
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(courses_group)
    app.cli.add_command(quizzes_group)
    app.cli.add_command(questions_group)
    app.cli.add_command(members_group)
    app.cli.add_command(units_group)
    app.cli.add_command(report_group)
    app.cli.add_command(contests_group)
    app.cli.add_command(notices_group)
    app.cli.add_command(uploads_group)
