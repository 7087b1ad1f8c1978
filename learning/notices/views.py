"""Notices in the app: the worker marks their reminders read; the header's count; the short
link a reminder carries; and the officer's reminder pages (send, the ready message with its
QR code and A4 poster, who was reminded when)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from learning import db
from learning.auth.models import User
from learning.auth.scope import is_member_account, require_reminder
from learning.db import utcnow
from learning.enrollment.deadlines import local_today
from learning.enrollment.models import Assignment
from learning.errors import NotFound
from learning.i18n import gettext as _
from learning.notices import queries, services
from learning.notices.poster import ReadyMessage, qr_svg, render_poster
from learning.org.models import Unit
from learning.org.queries import is_in_subtree

bp = Blueprint("notices", __name__)

# Pages where the header's count is not worth its queries: a quiz in progress.
_NO_COUNT = frozenset({"quizzes.attempt", "quizzes.summary", "contests.finish_form"})


def header_count() -> int | None:
    """The number shown next to "Notices" in the header (once per request), or None."""
    # Notices are the members' (staff manage assignments rather than receive them).
    if (
        not current_user.is_authenticated
        or not is_member_account(current_user)
        or request.endpoint in _NO_COUNT
    ):
        return None
    if "notice_count" not in g:
        today = local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        g.notice_count = queries.notice_count(db.session, current_user, today, utcnow())
    return g.notice_count


@bp.post("/notices/read")
@login_required
def mark_read() -> BaseResponse:
    services.mark_notices_read(db.session, current_user, utcnow())
    db.session.commit()
    return redirect(url_for("main.home") + "#notices")


@bp.get("/a/<int:assignment_id>")
@login_required
def short_link(assignment_id: int) -> BaseResponse:
    """The short link of a reminder (text, e-mail, QR code): the assigned course."""
    from learning.courses.queries import published_course_by_id

    assignment = db.session.get(Assignment, assignment_id)
    course = published_course_by_id(db.session, assignment.course_id) if assignment else None
    if course is None:
        raise NotFound()
    return redirect(url_for("courses.course", slug=course.slug))


def _audience(assignment_id: int, unit_id: int | None) -> tuple[Assignment, Unit | None]:
    """The assignment and the unit whose members the officer reminds (their own unit when
    none is given), checked by the one rule; 404 when the assignment does not reach it."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.removed_at is not None:
        raise NotFound()
    if assignment.unit_id is None:
        person = db.session.get(User, assignment.user_id)
        require_reminder(db.session, current_user, unit_id=None, person=person)
        return assignment, None
    unit_id = unit_id or current_user.unit_id or assignment.unit_id
    require_reminder(db.session, current_user, unit_id=unit_id, person=None)
    if not is_in_subtree(db.session, assignment.unit_id, unit_id):
        raise NotFound()
    return assignment, db.session.get_one(Unit, unit_id)


def _message(assignment: Assignment, unit: Unit | None) -> ReadyMessage:
    from learning.courses.models import Course

    course = db.session.get_one(Course, assignment.course_id)
    return ReadyMessage(
        course_title=course.title,
        unit_name=unit.name if unit else current_app.config["FEDERATION_NAME"],
        due_on=assignment.due_on,
        today=local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        link=url_for("notices.short_link", assignment_id=assignment.id, _external=True),
    )


@bp.post("/assignments/<int:assignment_id>/remind")
@login_required
def remind(assignment_id: int) -> BaseResponse:
    assignment, unit = _audience(assignment_id, request.form.get("unit", type=int))
    outcome = services.remind(
        db.session,
        current_user,
        assignment,
        unit_id=unit.id if unit else None,
        message=_message(assignment, unit),
        now=utcnow(),
    )
    db.session.commit()
    if outcome.repeated:
        flash(
            _("These members were already reminded a moment ago; nothing was sent again."), "error"
        )
    else:
        flash(
            _(
                "Reminder sent to %(n)d members (%(m)d by e-mail).",
                n=outcome.reminder.recipients,
                m=outcome.reminder.emails,
            ),
            "success",
        )
    return redirect(
        url_for("notices.message", assignment_id=assignment.id, unit=unit.id if unit else None)
    )


@bp.get("/assignments/<int:assignment_id>/message")
@login_required
def message(assignment_id: int) -> str:
    """The ready message to paste into the unit's group, its QR code, the poster, and the
    reminders sent so far with whom they reached."""
    assignment, unit = _audience(assignment_id, request.args.get("unit", type=int))
    ready = _message(assignment, unit)
    history = (
        queries.reminders_of(db.session, [assignment.id], unit.id, per_assignment=10).get(
            assignment.id, []
        )
        if unit
        else []
    )
    people = queries.reminded_people(db.session, history[0].reminder.id) if history else []
    emails = queries.email_status(db.session, history[0].reminder.id) if history else {}
    if people:
        from learning.audit.services import record

        db.begin_write()
        record(
            db.session,
            current_user.id,
            "members.view",
            "assignment",
            assignment.id,
            after={"list": "reminded", "shown": len(people)},
        )
        db.session.commit()
    return render_template(
        "notices/message.html",
        assignment=assignment,
        unit=unit,
        ready=ready,
        qr=qr_svg(ready.link, ready.subject),
        history=history,
        people=people,
        emails=emails,
    )


@bp.get("/assignments/<int:assignment_id>/poster.pdf")
@login_required
def poster(assignment_id: int) -> Response:
    assignment, unit = _audience(assignment_id, request.args.get("unit", type=int))
    pdf = render_poster(
        _message(assignment, unit), federation=current_app.config["FEDERATION_NAME"]
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="nhac-hoc-{assignment.id}.pdf"'
    return response
