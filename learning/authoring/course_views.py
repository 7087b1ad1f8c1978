"""Authoring pages for courses: the course list, a course's page (title, final-quiz settings,
media uploads and their approval, lessons) and its review steps."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.authoring import courses as course_writes
from learning.authoring import media as media_writes
from learning.authoring import queries, workflow
from learning.authoring.blueprint import STEP_DONE, bp, four_eyes, get_or_404
from learning.authoring.forms import CourseForm, MediaForm, QuizSettingsForm, StepForm
from learning.courses.models import ContentStatus, Course
from learning.courses.views import media_response
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _


@bp.get("/courses")
def courses() -> str:
    return render_template(
        "authoring/courses.html", courses=queries.all_courses(db.session), form=CourseForm()
    )


@bp.post("/courses")
def create_course() -> Response | tuple[str, int]:
    form = CourseForm()
    if not form.validate():
        page = render_template(
            "authoring/courses.html", courses=queries.all_courses(db.session), form=form
        )
        return page, 400
    course = course_writes.create_course(
        db.session, current_user, form.slug.data or "", form.title.data, form.summary.data or ""
    )
    db.session.commit()
    flash(_("Course created as a draft."), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


def _course_page(course: Course, status: int = 200, **forms: Any) -> tuple[str, int]:
    settings = {**course_writes.DEFAULT_FINAL_QUIZ, **(course.final_quiz or {})}
    page = render_template(
        "authoring/course.html",
        course=course,
        lessons=queries.course_lessons(db.session, course.id),
        media=queries.media_files(db.session, course.id),
        uploads=queries.media_uploads(db.session, course.id),
        form=forms.get("form") or CourseForm(obj=course),
        quiz_form=forms.get("quiz_form") or QuizSettingsForm(data=settings),
        media_form=forms.get("media_form") or MediaForm(),
        step_form=StepForm(),
        events=queries.events(db.session, "course", course.id)[:10],
        can_approve=workflow.may_approve(
            current_user, course.edited_by_id, course, four_eyes=four_eyes()
        ),
    )
    return page, status


@bp.get("/courses/<int:course_id>")
def course(course_id: int) -> tuple[str, int]:
    return _course_page(get_or_404(Course, course_id))


@bp.post("/courses/<int:course_id>")
def update_course(course_id: int) -> Response | tuple[str, int]:
    course = get_or_404(Course, course_id)
    form = CourseForm()
    if not form.validate():
        return _course_page(course, 400, form=form)
    course_writes.update_course(
        db.session, current_user, course, form.title.data, form.summary.data or ""
    )
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/quiz")
def quiz_settings(course_id: int) -> Response | tuple[str, int]:
    course = get_or_404(Course, course_id)
    form = QuizSettingsForm()
    if not form.validate():
        return _course_page(course, 400, quiz_form=form)
    course_writes.update_quiz_settings(
        db.session,
        current_user,
        course,
        {
            "question_count": form.question_count.data,
            "time_limit_minutes": form.time_limit_minutes.data,
            "pass_percent": form.pass_percent.data,
            "attempts_allowed": form.attempts_allowed.data or 0,
            "grading_method": form.grading_method.data,
        },
    )
    db.session.commit()
    flash(_("Quiz settings saved."), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/media")
def upload_media(course_id: int) -> Response | tuple[str, int]:
    course = get_or_404(Course, course_id)
    form = MediaForm()
    if not form.validate():
        return _course_page(course, 400, media_form=form)
    data = form.file.data.read(media_writes.MAX_MEDIA_BYTES + 1)
    media = media_writes.upload_media(
        db.session, current_user, course, form.file.data.filename or "", data
    )
    db.session.commit()
    if media.status is ContentStatus.IN_REVIEW:
        flash(
            _(
                "Uploaded. Workers get media/%(name)s once a second admin approves it.",
                name=media.name,
            ),
            "success",
        )
    else:
        flash(_("Uploaded. Link to it in a lesson as media/%(name)s", name=media.name), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


def _upload(course_id: int, version_id: int) -> Any:
    version = queries.media_version(db.session, get_or_404(Course, course_id).id, version_id)
    if version is None:
        raise NotFound()
    return version


@bp.get("/courses/<int:course_id>/uploads/<int:version_id>")
def upload_file(course_id: int, version_id: int) -> Response:
    """An uploaded file as it was uploaded (a pending one, for its reviewer)."""
    return media_response(_upload(course_id, version_id))


@bp.post("/courses/<int:course_id>/uploads/<int:version_id>/approve")
def approve_upload(course_id: int, version_id: int) -> Response:
    version = _upload(course_id, version_id)
    media_writes.approve_media(db.session, current_user, version, four_eyes=four_eyes())
    db.session.commit()
    flash(_("Approved: workers get the new file."), "success")
    return redirect(url_for("authoring.course", course_id=course_id))


@bp.post("/courses/<int:course_id>/step")
def course_step(course_id: int) -> Response:
    course = get_or_404(Course, course_id)
    form = StepForm()
    if not form.validate():
        raise InvalidInput()
    course_writes.course_step(
        db.session, current_user, course, form.step.data or "", four_eyes=four_eyes()
    )
    db.session.commit()
    flash(str(STEP_DONE[form.step.data or ""]), "success")
    return redirect(url_for("authoring.course", course_id=course.id))
