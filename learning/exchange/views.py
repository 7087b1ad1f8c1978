"""Admins exchange question banks: upload a file, see every question and problem with its
line (row), confirm; download a course's bank in each format or the XLSX template.

The upload is kept in the database (learning/uploads: QUESTION_FILE, a kind of upload like
member and unit lists) between the preview and the confirmation, so that any app server
can confirm it; it is read and checked again on confirmation, since the bank may have
changed in between.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.scope import admins_only
from learning.courses.models import Course
from learning.errors import NotFound
from learning.exchange import queries, services, xlsx
from learning.exchange.forms import ConfirmForm, UploadForm
from learning.exchange.services import QUESTION_FILE, UnreadableFile
from learning.exports import download
from learning.i18n import gettext as _
from learning.uploads.services import Upload, confirm_upload, open_upload
from learning.uploads.web import receive_upload, uploaded_bytes

bp = Blueprint("exchange", __name__)
bp.before_request(admins_only)  # question banks in and out: admins only


def _course_or_404(slug: str) -> Course:
    course = queries.course_by_slug(db.session, slug)
    if course is None:
        raise NotFound()
    return course


@bp.get("/exchange")
@login_required
def index() -> str:
    courses = queries.all_courses(db.session)
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
def upload(slug: str) -> ResponseReturnValue:
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
    file = form.file.data
    data = uploaded_bytes(file)
    try:
        fmt = form.format.data or services.guess_format(data, file.filename)
    except UnreadableFile as error:
        return refuse(str(error))
    # The course and the format travel in the batch's result until it is confirmed.
    return receive_upload(
        QUESTION_FILE,
        data,
        file.filename,
        preview="exchange.preview",
        refuse=refuse,
        context={"course_id": course.id, "format": fmt},
    )


def _preview_page(upload: Upload[services.ImportPlan], form: ConfirmForm) -> str:
    return render_template(
        "exchange/preview.html",
        batch=upload.batch,
        course=upload.subject,
        plan=upload.plan,
        form=form,
    )


@bp.get("/exchange/imports/<int:batch_id>")
@login_required
def preview(batch_id: int) -> str:
    return _preview_page(
        open_upload(db.session, QUESTION_FILE, batch_id, current_user), ConfirmForm()
    )


@bp.post("/exchange/imports/<int:batch_id>/confirm")
@login_required
def confirm(batch_id: int) -> Response | tuple[str, int]:
    upload = open_upload(db.session, QUESTION_FILE, batch_id, current_user)
    if upload.batch.confirmed_at is not None:
        return redirect(url_for("exchange.preview", batch_id=batch_id))
    form = ConfirmForm()
    if not form.validate():
        return _preview_page(upload, form), 400
    only_valid = bool(form.only_valid.data)
    if upload.plan.errors and not only_valid:
        flash(
            _(
                "The file has errors: nothing was imported. Fix them and upload the file "
                "again, or choose to import only the valid questions."
            ),
            "error",
        )
        return _preview_page(upload, form), 400
    confirm_upload(db.session, QUESTION_FILE, upload, current_user, only_valid=only_valid)
    db.session.commit()
    if upload.applied is not None:
        flash(
            _(
                "%(count)d questions imported as drafts; they are published after review.",
                count=upload.applied.counts["created"],
            ),
            "success",
        )
    return redirect(url_for("exchange.preview", batch_id=batch_id))


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
