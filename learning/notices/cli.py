"""`flask --app learning notices ...`: send the e-mail outbox, once (cron) or in a loop."""

from __future__ import annotations

import signal
import time
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup

from learning import db
from learning.notices import queries
from learning.notices.delivery import deliver_once
from learning.notices.mailer import MailNotConfigured, SmtpSettings

notices_group = AppGroup("notices", help="Reminders and their e-mail.")


def _settings() -> SmtpSettings:
    try:
        return SmtpSettings.from_config(current_app.config)
    except MailNotConfigured as error:
        waiting = queries.outbox_counts(db.session)["waiting"]
        raise click.ClickException(f"{error} ({waiting} message(s) waiting)") from None


@notices_group.command("send")
@click.option(
    "--limit",
    default=200,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Messages to send in this run at most.",
)
def send(limit: int) -> None:
    """Send the e-mails due now (run it from cron every minute or two). Safe to run on
    several servers at once: each message is claimed by one run."""
    settings = _settings()
    total = sent = retrying = given_up = 0
    while total < limit:
        report = deliver_once(db.session, settings, limit=min(50, limit - total))
        if not report.claimed:
            break
        total += report.claimed
        sent, retrying, given_up = (sent + report.sent, retrying + report.retrying,
                                    given_up + report.given_up)  # fmt: skip
    click.echo(f"{sent} sent, {retrying} to retry later, {given_up} given up.")
    if retrying or given_up:
        raise SystemExit(1)


@notices_group.command("worker")
@click.option(
    "--interval",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds to wait when nothing is due.",
)
@click.option(
    "--max-runs",
    default=0,
    type=click.IntRange(0),
    hidden=True,
    help="Stop after this many batches (tests).",
)
def worker(interval: int, max_runs: int) -> None:
    """Send e-mails as they come, until stopped (SIGTERM or Ctrl-C ends it after the current
    message; what it had claimed and not sent is taken over by the next run)."""
    settings = _settings()
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, _stop)
    runs = 0
    click.echo(f"Sending e-mail through {settings.host}:{settings.port}.")
    try:
        while not stopping:
            report = deliver_once(db.session, settings)
            runs += 1
            if report.claimed:
                click.echo(
                    f"{report.sent} sent, {report.retrying} to retry, {report.given_up} given up."
                )
            if max_runs and runs >= max_runs:
                break
            if not report.claimed:
                for _ in range(interval):
                    if stopping:
                        break
                    time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        db.session.remove()
    click.echo("Stopped.")
