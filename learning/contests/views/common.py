"""What the contest pages of every audience share: the blueprint, the per-account limit,
and loading a contest or a round that the visitor may see (scope's `may_see_contest`)."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from learning import db
from learning.auth.scope import may_see_contest
from learning.contests import queries
from learning.contests.models import Contest, Round
from learning.errors import NotFound
from learning.extensions import limiter

bp = Blueprint("contests", __name__)


def _account_key() -> str:
    return f"contest-account:{current_user.get_id() if current_user.is_authenticated else ''}"


def _account_limit() -> str:
    return current_app.config["CONTEST_LIMIT_PER_ACCOUNT"]


# One budget per account, shared by entering, starting and submitting.
per_account = limiter.limit(_account_limit, key_func=_account_key, scope="contest-account")


def contest_or_404(contest_id: int) -> Contest:
    """The contest, if the visitor may see it (unpublished ones are not found by others)."""
    contest = queries.get_contest(db.session, contest_id)
    if contest is None or not may_see_contest(current_user, contest):
        raise NotFound()
    return contest


def round_or_404(round_id: int) -> Round:
    """The round with its contest, if the visitor may see the contest."""
    round_ = queries.get_round(db.session, round_id)
    if round_ is None or not may_see_contest(current_user, round_.contest):
        raise NotFound()
    return round_
