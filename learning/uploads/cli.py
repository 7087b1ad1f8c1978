"""The command line's half of an upload: the `import` commands (members, units, questions)
list a file's rows and what each would do, the same way; `uploads purge` deletes the uploads
left unconfirmed past their week."""

from __future__ import annotations

from collections.abc import Iterable

import click
from flask.cli import AppGroup

from learning import db
from learning.db import utcnow
from learning.uploads.services import purge_expired

uploads_group = AppGroup("uploads", help="Uploaded lists and files.")


def echo_rows(word: str, rows: Iterable[tuple[int, str]]) -> None:
    """One line a row: "  row 3: what happens to it" (`word`: row, or line for text files)."""
    for number, text in rows:
        click.echo(f"  {word} {number}: {text}")


@uploads_group.command("purge")
def purge() -> None:
    """Delete uploads left unconfirmed for more than a week (run it daily from cron)."""
    gone = purge_expired(db.session, utcnow())
    db.session.commit()
    click.echo(f"{gone} expired upload(s) deleted.")
