"""Whether a session cookie still speaks for its account: the one rule, and the two ways a
request applies it.

Every page loads the account behind the cookie (Flask-Login's `load_user`) and applies
`standing` to it. The answer save, most of a quiz's requests, reads the account's columns in
its own locked query instead (`checked_in_query`), and applies the same `standing` to them:
logging out everywhere (a new session token), deactivation and a temporary password refuse
a save exactly as they refuse a page.
"""

from __future__ import annotations

import enum
import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from flask_login.config import COOKIE_NAME
from sqlalchemy.orm import Session

from learning import db
from learning.auth import queries
from learning.auth.models import User
from learning.errors import DomainError
from learning.extensions import login_manager
from learning.i18n import lazy_gettext as _l

View = TypeVar("View", bound=Callable[..., Any])

# Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ALLOWED = frozenset(
    {"auth.change_password_form", "auth.change_password", "auth.logout", "main.set_language",
     "main.healthz", "static", "main.manifest", "main.service_worker", "main.offline"}
)  # fmt: skip

# The columns `standing` reads, for a query that reads them beside its own data.
USERS = User.__table__
STANDING_COLUMNS = (USERS.c.session_token, USERS.c.is_active, USERS.c.must_change_password)


class Standing(enum.Enum):
    """What a session may do."""

    NOBODY = enum.auto()  # the cookie speaks for no one (any more): log in
    MUST_CHANGE_PASSWORD = enum.auto()  # a temporary password: only the pages that change it
    ACTIVE = enum.auto()


class Account(Protocol):
    """What `standing` reads of an account: a `User`, or a row with these columns."""

    session_token: str
    is_active: bool
    must_change_password: bool


@dataclass(frozen=True)
class SessionClaim:
    """The account a session cookie names and the session token it carries, not yet
    checked against the account."""

    user_id: int
    token: str


class SessionRefused(DomainError):
    """A view that checks the session in its own query found that it may not act."""

    status = 401
    default_message = _l("Please log in to continue.")

    def __init__(self, standing: Standing) -> None:
        super().__init__()
        self.standing = standing


def read_claim(alternative_id: str | None) -> SessionClaim | None:
    """The claim in Flask-Login's alternative id ("<user id>:<session token>"), if well
    formed."""
    user_id, _sep, token = (alternative_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    return SessionClaim(int(user_id), token)


def standing(token: str, account: Account | None) -> Standing:
    """The rule: a session speaks for an active account whose current session token it
    carries (logout and a password change rotate the token); an account with a temporary
    password may only change it."""
    if account is None or not account.is_active:
        return Standing.NOBODY
    if not hmac.compare_digest(account.session_token.encode(), token.encode()):
        return Standing.NOBODY
    if account.must_change_password:
        return Standing.MUST_CHANGE_PASSWORD
    return Standing.ACTIVE


def current_standing() -> Standing:
    """The standing of this request's session, applied to the account Flask-Login loaded
    (this loads it)."""
    if not current_user.is_authenticated:
        return Standing.NOBODY
    # The session's claim (or, should the session not hold it, the account's own id).
    claim = read_claim(session.get("_user_id")) or read_claim(current_user.get_id())
    return standing(claim.token if claim else "", current_user)


def may_reach(standing_: Standing, endpoint: str | None) -> bool:
    """Whether a logged-in session of this standing may reach `endpoint` (a temporary
    password allows only the pages that change it)."""
    return standing_ is not Standing.MUST_CHANGE_PASSWORD or endpoint in PASSWORD_CHANGE_ALLOWED


def require_standing(
    db_session: Session, claim: SessionClaim, owner_id: int | None, owner: Account | None
) -> None:
    """Refuse (SessionRefused) unless `claim`'s session may act. `owner` is the account
    (`owner_id`) a query read beside its data: the claimed account when it owns that data
    (the common case, no further query); otherwise the claimed account is loaded here, so
    that a stale session is refused as such, not told the data is someone else's."""
    if owner_id == claim.user_id:
        account = owner
    else:
        account = queries.get_session_user(db_session, claim.user_id)
    verdict = standing(claim.token, account)
    if verdict is not Standing.ACTIVE:
        raise SessionRefused(verdict)


def _claim_for_query() -> SessionClaim | None:
    # Flask-Login's own session protection first ("basic" marks a session from another
    # address or browser not fresh; "strong" empties it). A remember cookie, which Flask-Login
    # would fall back on when the session's account is refused, leaves the decision to it.
    if login_manager._session_protection_failed():
        return None
    if current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies:
        return None
    return read_claim(session.get("_user_id"))


def checked_in_query(view: View) -> View:
    """Instead of `login_required`, for a view whose own locked query checks the session:
    the view gets `actor`, the session's claim, which it passes to a service that applies
    `require_standing` to the account it reads beside its data; no separate user load. When
    Flask-Login has to decide (no claim in the session, a remember cookie), `actor` is the
    user it loaded. Refused either way as every page refuses: no one, to the login page; a
    temporary password, to the form that changes it."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor: SessionClaim | User | None = _claim_for_query()
        if actor is None:
            verdict = current_standing()
            if verdict is Standing.NOBODY:
                return login_manager.unauthorized()
            if not may_reach(verdict, request.endpoint):
                return redirect(url_for("auth.change_password_form"))
            actor = current_user._get_current_object()
        try:
            return view(*args, actor=actor, **kwargs)
        except SessionRefused as refused:
            db.session.rollback()
            if refused.standing is Standing.MUST_CHANGE_PASSWORD:
                return redirect(url_for("auth.change_password_form"))
            return login_manager.unauthorized()

    wrapper.session_checked_in_query = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def is_checked_in_query(view: Callable[..., Any] | None) -> bool:
    """Whether `view` checks the session itself (`checked_in_query`): the per-request hook
    then leaves the account unloaded."""
    return bool(getattr(view, "session_checked_in_query", False))
