"""`flask --app learning contests ...`: rank the rounds that have closed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from learning import db
from learning.contests import services
from learning.db import utcnow

contests_group = AppGroup("contests", help="Contest maintenance.")


@contests_group.command("close-due")
def close_due() -> None:
    """Rank every round that has closed and is not ranked yet (run it every minute; the
    ranking page also does it on its first view after the close). Safe to run on several
    servers at once: each round is ranked once."""
    closed = services.close_due(db.session, utcnow())
    db.session.commit()
    for round_ in closed:
        click.echo(
            f"Contest {round_.contest_id}, round {round_.number}: ranked "
            f"(true number {round_.true_number})."
        )
    click.echo(f"{len(closed)} round(s) ranked.")
