"""An entrant's path through a round: start it (the quiz engine's pages ask the questions
and save the answers), then the page asking the prediction before submitting, and the
submission; the round's page shows the result once the round is ranked."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.auth.scope import require_own
from learning.contests import queries, services
from learning.contests.errors import InvalidPrediction
from learning.contests.forms import FinishForm
from learning.contests.models import Round
from learning.contests.views.common import bp, per_account, round_or_404
from learning.db import utcnow
from learning.errors import NotFound
from learning.i18n import gettext as _
from learning.quizzes.models import Attempt, AttemptStatus


@bp.post("/rounds/<int:round_id>/start")
@login_required
@per_account
def start(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    attempt = services.start(db.session, current_user, round_, utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _own_round_attempt(attempt_id: int) -> tuple[Round, Attempt]:
    """The visitor's own attempt at a contest round, with the round."""
    attempt = queries.contest_attempt(db.session, attempt_id)
    if attempt is None:
        raise NotFound()
    require_own(current_user, attempt.user_id)
    round_ = queries.round_of_quiz(db.session, attempt.quiz_id)
    if round_ is None:
        raise NotFound()
    return round_, attempt


def _finish_page(
    round_: Round, attempt: Attempt, form: FinishForm, error: str | None = None
) -> str:
    return render_template(
        "contests/finish.html",
        round=round_,
        attempt=attempt,
        quiz=round_.quiz,
        form=form,
        error=error,
        seconds_left=attempt.seconds_left(utcnow()),
    )


@bp.get("/contest-attempts/<int:attempt_id>/finish")
@login_required
def finish_form(attempt_id: int) -> str | Response:
    round_, attempt = _own_round_attempt(attempt_id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("contests.round_page", round_id=round_.id))
    return _finish_page(round_, attempt, FinishForm())


@bp.post("/contest-attempts/<int:attempt_id>/finish")
@login_required
@per_account
def finish(attempt_id: int) -> str | tuple[str, int] | Response:
    round_, attempt = _own_round_attempt(attempt_id)
    form = FinishForm()
    if not form.validate():
        return _finish_page(round_, attempt, form), 400
    try:
        prediction = services.parse_prediction(form.prediction.data)
        if prediction is None and round_.has_prediction:
            raise InvalidPrediction(_("Enter your prediction: a whole number, zero or more."))
        services.finish(
            db.session,
            current_user,
            round_,
            attempt_id,
            prediction if round_.has_prediction else None,
            utcnow(),
        )
    except InvalidPrediction as error:
        db.session.rollback()
        return _finish_page(round_, attempt, form, str(error)), error.status
    db.session.commit()
    flash(_("Your answers are submitted. Results are published when the round closes."), "success")
    return redirect(url_for("contests.round_page", round_id=round_.id))
