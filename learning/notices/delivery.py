"""The background job that sends the outbox: claim a batch (committed at once, so that
another worker passes over it), send each message through one SMTP connection, and commit
each outcome as it comes. State lives in the database only, so a job that is stopped or
crashes loses nothing: its claims lapse after the lease and another run takes them over."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from learning.db import utcnow
from learning.notices import services
from learning.notices.mailer import Mailer, PermanentFailure, SmtpSettings
from learning.notices.models import OutboxMessage


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    given_up: int = 0


def worker_name() -> str:
    """Who claims: host and process, for the outbox's `claimed_by` and the logs."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}"


def deliver_once(
    session: Session,
    settings: SmtpSettings,
    *,
    worker: str | None = None,
    limit: int = 50,
    clock: Callable[[], dt.datetime] = utcnow,
    mailer_factory: Callable[[SmtpSettings], Mailer] = Mailer,
) -> DeliveryReport:
    """Send one batch of due messages. Commits (it is a job, not a request)."""
    report = DeliveryReport()
    messages = services.claim_messages(session, worker or worker_name(), clock(), limit=limit)
    session.commit()
    report.claimed = len(messages)
    if not messages:
        return report
    try:
        mailer = mailer_factory(settings).__enter__()
    except (smtplib.SMTPException, OSError) as error:
        # The server is away: every message of the batch waits for its next try.
        for message in messages:
            _failed(session, message, clock(), f"connect: {error}", report)
        session.commit()
        return report
    try:
        for message in messages:
            try:
                mailer.send(message.to_address, message.subject, message.body)
            except PermanentFailure as error:
                _failed(session, message, clock(), str(error), report, permanent=True)
            except (smtplib.SMTPException, OSError) as error:
                _failed(session, message, clock(), f"{type(error).__name__}: {error}", report)
            else:
                services.mark_sent(session, message, clock())
                report.sent += 1
            session.commit()
    finally:
        mailer.__exit__(None, None, None)
    return report


def _failed(
    session: Session,
    message: OutboxMessage,
    now: dt.datetime,
    error: str,
    report: DeliveryReport,
    *,
    permanent: bool = False,
) -> None:
    if services.mark_failed(session, message, now, error, permanent=permanent):
        report.given_up += 1
    else:
        report.retrying += 1
