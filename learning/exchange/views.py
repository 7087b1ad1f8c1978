"""Admins exchange question banks: upload a file, see every question and problem with its
line (row), confirm; download a course's bank in each format or the XLSX template.

The upload is kept in the database (an ImportBatch of kind "questions", shared with the
member and unit imports) between the preview and the confirmation, so that any app server
can confirm it; it is read and checked again on confirmation, since the bank may have
changed in between.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.scope import admins_only
from learning.courses.models import Course
from learning.db import utcnow
from learning.errors import NotFound
from learning.exchange import services, xlsx
from learning.exchange.forms import ConfirmForm, UploadForm
from learning.exchange.services import UnreadableFile
from learning.exports import download
from learning.i18n import gettext as _
from learning.members.models import ImportBatch

bp = Blueprint("exchange", __name__)
bp.before_request(admins_only)  # question banks in and out: admins only

BATCH_KIND = "questions"


def _course_or_404(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound()
    return course


@bp.get("/exchange")
@login_required
def index() -> str:
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    return render_template("exchange/index.html", courses=courses)


@bp.get("/exchange/template.xlsx")
@login_required
def template() -> Response:
    return download(xlsx.template(), "mau-ngan-hang-cau-hoi.xlsx")


@bp.get("/exchange/<slug>")
@login_required
def course(slug: str) -> str:
    found = _course_or_404(slug)
    return render_template(
        "exchange/course.html",
        course=found,
        form=UploadForm(),
        count=services.count_questions(db.session, found),
    )


@bp.post("/exchange/<slug>/import")
@login_required
def upload(slug: str) -> Response | tuple[str, int]:
    course = _course_or_404(slug)
    form = UploadForm()
    count = services.count_questions(db.session, course)

    def refuse(error: str | None = None) -> tuple[str, int]:
        page = render_template(
            "exchange/course.html", course=course, form=form, count=count, error=error
        )
        return page, 400

    if not form.validate():
        return refuse()
    upload = form.file.data
    data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    filename = (upload.filename or "cau-hoi")[:255]
    try:
        fmt = form.format.data or services.guess_format(data, filename)
        services.plan_import(db.session, course, data, fmt)
    except UnreadableFile as error:
        return refuse(str(error))
    # The course and the format travel in the batch's JSON until it is confirmed, so that
    # question imports need no table of their own.
    batch = ImportBatch(
        kind=BATCH_KIND,
        actor_id=current_user.id,
        unit_id=None,
        filename=filename,
        data=data,
        created_at=utcnow(),
        result={"course_id": course.id, "format": fmt},
    )
    db.session.add(batch)
    db.session.commit()
    return redirect(url_for("exchange.preview", batch_id=batch.id))


def _batch(batch_id: int) -> tuple[ImportBatch, Course, services.ImportPlan]:
    batch = db.session.scalar(
        select(ImportBatch).where(
            ImportBatch.id == batch_id,
            ImportBatch.kind == BATCH_KIND,
            ImportBatch.actor_id == current_user.id,
        )
    )
    if batch is None or not batch.result:
        raise NotFound()
    course = db.session.get(Course, batch.result["course_id"])
    if course is None:
        raise NotFound()
    plan = services.plan_import(db.session, course, batch.data, batch.result["format"])
    return batch, course, plan


@bp.get("/exchange/imports/<int:batch_id>")
@login_required
def preview(batch_id: int) -> str:
    batch, course, plan = _batch(batch_id)
    return render_template(
        "exchange/preview.html", batch=batch, course=course, plan=plan, form=ConfirmForm()
    )


@bp.post("/exchange/imports/<int:batch_id>/confirm")
@login_required
def confirm(batch_id: int) -> Response | tuple[str, int]:
    batch, course, plan = _batch(batch_id)
    if batch.confirmed_at is not None:
        return redirect(url_for("exchange.preview", batch_id=batch.id))
    form = ConfirmForm()
    if not form.validate():
        page = render_template(
            "exchange/preview.html", batch=batch, course=course, plan=plan, form=form
        )
        return page, 400
    only_valid = bool(form.only_valid.data)
    if plan.errors and not only_valid:
        flash(
            _(
                "The file has errors: nothing was imported. Fix them and upload the file "
                "again, or choose to import only the valid questions."
            ),
            "error",
        )
        page = render_template(
            "exchange/preview.html", batch=batch, course=course, plan=plan, form=form
        )
        return page, 400
    created = services.apply_import(
        db.session, course, plan, only_valid=only_valid, author_id=current_user.id
    )
    batch.confirmed_at = utcnow()
    batch.result = {
        **batch.result,
        "created": [question.key for question in created],
        "rejected": len(plan.errors),
        "skipped": len(plan.skipped),
    }
    record(
        db.session,
        current_user.id,
        "questions.import",
        "course",
        course.id,
        after={
            "file": batch.filename,
            "format": plan.format,
            "created": len(created),
            "rejected": len(plan.errors),
            "skipped": len(plan.skipped),
        },
    )
    db.session.commit()
    flash(
        _(
            "%(count)d questions imported as drafts; they are published after review.",
            count=len(created),
        ),
        "success",
    )
    return redirect(url_for("exchange.preview", batch_id=batch.id))


@bp.get("/exchange/<slug>/export/<fmt>")
@login_required
def export(slug: str, fmt: str) -> Response:
    course = _course_or_404(slug)
    if fmt not in services.FORMATS:
        raise NotFound()
    result = services.export_bank(db.session, course, fmt)
    record(
        db.session,
        current_user.id,
        "questions.export",
        "course",
        course.id,
        after={"format": fmt, "questions": result.count},
    )
    db.session.commit()
    return download(result.data, result.filename)
