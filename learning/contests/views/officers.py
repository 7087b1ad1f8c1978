"""Pages for officers (and admins): the entrants of their subtree with the unit and category
each declared, confirming or correcting them, and the unit awards those confirmations count
for."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.scope import can, require_unit, staff_required
from learning.contests import queries, services
from learning.contests.errors import UnknownUnit
from learning.contests.forms import ConfirmForm
from learning.contests.models import CATEGORY_LABELS, Category
from learning.contests.views.common import bp, contest_or_404
from learning.errors import NotFound
from learning.i18n import gettext as _


@bp.get("/contests/<int:contest_id>/awards")
@login_required
@staff_required
def awards(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
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


@bp.get("/contests/<int:contest_id>/entrants")
@login_required
@staff_required
def entrants(contest_id: int) -> str:
    contest = contest_or_404(contest_id)
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
    contest = contest_or_404(contest_id)
    entrant = queries.get_entrant(db.session, contest.id, entrant_id)
    if entrant is None:
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
