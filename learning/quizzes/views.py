"""Quiz pages: intro, attempt pages (saved as answered), summary, submit, result, and the
officer's and admin's view of attempts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth.models import User
from learning.auth.scope import can, require_own, require_user, staff_required
from learning.auth.sessions import SessionClaim, checked_in_query
from learning.courses import queries as course_queries
from learning.courses import services as course_services
from learning.courses.models import Course
from learning.db import utcnow
from learning.errors import NotFound
from learning.i18n import gettext as _
from learning.quizzes import queries, services
from learning.quizzes.errors import AttemptClosed
from learning.quizzes.forms import parse_answers
from learning.quizzes.models import (
    Attempt,
    AttemptStatus,
    Quiz,
    QuizKind,
    ReviewDetail,
)

bp = Blueprint("quizzes", __name__)


def _quiz_or_404(quiz_id: int) -> Quiz:
    quiz = queries.get_quiz(db.session, quiz_id)
    if quiz is None or not quiz.is_active or quiz.course_id is None:
        raise NotFound()
    if course_queries.published_course_by_id(db.session, quiz.course_id) is None:
        raise NotFound()
    return quiz


def _own_attempt(attempt_id: int) -> Attempt:
    # Slots only: a page shows one question (or a few), loaded by `queries.load_questions`.
    attempt = queries.attempt_with_slots(db.session, attempt_id)
    if attempt is None:
        raise NotFound()
    require_own(current_user, attempt.user_id)
    return attempt


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def intro(quiz_id: int) -> str:
    quiz = _quiz_or_404(quiz_id)
    attempts = queries.user_attempts(db.session, current_user.id, quiz.id)
    course = db.session.get_one(Course, quiz.course_id)
    grade = queries.quiz_grade(attempts, quiz.grading_method.value)
    left = max(0, quiz.attempts_allowed - len(attempts)) if quiz.attempts_allowed else None
    return render_template(
        "quizzes/intro.html",
        quiz=quiz,
        course=course,
        attempts=attempts,
        grade=grade if quiz.results_visible(utcnow()) else None,
        results_visible=quiz.results_visible(utcnow()),
        attempts_left=left,
        in_progress=next((a for a in attempts if a.status is AttemptStatus.IN_PROGRESS), None),
    )


@bp.post("/quizzes/<int:quiz_id>/start")
@db.reads_first
@login_required
def start(quiz_id: int) -> Response:
    quiz = _quiz_or_404(quiz_id)
    attempt = services.start_attempt(db.session, current_user, quiz, utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if attempt.status is AttemptStatus.IN_PROGRESS and (attempt.seconds_left(utcnow()) == 0):
        db.begin_write()
        services.finish_if_overdue(db.session, attempt, utcnow())
        db.session.commit()
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    quiz = attempt.quiz
    count = len(attempt.slots)
    if quiz.one_question_per_page:
        page = request.args.get("page", 1, type=int) or 1
        page = min(max(page, 1), count)
        slots = [attempt.slots[page - 1]]
    else:
        page, slots = 1, attempt.slots
    queries.load_questions(db.session, slots)
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=quiz,
        slots=slots,
        page=page,
        pages=count if quiz.one_question_per_page else 1,
        seconds_left=attempt.seconds_left(utcnow()),
        answered=sum(1 for slot in attempt.slots if slot.selected),
    )


def _target_after_save(attempt_id: int, page: int) -> str:
    go = request.form.get("go", "")
    if go == "summary":
        return url_for("quizzes.summary", attempt_id=attempt_id)
    if go.isdigit():
        return url_for("quizzes.attempt", attempt_id=attempt_id, page=int(go))
    return url_for("quizzes.attempt", attempt_id=attempt_id, page=page)


@bp.post("/attempts/<int:attempt_id>/save")
@db.reads_first
@checked_in_query
def save(attempt_id: int, actor: User | SessionClaim) -> Response | tuple[Response, int]:
    answers = parse_answers(request.form)
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        result = services.save_answers(db.session, actor, attempt_id, answers, utcnow())
    except AttemptClosed:
        db.session.commit()  # the overdue attempt was graded from its saved answers
        if wants_json:
            # The page says exactly which of the answers it sent were too late to count.
            refused = sorted({answer.position for answer in answers})
            result_url = url_for("quizzes.result", attempt_id=attempt_id)
            return jsonify(closed=True, result=result_url, refused=refused), 409
        flash(str(AttemptClosed()), "error")
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    db.session.commit()
    if wants_json:
        if result.stale:
            # A real conflict (another tab or device): the page shows the answer kept.
            return jsonify(
                saved=result.saved, stale=result.stale, revisions=result.revisions, kept=result.kept
            ), 409
        return jsonify(saved=result.saved, stale=result.stale, revisions=result.revisions)
    page = request.form.get("page", 1, type=int) or 1
    if result.stale:
        flash(
            _(
                "This page was out of date: an answer saved later from another page or tab "
                "was kept. Here is what is saved now."
            ),
            "error",
        )
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id, page=page))
    return redirect(_target_after_save(attempt_id, page))


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if attempt.quiz.kind is QuizKind.CONTEST_ROUND:
        # A contest asks its prediction before submitting, on its own page.
        return redirect(url_for("contests.finish_form", attempt_id=attempt.id))
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        quiz=attempt.quiz,
        seconds_left=attempt.seconds_left(utcnow()),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@db.reads_first
@login_required
def submit(attempt_id: int) -> Response:
    answers = parse_answers(request.form)
    try:
        attempt, _saved = services.submit_attempt(
            db.session, current_user, attempt_id, utcnow(), answers
        )
    except AttemptClosed:
        db.session.commit()
        flash(str(AttemptClosed()), "error")
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    quiz = attempt.quiz
    db.lock_for_write(db.session)  # what the grade completes is written under the lock too
    _after_grading(attempt, quiz)
    db.session.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


def _after_grading(attempt: Attempt, quiz: Quiz) -> None:
    """What a graded attempt completes: its lesson (a short check), or the course."""
    if quiz.kind is QuizKind.LESSON_CHECK and quiz.lesson_id is not None:
        lesson = course_queries.lesson_by_id(db.session, quiz.lesson_id)
        if lesson is not None:
            course_services.complete_lesson(db.session, current_user, lesson)
    elif quiz.kind is QuizKind.COURSE_FINAL and attempt.is_passed:
        course = db.session.get_one(Course, quiz.course_id)
        course_services.issue_certificate_if_complete(db.session, current_user, course)


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int) -> str | Response:
    attempt = queries.attempt_with_questions(db.session, attempt_id)
    if attempt is None:
        raise NotFound()
    if attempt.quiz.kind is QuizKind.CONTEST_ROUND:
        # Contest results are the round's ranking, published when the round closes.
        return redirect(url_for("contests.finish_form", attempt_id=attempt.id))
    owner = db.session.get_one(User, attempt.user_id)
    require_user(db.session, current_user, owner)
    if attempt.status is AttemptStatus.IN_PROGRESS:
        if attempt.user_id == current_user.id:
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        abort(404)
    quiz = attempt.quiz
    staff = current_user.id != attempt.user_id
    # Staff see the full review, but no sooner than the worker: scores of a quiz reviewed
    # after its close stay hidden from everyone until then.
    visible = quiz.results_visible(utcnow())
    detail = ReviewDetail.FULL if staff else quiz.review_detail
    course = db.session.get_one(Course, quiz.course_id)
    sources = course_queries.course_sources(db.session, course.id)
    final = quiz.kind is QuizKind.COURSE_FINAL
    return render_template(
        "quizzes/result.html",
        is_final=final,
        # The course's standing for its owner: complete (with the certificate), or what is
        # left. Shown first, so that nobody scrolls the review to find it.
        certificate=course_queries.certificate_for(db.session, owner.id, course.id)
        if final and not staff
        else None,
        status=course_queries.course_status(db.session, owner, course)
        if final and not staff
        else None,
        attempt=attempt,
        quiz=quiz,
        course=course,
        owner=owner,
        visible=visible,
        show_correctness=visible and detail in (ReviewDetail.CORRECTNESS, ReviewDetail.FULL),
        show_answers=visible and detail is ReviewDetail.FULL,
        sources=sources,
    )


@bp.get("/quizzes/<int:quiz_id>/attempts")
@login_required
@staff_required
def attempts(quiz_id: int) -> str:
    """Officers: attempts of the members of their subtree; admins: all, with answer counts."""
    quiz = _quiz_or_404(quiz_id)
    rows = queries.attempts_in_scope(db.session, current_user, quiz.id)
    if rows:
        # A list of named members' results: personal data shown, so logged.
        record(
            db.session,
            current_user.id,
            "members.view",
            "quiz",
            quiz.id,
            after={"list": "attempts", "shown": len(rows)},
        )
        db.session.commit()
    analyse = can(db.session, current_user, "analyse_items")
    counts = queries.answer_counts(db.session, quiz.id) if analyse else []
    visible = quiz.results_visible(utcnow())
    return render_template(
        "quizzes/attempts.html",
        quiz=quiz,
        rows=rows,
        counts=counts if visible else [],
        results_visible=visible,
    )
