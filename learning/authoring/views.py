"""Authoring pages under /admin: courses, lessons with a preview that needs no JavaScript,
the question bank with filters and bulk actions, review steps and history, and the content
to review after a cited document changed ("Cần rà soát"). Admins only.

The pages of each kind are in course_views, lesson_views and question_views, on the one
blueprint of blueprint.py; importing this module registers them all."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.authoring import course_views, lesson_views, question_views
from learning.authoring.blueprint import bp, get_or_404
from learning.authoring.forms import ReviewedForm
from learning.courses import queries as course_queries
from learning.courses.models import Lesson, Question
from learning.courses.register import mark_reviewed
from learning.errors import InvalidInput
from learning.i18n import gettext as _

__all__ = ["bp", "course_views", "lesson_views", "question_views"]


# --- review against the register of source documents ("Cần rà soát") ----------------------


@bp.get("/review")
def review() -> str:
    return render_template(
        "authoring/review.html",
        items=course_queries.due_for_review(db.session),
        pending=course_queries.pending_changes(db.session),
        form=ReviewedForm(),
    )


@bp.post("/review/lessons/<int:lesson_id>")
def mark_lesson_reviewed(lesson_id: int) -> Response:
    return _mark_reviewed(get_or_404(Lesson, lesson_id))


@bp.post("/review/questions/<int:question_id>")
def mark_question_reviewed(question_id: int) -> Response:
    return _mark_reviewed(get_or_404(Question, question_id))


def _mark_reviewed(item: Lesson | Question) -> Response:
    if not ReviewedForm().validate():
        raise InvalidInput()
    mark_reviewed(db.session, current_user, item)
    db.session.commit()
    flash(_("Marked as reviewed."), "success")
    return redirect(url_for("authoring.review"))
