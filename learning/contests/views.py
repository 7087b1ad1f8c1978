"""Contest pages: the public contest page and registration, a round's page, the prediction
asked before submitting, rankings (ranked lazily on the first view after the close), prize
lists, unit awards, suspicious attempts, officers' confirmations and the organisers' forms.

The attempt pages themselves are the quiz engine's (learning/quizzes/views.py): a contest
attempt's summary and result lead back here."""

from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.models import Gender
from learning.auth.scope import admin_required, can, is_admin, require_unit, staff_required
from learning.contests import queries, services
from learning.contests.errors import InvalidPrediction, RoundNotRanked, UnknownUnit
from learning.contests.forms import (
    ConfirmForm,
    ContestForm,
    FinishForm,
    JoinForm,
    RegistrationForm,
    RoundForm,
    as_local,
    as_utc,
)
from learning.contests.models import CATEGORY_LABELS, Category, Contest, Entrant, Round
from learning.db import utcnow
from learning.errors import DomainError, NotFound, NotInScope
from learning.exports import download, xlsx_bytes
from learning.extensions import limiter
from learning.i18n import gettext as _
from learning.org.models import Unit
from learning.org.queries import ancestors, get_unit_by_code, search_units
from learning.quizzes import queries as quiz_queries
from learning.quizzes.models import Attempt, AttemptStatus
from learning.text import format_phone

bp = Blueprint("contests", __name__)


def _account_key() -> str:
    return f"contest-account:{current_user.get_id() if current_user.is_authenticated else ''}"


def _account_limit() -> str:
    return current_app.config["CONTEST_LIMIT_PER_ACCOUNT"]


def _register_limit() -> str:
    return current_app.config["CONTEST_REGISTER_LIMIT_PER_ADDRESS"]


per_account = limiter.limit(_account_limit, key_func=_account_key, scope="contest-account")


def _visible(contest: Contest | None) -> Contest:
    if contest is None or not (contest.is_published or is_admin(current_user)):
        raise NotFound()
    return contest


def _contest(contest_id: int) -> Contest:
    return _visible(db.session.get(Contest, contest_id))


def _round(round_id: int) -> Round:
    round_ = queries.get_round(db.session, round_id)
    if round_ is None:
        raise NotFound()
    _visible(round_.contest)
    return round_


def _address() -> str | None:
    return request.remote_addr


# --- public pages --------------------------------------------------------------------------


@bp.get("/contests")
def index() -> str:
    return render_template("contests/index.html", contests=queries.published_contests(db.session))


@bp.get("/contests/<int:contest_id>")
def show(contest_id: int) -> str:
    contest = _contest(contest_id)
    now = utcnow()
    current = queries.open_round(contest, now)
    entrant = (
        services.entrant_of(db.session, contest.id, current_user.id)
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


def _unit_choices(text: str, chosen: int | None) -> list[tuple[Unit, list[str]]]:
    """Units matching the search (and the one already chosen), each with its parents, so
    that the right one of two same-named unions is picked."""
    found = list(search_units(db.session, text, limit=15)) if text.strip() else []
    if chosen and all(u.id != chosen for u in found):
        unit = db.session.get(Unit, chosen)
        if unit is not None and unit.is_active:
            found.insert(0, unit)
    return [(u, [a.name for a in ancestors(db.session, u.id)]) for u in found]


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
        unit_choices=_unit_choices(query, chosen),
    )


@bp.get("/contests/<int:contest_id>/register")
def register_form(contest_id: int) -> str:
    contest = _contest(contest_id)
    if current_user.is_authenticated:
        return _registration_page(contest, JoinForm(unit=current_user.unit_id))
    return _registration_page(contest, RegistrationForm())


@bp.post("/contests/<int:contest_id>/register")
@limiter.limit(_register_limit, scope="contest-register")
def register(contest_id: int) -> str | tuple[str, int] | Response:
    contest = _contest(contest_id)
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
    contest = _contest(contest_id)
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


# --- taking a round ------------------------------------------------------------------------


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int) -> str:
    round_ = _round(round_id)
    now = utcnow()
    state = queries.round_state(round_, now)
    entrant = services.entrant_of(db.session, round_.contest_id, current_user.id)
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


@bp.post("/rounds/<int:round_id>/start")
@login_required
@per_account
def start(round_id: int) -> Response:
    round_ = _round(round_id)
    attempt = services.start(db.session, current_user, round_, utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _own_round_attempt(attempt_id: int) -> tuple[Round, Attempt]:
    # The attempt alone: the submit page lists what is answered (its slots, loaded when the
    # page shows them), no questions.
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound()
    if attempt.user_id != current_user.id:
        raise NotInScope()
    round_ = queries.round_of_quiz(db.session, attempt.quiz_id)
    if round_ is None:
        raise NotFound()
    return round_, attempt


@bp.get("/contest-attempts/<int:attempt_id>/finish")
@login_required
def finish_form(attempt_id: int) -> str | Response:
    round_, attempt = _own_round_attempt(attempt_id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("contests.round_page", round_id=round_.id))
    return _finish_page(round_, attempt, FinishForm())


def _finish_page(
    round_: Round, attempt: Attempt, form: FinishForm, error: str | None = None
) -> str:
    left = None
    if attempt.deadline_at is not None:
        left = max(0, math.floor((attempt.deadline_at - utcnow()).total_seconds()))
    return render_template(
        "contests/finish.html",
        round=round_,
        attempt=attempt,
        quiz=round_.quiz,
        form=form,
        error=error,
        seconds_left=left,
    )


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


# --- results -------------------------------------------------------------------------------


def _ranked(round_: Round) -> bool:
    """Rank the round on the first view after its close (the CLI usually did it already)."""
    if round_.ranked_at is not None:
        return True
    after = services.rankable_after(round_)
    if after is None or utcnow() < after:
        return False
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
    round_ = _round(round_id)
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


@bp.get("/rounds/<int:round_id>/prizes.xlsx")
@login_required
@admin_required
def prizes(round_id: int) -> Response:
    round_ = _round(round_id)
    if not _ranked(round_):
        raise RoundNotRanked()
    contest = round_.contest
    rows = queries.prize_list(db.session, round_, contest.prize_count)
    header = [_("Rank"), _("Full name"), _("Year of birth"), _("Gender"), _("Phone number"),
              _("Unit"), _("Parent unit"), _("Category"), _("Score"), _("Questions"),
              _("Time used (seconds)"), _("Prediction"), _("Distance"), _("Submitted")]  # fmt: skip
    genders = {g.value: g.label for g in Gender}
    body = [
        [
            r.rank,
            r.full_name,
            r.birth_year,
            genders.get(r.gender or "", ""),
            format_phone(r.phone),
            r.unit,
            r.parent,
            r.category.label,
            r.score,
            r.max_score,
            round(r.milliseconds_used / 1000, 1),
            r.prediction,
            r.distance,
            r.submitted_at,
        ]
        for r in rows
    ]
    db.begin_write()
    services.record_export(db.session, current_user, round_, len(body))
    db.session.commit()
    lines = [
        current_app.config["FEDERATION_NAME"].upper(),
        _("PRIZE LIST — %(title)s, round %(n)d", title=contest.title, n=round_.number),
        _("True number (prediction question): %(n)s", n=round_.true_number),
    ]
    data = xlsx_bytes(_("Prizes"), header, body, title_lines=lines)
    return download(data, f"giai-thuong-cuoc-thi-{contest.id}-dot-{round_.number}.xlsx")


@bp.get("/contests/<int:contest_id>/awards")
@login_required
@staff_required
def awards(contest_id: int) -> str:
    contest = _contest(contest_id)
    round_id = request.args.get("round", type=int)
    by_rate, by_count, to_confirm = queries.unit_awards(db.session, contest, round_id)
    return render_template(
        "contests/awards.html",
        contest=contest,
        by_rate=by_rate[:50],
        by_count=by_count[:50],
        to_confirm=to_confirm,
        round_id=round_id,
    )


@bp.get("/contests/<int:contest_id>/suspicious")
@login_required
@admin_required
def suspicious(contest_id: int) -> str:
    contest = _contest(contest_id)
    by_prefix, by_address = queries.registration_clusters(db.session, contest.id)
    return render_template(
        "contests/suspicious.html",
        contest=contest,
        fast=queries.fast_attempts(db.session, contest)[:200],
        by_prefix=by_prefix,
        by_address=by_address,
    )


@bp.get("/contests/<int:contest_id>/entrants")
@login_required
@staff_required
def entrants(contest_id: int) -> str:
    contest = _contest(contest_id)
    unconfirmed = request.args.get("all") != "1"
    rows = queries.entrants_in_scope(
        db.session, current_user, contest.id, unconfirmed_only=unconfirmed
    )
    # A list of people with their phone and birth year: who looked is kept (personal data).
    record(
        db.session,
        current_user.id,
        "members.view",
        "contest",
        contest.id,
        after={"page": "contest_entrants", "shown": len(rows)},
    )
    db.session.commit()
    return render_template(
        "contests/entrants.html",
        contest=contest,
        rows=rows,
        unconfirmed=unconfirmed,
        categories=CATEGORY_LABELS,
        unit_options=queries.units_in_scope(db.session, current_user),
        daily=queries.daily_entrants(db.session, contest.id)
        if can(db.session, current_user, "manage_contests")
        else [],
    )


@bp.post("/contests/<int:contest_id>/entrants/<int:entrant_id>")
@login_required
@staff_required
def confirm(contest_id: int, entrant_id: int) -> Response:
    contest = _contest(contest_id)
    entrant = db.session.get(Entrant, entrant_id)
    if entrant is None or entrant.contest_id != contest.id:
        raise NotFound()
    require_unit(db.session, current_user, entrant.unit_id)
    form = ConfirmForm()
    if not form.validate():
        raise UnknownUnit()
    services.confirm_entrant(
        db.session,
        current_user,
        entrant,
        unit_id=form.unit.data,
        category=Category(form.category.data),
    )
    db.session.commit()
    queries.forget_live_counters(contest)
    flash(_("Confirmed."), "success")
    return redirect(url_for("contests.entrants", contest_id=contest.id))


# --- organisers ----------------------------------------------------------------------------


@bp.get("/admin/contests")
@login_required
@admin_required
def admin_index() -> str:
    return render_template("contests/admin_index.html", contests=queries.all_contests(db.session))


def _contest_data(form: ContestForm) -> services.ContestData:
    codes = [c.strip() for c in (form.unit_codes.data or "").replace(";", ",").split(",")]
    unit_ids = []
    for code in filter(None, codes):
        unit = get_unit_by_code(db.session, code)
        if unit is None:
            raise UnknownUnit(_("No unit has the code %(code)s.", code=code))
        unit_ids.append(unit.id)
    return services.ContestData(
        title=form.title.data,
        rules=form.rules.data or "",
        allows_registration=form.allows_registration.data,
        is_published=form.is_published.data,
        prize_count=form.prize_count.data,
        award_min_members=form.award_min_members.data,
        suspicious_percent=form.suspicious_percent.data,
        unit_ids=unit_ids,
    )


@bp.get("/admin/contests/new")
@login_required
@admin_required
def new_form() -> str:
    return render_template(
        "contests/contest_form.html", form=ContestForm(allows_registration=True), contest=None
    )


@bp.post("/admin/contests/new")
@login_required
@admin_required
def create() -> str | tuple[str, int] | Response:
    form = ContestForm()
    if not form.validate():
        return render_template("contests/contest_form.html", form=form, contest=None), 400
    try:
        contest = services.save_contest(db.session, current_user, _contest_data(form))
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "contests/contest_form.html", form=form, contest=None, error=str(error)
        ), error.status
    db.session.commit()
    return redirect(url_for("contests.edit_form", contest_id=contest.id))


@bp.get("/admin/contests/<int:contest_id>")
@login_required
@admin_required
def edit_form(contest_id: int) -> str:
    contest = _contest(contest_id)
    codes = ", ".join(u.code for u in queries.contest_units(db.session, contest.id))
    form = ContestForm(obj=contest, unit_codes=codes)
    return render_template("contests/contest_form.html", form=form, contest=contest)


@bp.post("/admin/contests/<int:contest_id>")
@login_required
@admin_required
def update(contest_id: int) -> str | tuple[str, int] | Response:
    contest = _contest(contest_id)
    form = ContestForm()
    if not form.validate():
        return render_template("contests/contest_form.html", form=form, contest=contest), 400
    try:
        services.save_contest(db.session, current_user, _contest_data(form), contest)
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "contests/contest_form.html", form=form, contest=contest, error=str(error)
        ), error.status
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("contests.edit_form", contest_id=contest.id))


def _round_form(form: RoundForm) -> RoundForm:
    form.courses.choices = [
        (c.id, c.title + (" — " + _("kept for contests") if c.is_contest_bank else ""))
        for c in queries.round_banks(db.session)
    ]
    return form


def _round_page(contest: Contest, form: RoundForm, round_: Round | None, error: str | None = None):  # type: ignore[no-untyped-def]
    # The confirmation is asked only once the admin has been told what is exposed.
    exposed = services.exposed_banks(db.session, form.courses.data or [])
    return render_template(
        "contests/round_form.html",
        contest=contest,
        form=form,
        round=round_,
        error=error,
        exposed=exposed,
    )


def _round_data(form: RoundForm) -> services.RoundData:
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return services.RoundData(
        opens_at=as_utc(form.opens_at.data, zone),
        closes_at=as_utc(form.closes_at.data, zone),
        course_ids=form.courses.data,
        question_count=form.question_count.data,
        time_limit_minutes=form.time_limit_minutes.data,
        attempts_allowed=form.attempts_allowed.data,
        has_prediction=form.has_prediction.data,
        confirm_exposed=form.confirm_exposed.data,
    )


@bp.get("/admin/contests/<int:contest_id>/rounds/new")
@login_required
@admin_required
def new_round_form(contest_id: int) -> str:
    contest = _contest(contest_id)
    return _round_page(contest, _round_form(RoundForm()), None)


@bp.post("/admin/contests/<int:contest_id>/rounds/new")
@login_required
@admin_required
def create_round(contest_id: int) -> str | tuple[str, int] | Response:
    contest = _contest(contest_id)
    form = _round_form(RoundForm())
    if not form.validate():
        return _round_page(contest, form, None), 400
    try:
        services.save_round(db.session, current_user, contest, _round_data(form))
    except DomainError as error:
        db.session.rollback()
        return _round_page(contest, form, None, str(error)), error.status
    db.session.commit()
    return redirect(url_for("contests.edit_form", contest_id=contest.id))


@bp.get("/admin/rounds/<int:round_id>")
@login_required
@admin_required
def edit_round_form(round_id: int) -> str:
    round_ = _round(round_id)
    quiz = round_.quiz
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    form = _round_form(
        RoundForm(
            opens_at=as_local(quiz.opens_at, zone) if quiz.opens_at else None,
            closes_at=as_local(quiz.closes_at, zone) if quiz.closes_at else None,
            courses=quiz.bank_course_ids or [],
            question_count=quiz.question_count,
            time_limit_minutes=(quiz.time_limit_seconds or 0) // 60,
            attempts_allowed=quiz.attempts_allowed,
            has_prediction=round_.has_prediction,
        )
    )
    return _round_page(round_.contest, form, round_)


@bp.post("/admin/rounds/<int:round_id>")
@login_required
@admin_required
def update_round(round_id: int) -> str | tuple[str, int] | Response:
    round_ = _round(round_id)
    form = _round_form(RoundForm())
    if not form.validate():
        return _round_page(round_.contest, form, round_), 400
    try:
        services.save_round(db.session, current_user, round_.contest, _round_data(form), round_)
    except DomainError as error:
        db.session.rollback()
        return _round_page(round_.contest, form, round_, str(error)), error.status
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("contests.edit_form", contest_id=round_.contest_id))
