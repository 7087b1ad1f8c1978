"""Authoring pages for lessons: write and edit with a preview that needs no JavaScript (the
course's media as admins see them), review steps, reading order and history."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.authoring import lessons as lesson_writes
from learning.authoring import queries
from learning.authoring.blueprint import (
    add_step_route,
    bp,
    get_or_404,
    history_page,
    item_page,
)
from learning.authoring.forms import LessonForm
from learning.courses import queries as course_queries
from learning.courses.markdown import render_markdown
from learning.courses.models import Course, Lesson
from learning.courses.views import media_response
from learning.errors import NotFound
from learning.i18n import gettext as _


def _lesson_page(
    course: Course, lesson: Lesson | None, form: LessonForm, preview: str | None, status: int
) -> tuple[str, int]:
    return item_page(
        "authoring/lesson.html",
        lesson_writes.LESSONS,
        lesson,
        status,
        course=course,
        lesson=lesson,
        form=form,
        preview=preview,
    )


def _with_admin_media(html: str, course: Course) -> str:
    """The preview's `media/<name>` links, which a worker's lesson page resolves next to
    itself, pointed at the course's media as admins see them from any page."""
    base = url_for("authoring.media", course_id=course.id, name="")
    return html.replace('src="media/', f'src="{base}').replace('href="media/', f'href="{base}')


@bp.get("/courses/<int:course_id>/media/<name>")
def media(course_id: int, name: str) -> Response:
    """A course's uploaded file, for the preview (whatever the course's state)."""
    item = course_queries.media_file(db.session, get_or_404(Course, course_id).id, name)
    if item is None:
        raise NotFound()
    return media_response(item)


def _lesson_form_data(lesson: Lesson) -> dict[str, Any]:
    working = lesson_writes.lesson_working_version(db.session, lesson)
    source = working or lesson
    return {
        "title": source.title,
        "body": source.body_markdown,
        "sources": lesson_writes.format_sources(source.sources),
        "is_required": source.is_required,
    }


def _save_lesson(course: Course, lesson: Lesson | None) -> Response | tuple[str, int]:
    form = LessonForm()
    if not form.validate():
        return _lesson_page(course, lesson, form, None, 400)
    if request.form.get("action") == "preview":
        # The preview is the sanitized HTML workers would get; nothing is saved.
        preview = _with_admin_media(render_markdown(form.body.data), course)
        return _lesson_page(course, lesson, form, preview, 200)
    draft = lesson_writes.LessonDraft(
        title=form.title.data,
        body_markdown=form.body.data,
        sources=lesson_writes.parse_sources(form.sources.data or ""),
        is_required=bool(form.is_required.data),
    )
    lesson = lesson_writes.save_lesson(db.session, current_user, course, lesson, draft)
    db.session.commit()
    flash(_("Saved as a draft version."), "success")
    return redirect(url_for("authoring.lesson", lesson_id=lesson.id))


@bp.get("/courses/<int:course_id>/lessons/new")
def new_lesson(course_id: int) -> tuple[str, int]:
    return _lesson_page(get_or_404(Course, course_id), None, LessonForm(), None, 200)


@bp.post("/courses/<int:course_id>/lessons/new")
def create_lesson(course_id: int) -> Response | tuple[str, int]:
    return _save_lesson(get_or_404(Course, course_id), None)


@bp.get("/lessons/<int:lesson_id>")
def lesson(lesson_id: int) -> tuple[str, int]:
    lesson = get_or_404(Lesson, lesson_id)
    form = LessonForm(data=_lesson_form_data(lesson))
    return _lesson_page(lesson.course, lesson, form, None, 200)


@bp.post("/lessons/<int:lesson_id>")
def update_lesson(lesson_id: int) -> Response | tuple[str, int]:
    lesson = get_or_404(Lesson, lesson_id)
    return _save_lesson(lesson.course, lesson)


@bp.post("/lessons/<int:lesson_id>/move")
def move_lesson(lesson_id: int) -> Response:
    lesson = get_or_404(Lesson, lesson_id)
    lesson_writes.move_lesson(
        db.session, current_user, lesson, -1 if request.form.get("to") == "up" else 1
    )
    db.session.commit()
    return redirect(url_for("authoring.course", course_id=lesson.course_id))


@bp.get("/lessons/<int:lesson_id>/history")
def lesson_history(lesson_id: int) -> str:
    lesson = get_or_404(Lesson, lesson_id)
    return history_page(
        "lesson", lesson.id, lesson.title, queries.lesson_history(db.session, lesson)
    )


add_step_route("lesson", Lesson, lesson_writes.LESSONS)
