"""Pages for organisers (admins): contests and their rounds, created and changed; a round's
prize list as a spreadsheet (ranking the round first if its close has passed); and the
suspicious attempts and registrations of a contest."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.auth.scope import admin_required
from learning.contests import queries, services
from learning.contests.errors import RoundNotRanked, UnknownUnit
from learning.contests.forms import ContestForm, RoundForm, as_local, as_utc
from learning.contests.models import Contest, Round
from learning.contests.views.common import bp, contest_or_404, round_or_404
from learning.db import utcnow
from learning.errors import DomainError
from learning.exports import download, xlsx_bytes
from learning.forms import Form
from learning.i18n import gettext as _
from learning.org.queries import get_unit_by_code

# --- results -------------------------------------------------------------------------------


def _prize_file(round_: Round, table: queries.PrizeTable) -> bytes:
    """The prize list as a workbook, under the federation's title block."""
    lines = [
        current_app.config["FEDERATION_NAME"].upper(),
        _("PRIZE LIST — %(title)s, round %(n)d", title=round_.contest.title, n=round_.number),
        _("True number (prediction question): %(n)s", n=round_.true_number),
    ]
    return xlsx_bytes(_("Prizes"), table.header, table.rows, title_lines=lines)


@bp.get("/rounds/<int:round_id>/prizes.xlsx")
@login_required
@admin_required
def prizes(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    if round_.ranked_at is None and not queries.rank_due(round_, utcnow()):
        raise RoundNotRanked()
    db.begin_write()
    table = services.export_prizes(db.session, current_user, round_, utcnow())
    db.session.commit()
    name = f"giai-thuong-cuoc-thi-{round_.contest_id}-dot-{round_.number}.xlsx"
    return download(_prize_file(round_, table), name)


@bp.get("/contests/<int:contest_id>/suspicious")
@login_required
@admin_required
def suspicious(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
    by_prefix, by_address = queries.registration_clusters(db.session, contest.id)
    return render_template(
        "contests/suspicious.html",
        contest=contest,
        fast=queries.fast_attempts(db.session, contest)[:200],
        by_prefix=by_prefix,
        by_address=by_address,
    )


# --- contests ------------------------------------------------------------------------------


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


def _contest_page(form: ContestForm, contest: Contest | None, error: str | None = None) -> str:
    return render_template("contests/contest_form.html", form=form, contest=contest, error=error)


def _saved(
    form: Form, save: Callable[[], int], page: Callable[..., str], *, changed: bool
) -> str | tuple[str, int] | Response:
    """Save a valid posted `form` with `save` (which gives the contest to go back to) and go
    back to that contest's page; otherwise show `page` again, with what was wrong."""
    if not form.validate():
        return page(), 400
    try:
        contest_id = save()
    except DomainError as error:
        db.session.rollback()
        return page(str(error)), error.status
    db.session.commit()
    if changed:
        flash(_("Saved."), "success")
    return redirect(url_for("contests.edit_form", contest_id=contest_id))


def _save_contest(contest: Contest | None) -> str | tuple[str, int] | Response:
    """Create a contest (`contest` None) or change one from the posted form."""
    form = ContestForm()

    def save() -> int:
        return services.save_contest(db.session, current_user, _contest_data(form), contest).id

    return _saved(form, save, partial(_contest_page, form, contest), changed=contest is not None)


@bp.get("/admin/contests/new")
@login_required
@admin_required
def new_form() -> str:
    return _contest_page(ContestForm(allows_registration=True), None)


@bp.post("/admin/contests/new")
@login_required
@admin_required
def create() -> str | tuple[str, int] | Response:
    return _save_contest(None)


@bp.get("/admin/contests/<int:contest_id>")
@login_required
@admin_required
def edit_form(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
    codes = ", ".join(u.code for u in queries.contest_units(db.session, contest.id))
    return _contest_page(ContestForm(obj=contest, unit_codes=codes), contest)


@bp.post("/admin/contests/<int:contest_id>")
@login_required
@admin_required
def update(contest_id: int) -> str | tuple[str, int] | Response:
    return _save_contest(contest_or_404(contest_id))


# --- rounds --------------------------------------------------------------------------------


def _round_form(form: RoundForm) -> RoundForm:
    form.courses.choices = [
        (c.id, c.title + (" — " + _("kept for contests") if c.is_contest_bank else ""))
        for c in queries.round_banks(db.session)
    ]
    return form


def _round_page(
    contest: Contest, form: RoundForm, round_: Round | None, error: str | None = None
) -> str:
    # The confirmation is asked only once the admin has been told what is exposed.
    exposed = queries.exposed_banks(db.session, form.courses.data or [])
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


def _save_round(contest: Contest, round_: Round | None) -> str | tuple[str, int] | Response:
    """Create a round of `contest` (`round_` None) or change one from the posted form."""
    form = _round_form(RoundForm())

    def save() -> int:
        services.save_round(db.session, current_user, contest, _round_data(form), round_)
        return contest.id

    page = partial(_round_page, contest, form, round_)
    return _saved(form, save, page, changed=round_ is not None)


@bp.get("/admin/contests/<int:contest_id>/rounds/new")
@login_required
@admin_required
def new_round_form(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
    return _round_page(contest, _round_form(RoundForm()), None)


@bp.post("/admin/contests/<int:contest_id>/rounds/new")
@login_required
@admin_required
def create_round(contest_id: int) -> str | tuple[str, int] | Response:
    return _save_round(contest_or_404(contest_id), None)


@bp.get("/admin/rounds/<int:round_id>")
@login_required
@admin_required
def edit_round_form(round_id: int) -> str:
    round_ = round_or_404(round_id)
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
    round_ = round_or_404(round_id)
    return _save_round(round_.contest, round_)
