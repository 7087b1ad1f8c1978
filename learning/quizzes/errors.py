"""What a worker can run into when taking a quiz; each becomes a page and a 4xx."""

from __future__ import annotations

from learning.errors import DomainError, InvalidInput, NotInScope
from learning.i18n import lazy_gettext as _l


class QuizNotOpen(DomainError):
    status = 403
    default_message = _l("This quiz is not open yet.")


class QuizClosed(DomainError):
    status = 403
    default_message = _l("This quiz is closed.")


class NoAttemptsLeft(DomainError):
    status = 403
    default_message = _l("You have used all the attempts this quiz allows.")


class WaitBeforeRetry(DomainError):
    status = 429
    default_message = _l("Please wait before starting another attempt.")


class AttemptClosed(DomainError):
    """The attempt was already submitted, or its time (and grace) has run out."""

    status = 409
    default_message = _l("This attempt is finished; your answers saved before the deadline count.")


class InvalidAnswer(InvalidInput):
    default_message = _l("That answer is not one of the question's choices.")


class BankTooSmall(DomainError):
    status = 409
    default_message = _l("The question bank does not hold enough questions for this quiz.")


class NotYourAttempt(NotInScope):
    pass


class ContestPathOnly(DomainError):
    """A contest round's attempt is submitted through the contest's own page, which asks the
    prediction and keeps the contest's per-account limit."""

    status = 409
    default_message = _l("A contest attempt is submitted from the contest's own page.")
