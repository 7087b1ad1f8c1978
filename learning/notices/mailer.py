"""Sending e-mail through the SMTP server the environment names (SMTP_* settings). Used by
the background job only: a request never waits for a mail server."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from types import TracebackType
from typing import Any, Self


class MailNotConfigured(RuntimeError):
    """SMTP_HOST or SMTP_FROM is missing: messages wait in the outbox."""


class PermanentFailure(Exception):
    """The server refused this message for good (a 5xx answer): trying again will not help."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    use_ssl: bool = False
    timeout: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """The settings from the app's configuration, or MailNotConfigured saying what lacks."""
        if not config.get("SMTP_HOST"):
            raise MailNotConfigured("SMTP_HOST is not set: e-mails wait in the outbox.")
        sender = config.get("SMTP_FROM") or config.get("SMTP_USER")
        if not sender:
            raise MailNotConfigured("SMTP_FROM is not set: whom would the e-mails come from?")
        return cls(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 587),
            sender=sender,
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            starttls=bool(config.get("SMTP_STARTTLS")),
            use_ssl=bool(config.get("SMTP_SSL")),
            timeout=int(config.get("SMTP_TIMEOUT") or 30),
        )


def build_message(sender: str, to: str, subject: str, body: str) -> MIMEText:
    """A plain-text UTF-8 message. Built with the compat32 classes on purpose: Python 3.11's
    default policy drops the space between two encoded words when it folds a long
    Vietnamese subject ("cho đoàn" arrived as "chođoàn"); `Header` folds it intact."""
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = sender
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    return message


class Mailer:
    """One SMTP connection for a batch of messages: `with Mailer(settings) as m: m.send(...)`."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        s = self.settings
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.user and s.password:
            smtp.login(s.user, s.password)
        self._smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; PermanentFailure when the server refuses it for good."""
        assert self._smtp is not None, "use the Mailer as a context manager"
        message = build_message(self.settings.sender, to, subject, body)
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(str(error.recipients)) from error
            raise
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
