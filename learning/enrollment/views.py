"""The officer's home: units with their members, who started and who completed each assigned
course, who has not started (exportable), and assigning courses."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.scope import manageable_units, require_unit, staff_only
from learning.enrollment import queries, services
from learning.enrollment.deadlines import local_today
from learning.enrollment.forms import AssignForm
from learning.enrollment.models import Assignment
from learning.errors import InvalidInput, NotFound
from learning.exports import csv_bytes, download, xlsx_bytes
from learning.forms import choices
from learning.i18n import gettext as _
from learning.notices.queries import reminders_of
from learning.org.models import Unit
from learning.text import format_phone

bp = Blueprint("enrollment", __name__)
bp.before_request(staff_only)  # every page here is an officer's (or an admin's)


def _chosen_unit() -> Unit:
    unit_id = request.args.get("unit", type=int) or current_user.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound()
    require_unit(db.session, current_user, unit.id)
    return unit


def _assign_form() -> AssignForm:
    form = AssignForm()
    form.course.choices = choices((c.id, c.title) for c in queries.published_courses(db.session))
    units = manageable_units(db.session, current_user)
    form.unit.choices = choices((u.id, f"{u.name} ({u.code})") for u in units)
    return form


@bp.get("/officer")
@login_required
def officer_home() -> str:
    unit = _chosen_unit()
    assignments = queries.unit_assignments(db.session, unit.id)
    course_ids = sorted({course.id for _a, course, _u in assignments})
    progress = queries.unit_progress(db.session, unit.id, course_ids)
    by_course = {item.course.id: item for item in progress}
    reminders = reminders_of(db.session, [a.id for a, _c, _u in assignments], unit.id)
    course_id = request.args.get("course", type=int) or (course_ids[0] if course_ids else None)
    waiting = queries.not_started(db.session, unit.id, course_id) if course_id in course_ids else []
    if waiting:
        record(
            db.session,
            current_user.id,
            "members.view",
            "unit",
            unit.id,
            after={"list": "not_started", "course_id": course_id, "shown": len(waiting)},
        )
        db.session.commit()
    form = _assign_form()
    form.unit.data = unit.id
    return render_template(
        "enrollment/officer_home.html",
        unit=unit,
        assignments=assignments,
        progress=progress,
        by_course=by_course,
        reminders=reminders,
        today=local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        course_id=course_id,
        waiting=waiting[:100],
        waiting_count=len(waiting),
        form=form,
    )


@bp.get("/officer/not-started.<kind>")
@login_required
def not_started_export(kind: str) -> Response:
    if kind not in ("csv", "xlsx"):
        raise NotFound()
    unit = _chosen_unit()
    course_id = request.args.get("course", type=int)
    if course_id is None:
        raise NotFound()
    people = queries.not_started(db.session, unit.id, course_id)
    header = ["Họ và tên", "Số điện thoại", "Số thẻ đoàn viên", "Đơn vị"]
    rows = [[u.full_name, format_phone(u.phone), u.member_code or "", n.name] for u, n in people]
    record(
        db.session,
        current_user.id,
        "export",
        "unit",
        unit.id,
        after={"export": "not_started", "course_id": course_id, "rows": len(rows), "format": kind},
    )
    db.session.commit()
    if kind == "csv":
        data = csv_bytes(header, rows)
    else:
        title = f"Đoàn viên chưa bắt đầu học — {unit.name}"
        data = xlsx_bytes("Chưa bắt đầu", header, rows, title_lines=[title])
    return download(data, f"chua-bat-dau-{unit.code}.{kind}")


@bp.post("/assignments")
@login_required
def assign() -> Response:
    form = _assign_form()
    if not form.validate():
        raise InvalidInput(
            _("Choose a course, a unit and, if you want one, a deadline (dd/mm/yyyy).")
        )
    require_unit(db.session, current_user, form.unit.data)
    services.assign_course(
        db.session, current_user, form.course.data, unit_id=form.unit.data, due_on=form.due_on.data
    )
    db.session.commit()
    flash(_("Course assigned."), "success")
    return redirect(url_for("enrollment.officer_home", unit=form.unit.data))


@bp.post("/assignments/<int:assignment_id>/remove")
@login_required
def remove(assignment_id: int) -> Response:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.unit_id is None:
        raise NotFound()
    require_unit(db.session, current_user, assignment.unit_id)
    services.remove_assignment(db.session, current_user, assignment)
    db.session.commit()
    flash(_("Assignment removed; what members did is kept."), "success")
    return redirect(url_for("enrollment.officer_home", unit=assignment.unit_id))
