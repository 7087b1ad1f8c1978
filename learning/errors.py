"""Errors a user can cause. Views let them propagate; the app turns each into a page and a 4xx."""

from __future__ import annotations

from learning.i18n import lazy_gettext as _l


class DomainError(Exception):
    """Base of the errors users can cause; `status` is the HTTP status to answer with."""

    status = 400
    default_message = _l("The request could not be carried out.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message or self.default_message)


class NotInScope(DomainError):
    """The actor may not see or act on this object."""

    status = 403
    default_message = _l("You do not have permission to access this page.")


class NotFound(DomainError):
    """The object does not exist (or is not visible, which looks the same)."""

    status = 404
    default_message = _l("The page you asked for does not exist.")


class InvalidInput(DomainError):
    """Input that passed the form but breaks a rule of the domain."""

    status = 400
