"""What an entrant or an organiser can run into in a contest; each becomes a page and a 4xx."""

from __future__ import annotations

from learning.errors import DomainError, InvalidInput
from learning.i18n import lazy_gettext as _l


class NotEntered(DomainError):
    status = 403
    default_message = _l("Register for the contest first.")


class NotOpenToYou(DomainError):
    status = 403
    default_message = _l("This contest is not open to your unit.")


class RegistrationClosed(DomainError):
    status = 403
    default_message = _l("This contest does not take registrations without an account.")


class InvalidPrediction(InvalidInput):
    default_message = _l("The prediction must be a whole number, zero or more.")


class RoundNotRanked(DomainError):
    status = 409
    default_message = _l("The ranking is published once the round has closed.")


class UnknownUnit(InvalidInput):
    default_message = _l("Choose your unit from the list.")


class ExposedBanks(DomainError):
    """A round would draw from banks whose questions some course quiz reviews at once, with
    the answers: anyone could collect the key in advance by submitting that quiz."""

    status = 409
    default_message = _l(
        "Some of these banks are used by course quizzes that show the answers as soon as an "
        "attempt is submitted: the key of the round can be collected in advance."
    )
