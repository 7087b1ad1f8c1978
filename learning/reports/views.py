"""Report pages and their exports. Officers see their subtree, admins everything; workers
have their own transcript only (not here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.queries import get_user
from learning.auth.scope import (
    admin_required,
    reachable_path,
    require_staff,
    require_unit,
    require_user,
    scope_root_id,
)
from learning.contests.queries import published_contests
from learning.db import utcnow
from learning.enrollment.queries import published_courses
from learning.errors import InvalidInput, NotFound
from learning.exports import csv_bytes, download, xlsx_bytes
from learning.i18n import format_date
from learning.i18n import gettext as _
from learning.org.models import UNIT_KIND_LABELS, Unit
from learning.org.queries import ancestors, roots
from learning.quizzes.queries import get_quiz
from learning.reports import participation as report
from learning.reports.activity import activity
from learning.reports.files import participation_file
from learning.reports.items import item_analysis
from learning.reports.params import ReportParams, build_params
from learning.reports.transcript import transcript

bp = Blueprint("reports", __name__)


def _unit() -> Unit:
    require_staff(current_user)
    unit_id = request.args.get("unit", type=int)
    if unit_id is None:
        unit_id = scope_root_id(current_user)  # an officer's own unit; None for an admin
        if unit_id is None:
            top = roots(db.session)
            unit_id = top[0].id if top else None
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound()
    require_unit(db.session, current_user, unit.id)
    return unit


def _params(unit: Unit) -> ReportParams | None:
    args = request.args
    if not args.get("course") and not args.get("round"):
        return None
    return build_params(
        db.session,
        unit=unit,
        course_ref=args.get("course", ""),
        round_ref=args.get("round", ""),
        date_from=args.get("from"),
        date_to=args.get("to"),
        kind=args.get("kind"),
        min_members=args.get("min"),
        sort=args.get("sort"),
        descending=args.get("dir") == "desc",
    )


def _report(params: ReportParams) -> tuple[list[report.Figures], ReportParams, bool]:
    """The report's rows, the parameters they answer (their end date is the snapshot's
    when they come from one) and whether they come from a snapshot. A whole course or
    round (no period chosen) is read from a fresh snapshot unless `live=1` is asked."""
    if params.since is None and params.date_to is None and request.args.get("live") != "1":
        max_age = dt.timedelta(seconds=current_app.config["REPORT_SNAPSHOT_MAX_AGE"])
        snapshot = report.usable_snapshot(db.session, params.subject, params.until, max_age)
        if snapshot is not None:
            rows = report.participation_from_snapshot(
                db.session, params.unit, params.subject, snapshot
            )
            return rows, replace(params, until=snapshot.computed_at), True
    rows = report.participation(
        db.session,
        params.unit,
        params.subject,
        until=params.until,
        since=params.since,
    )
    return rows, params, False


@bp.get("/reports/participation")
@login_required
def participation() -> str:
    unit = _unit()
    params = _params(unit)
    page = {
        "unit": unit,
        "params": params,
        "courses": published_courses(db.session),
        "rounds": [(c, r) for c in published_contests(db.session) for r in c.rounds],
        "kinds": [(kind.value, label) for kind, label in UNIT_KIND_LABELS.items()],
        "path": reachable_path(db.session, current_user, ancestors(db.session, unit.id)),
        "printable": request.args.get("print") == "1",
    }
    if params is not None:
        rows, params, page["from_snapshot"] = _report(params)
        page["params"] = params
        page["rows"] = report.shown_rows(
            rows,
            kind=params.kind,
            min_members=params.min_members,
            sort=params.sort,
            descending=params.descending,
        )
        page["total"] = rows[0] if rows else None
        page["top"], page["bottom"] = report.top_and_bottom(rows)
        leaves = [row for row in page["rows"] if not row.has_children][:40]
        page["chart"] = [(row.unit.name, row.completion_rate) for row in leaves]
    return render_template("reports/participation.html", **page)


@bp.get("/reports/participation.<fmt>")
@login_required
def participation_export(fmt: str) -> Response:
    kind = fmt
    if kind not in ("csv", "xlsx"):
        raise NotFound()
    unit = _unit()
    params = _params(unit)
    if params is None:
        raise NotFound()
    rows, params, _from_snapshot = _report(params)
    rows = report.shown_rows(
        rows,
        kind=params.kind,
        min_members=params.min_members,
        sort=params.sort,
        descending=params.descending,
    )
    record(
        db.session,
        current_user.id,
        "export",
        "unit",
        unit.id,
        after={"report": "participation", **params.audit, "format": kind, "rows": len(rows)},
    )
    db.session.commit()
    data, name = participation_file(rows, params, kind, current_app.config["FEDERATION_NAME"])
    return download(data, name)


@bp.get("/reports/participation/members")
@login_required
def members() -> str:
    unit = _unit()
    params = _params(unit)
    if params is None:
        raise NotFound()
    statuses = report.member_statuses(db.session, unit, params.subject)
    record(
        db.session,
        current_user.id,
        "members.view",
        "unit",
        unit.id,
        after={"report": "participation_members", **params.audit, "shown": len(statuses)},
    )
    db.session.commit()
    return render_template("reports/members.html", unit=unit, params=params, statuses=statuses)


def _activity() -> tuple[Unit, ReportParams, str, list]:  # type: ignore[type-arg]
    unit = _unit()
    params = _params(unit)
    if params is None:
        raise NotFound()
    by = request.args.get("by", "day")
    if by not in ("day", "week"):
        raise InvalidInput(_("Group by day or by week."))
    until = params.until
    since = params.since or until - dt.timedelta(days=30 if by == "day" else 26 * 7)
    return (
        unit,
        params,
        by,
        activity(db.session, unit.id, params.subject, since=since, until=until, by=by),
    )


@bp.get("/reports/activity.<fmt>")
@login_required
def activity_export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    unit, params, by, points = _activity()
    done = "Bài đã nộp" if params.round else "Hoàn thành chuyên đề"
    header = ["Ngày" if by == "day" else "Tuần bắt đầu", "Lượt làm bài", done]
    rows = [[p.day, p.attempts, p.completions] for p in points]
    record(
        db.session,
        current_user.id,
        "export",
        "unit",
        unit.id,
        after={"report": "activity", **params.audit, "format": fmt},
    )
    db.session.commit()
    name = f"hoat-dong-{params.slug}-{unit.code}.{fmt}"
    if fmt == "csv":
        return download(csv_bytes(header, rows), name)
    lines = [
        current_app.config["FEDERATION_NAME"].upper(),
        f"HOẠT ĐỘNG HỌC TẬP — {params.title}",
        f"Đơn vị: {unit.name}",
    ]
    return download(
        xlsx_bytes("Hoạt động", header, rows, title_lines=lines, count_columns=(1, 2)), name
    )


@bp.get("/reports/activity")
@login_required
def activity_page() -> str:
    unit, params, by, points = _activity()
    chart = [(format_date(p.day), p.attempts, p.completions) for p in points]
    return render_template(
        "reports/activity.html", unit=unit, params=params, by=by, points=points, chart=chart
    )


@bp.get("/transcript/<int:user_id>")
@login_required
def transcript_page(user_id: int) -> str:
    """A worker sees their own; officers those of their subtree; admins all."""
    user = get_user(db.session, user_id)
    if user is None:
        raise NotFound()
    require_user(db.session, current_user, user)
    if current_user.id != user.id:
        record(
            db.session,
            current_user.id,
            "member.view",
            "user",
            user.id,
            after={"page": "transcript"},
        )
        db.session.commit()
    return render_template("reports/transcript.html", t=transcript(db.session, user))


@bp.get("/reports/items/<int:quiz_id>")
@login_required
@admin_required
def items_page(quiz_id: int) -> str:
    """Item analysis of a quiz, for admins (it shows which questions need review)."""
    quiz = get_quiz(db.session, quiz_id)
    if quiz is None:
        raise NotFound()
    first_only = request.args.get("first") == "1"
    # Facility and choice counts of a running round would tell its key: not before its close.
    visible = quiz.results_visible(utcnow())
    stats = item_analysis(db.session, quiz.id, first_attempts_only=first_only) if visible else []
    return render_template(
        "reports/items.html", quiz=quiz, stats=stats, first_only=first_only, visible=visible
    )
