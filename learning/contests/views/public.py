"""Contest pages anyone may open: the list of contests and a contest's page, registration
(without an account) and entry (with one), a round's page, and the ranking, which ranks a
round on its first view after the close."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.auth.models import Gender
from learning.contests import queries, services
from learning.contests.forms import JoinForm, RegistrationForm
from learning.contests.models import CATEGORY_LABELS, Category, Contest, Round
from learning.contests.views.common import bp, contest_or_404, per_account, round_or_404
from learning.db import utcnow
from learning.errors import DomainError
from learning.extensions import limiter
from learning.i18n import gettext as _
from learning.quizzes import queries as quiz_queries
from learning.quizzes.models import AttemptStatus


def _register_limit() -> str:
    return current_app.config["CONTEST_REGISTER_LIMIT_PER_ADDRESS"]


def _address() -> str | None:
    return request.remote_addr


@bp.get("/contests")
def index() -> str:
    return render_template("contests/index.html", contests=queries.published_contests(db.session))


@bp.get("/contests/<int:contest_id>")
def show(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
    now = utcnow()
    current = queries.open_round(contest, now)
    entrant = (
        queries.entrant_of(db.session, contest.id, current_user.id)
        if current_user.is_authenticated
        else None
    )
    return render_template(
        "contests/show.html",
        contest=contest,
        now=now,
        state=queries.round_state,
        counters=queries.live_counters(db.session, current) if current else None,
        current=current,
        entrant=entrant,
        units=queries.contest_units(db.session, contest.id),
    )


# --- registration and entry ----------------------------------------------------------------


def _registration_page(
    contest: Contest, form: RegistrationForm | JoinForm, error: str | None = None
) -> str:
    query = request.values.get("q", "", type=str)[:100]
    chosen = form.unit.data if isinstance(form.unit.data, int) else None
    anonymous = isinstance(form, RegistrationForm)
    return render_template(
        "contests/register.html" if anonymous else "contests/join.html",
        contest=contest,
        form=form,
        error=error,
        q=query,
        unit_choices=queries.registration_units(db.session, query, chosen),
    )


@bp.get("/contests/<int:contest_id>/register")
def register_form(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
    if current_user.is_authenticated:
        return _registration_page(contest, JoinForm(unit=current_user.unit_id))
    return _registration_page(contest, RegistrationForm())


@bp.post("/contests/<int:contest_id>/register")
@limiter.limit(_register_limit, scope="contest-register")
def register(contest_id: int) -> str | tuple[str, int] | Response:
    contest = contest_or_404(contest_id)
    if current_user.is_authenticated:
        return redirect(url_for("contests.register_form", contest_id=contest.id))
    form = RegistrationForm()
    if not form.validate():
        return _registration_page(contest, form), 400
    data = services.Registration(
        full_name=form.full_name.data,
        phone=form.phone.data,
        password=form.password.data,
        unit_id=form.unit.data,
        category=Category(form.category.data),
        birth_year=form.birth_year.data,
        gender=Gender(form.gender.data) if form.gender.data else None,
    )
    try:
        services.register(db.session, contest, data, _address())
    except DomainError as error:
        db.session.rollback()
        return _registration_page(contest, form, str(error)), error.status
    db.session.commit()
    # The same answer whether the phone was new or already had an account (which would
    # otherwise tell anyone who has an account): log in with it, and what to do if not.
    flash(
        _(
            "Thank you. Log in with your phone number and the password you just chose to "
            "take part. If this phone number already had an account, your registration did "
            "not change it: log in with that account's password, or ask your union officer "
            "to reset it."
        ),
        "success",
    )
    return redirect(url_for("contests.show", contest_id=contest.id))


@bp.post("/contests/<int:contest_id>/join")
@login_required
@per_account
def join(contest_id: int) -> str | tuple[str, int] | Response:
    contest = contest_or_404(contest_id)
    form = JoinForm()
    if not form.validate():
        return _registration_page(contest, form), 400
    try:
        services.enter(
            db.session,
            contest,
            current_user,
            unit_id=form.unit.data,
            category=Category(form.category.data),
            address=_address(),
        )
    except DomainError as error:
        db.session.rollback()
        return _registration_page(contest, form, str(error)), error.status
    db.session.commit()
    flash(_("You are entered in the contest."), "success")
    return redirect(url_for("contests.show", contest_id=contest.id))


# --- rounds and rankings -------------------------------------------------------------------


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int) -> str:
    round_ = round_or_404(round_id)
    now = utcnow()
    state = queries.round_state(round_, now)
    entrant = queries.entrant_of(db.session, round_.contest_id, current_user.id)
    attempts = quiz_queries.user_attempts(db.session, current_user.id, round_.quiz_id)
    allowed = round_.quiz.attempts_allowed
    ranked = round_.ranked_at is not None
    return render_template(
        "contests/round.html",
        round=round_,
        contest=round_.contest,
        quiz=round_.quiz,
        state=state,
        entrant=entrant,
        attempts=attempts,
        in_progress=next((a for a in attempts if a.status is AttemptStatus.IN_PROGRESS), None),
        attempts_left=max(0, allowed - len(attempts)) if allowed else None,
        # Results are written with the ranking, in the same transaction: none before it.
        result=queries.own_result(db.session, round_.id, current_user.id) if ranked else None,
        counters=queries.live_counters(db.session, round_) if state == "open" else None,
    )


def _ranked(round_: Round) -> bool:
    """Rank the round on the first view after its close (the CLI usually did it already)."""
    if queries.rank_due(round_, utcnow()):
        db.begin_write()
        services.close_round(db.session, round_.id, utcnow())
        db.session.commit()
        db.session.refresh(round_)
    return round_.ranked_at is not None


def _category() -> Category | None:
    value = request.args.get("category", "", type=str)
    return Category(value) if value in {c.value for c in Category} else None


@bp.get("/rounds/<int:round_id>/ranking")
@login_required
def ranking(round_id: int) -> str:
    round_ = round_or_404(round_id)
    ranked = _ranked(round_)
    category = _category()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = (
        queries.ranking(db.session, round_, category=category, limit=100, offset=(page - 1) * 100)
        if ranked
        else []
    )
    return render_template(
        "contests/ranking.html",
        round=round_,
        contest=round_.contest,
        ranked=ranked,
        rows=rows,
        category=category,
        categories=CATEGORY_LABELS,
        page=page,
        mine=queries.own_result(db.session, round_.id, current_user.id) if ranked else None,
    )
