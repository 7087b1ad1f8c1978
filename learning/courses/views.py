"""The worker's path: courses, lessons, progress, certificates, search, public verification."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from learning import db
from learning.courses import queries, services
from learning.courses.certificates import render_certificate
from learning.courses.models import Course, Lesson, MediaFile
from learning.enrollment.deadlines import local_today
from learning.enrollment.queries import assigned_courses
from learning.errors import NotFound
from learning.i18n import format_date
from learning.i18n import gettext as _
from learning.quizzes.queries import course_final_quiz, lesson_check

bp = Blueprint("courses", __name__)


def _course_or_404(slug: str) -> Course:
    course = queries.published_course(db.session, slug)
    if course is None:
        raise NotFound()
    return course


def _lesson_or_404(course: Course, slug: str) -> Lesson:
    lesson = queries.published_lesson(db.session, course.id, slug)
    if lesson is None:
        raise NotFound()
    return lesson


@bp.get("/courses/<slug>")
@login_required
def course(slug: str) -> str:
    course = _course_or_404(slug)
    lessons = queries.published_lessons(db.session, course.id)
    done = queries.completed_lesson_ids(db.session, current_user.id, course.id)
    status = queries.course_status(db.session, current_user, course)
    certificate = queries.certificate_for(db.session, current_user.id, course.id)
    return render_template(
        "courses/course.html",
        duty=assigned_courses(db.session, current_user).get(course.id),
        today=local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        course=course,
        lessons=lessons,
        done=done,
        status=status,
        certificate=certificate,
        final_quiz=course_final_quiz(db.session, course.id),
        offline=queries.offline_bundle(db.session, course, lessons),
    )


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str) -> str:
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    lessons = list(queries.published_lessons(db.session, course.id))
    # Opening a lesson counts as starting the course (reports): record it in a write
    # transaction of its own. Downloading a course for offline reading (the service worker
    # fetching its lessons) is not opening them.
    if request.headers.get("X-Offline-Download") == "1":
        progress = queries.lesson_progress(db.session, current_user.id, lesson.id)
    else:
        db.begin_write()
        progress = services.open_lesson(db.session, current_user, lesson)
        db.session.commit()
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    status = queries.course_status(db.session, current_user, course)
    sources = {source.key: source for source in course.sources}
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        progress=progress,
        status=status,
        sources=sources,
        position=index + 1,
        count=len(lessons),
        check=lesson_check(db.session, lesson.id),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
    )


@bp.post("/courses/<slug>/lessons/<lesson_slug>/done")
@login_required
def complete_lesson(slug: str, lesson_slug: str) -> BaseResponse:
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    had_certificate = queries.certificate_for(db.session, current_user.id, course.id) is not None
    certificate = services.complete_lesson(db.session, current_user, lesson)
    db.session.commit()
    next_lesson = request.form.get("next")
    if certificate is not None and not had_certificate:
        flash(_("Congratulations! You have completed this course."), "success")
        target = url_for("courses.course", slug=course.slug)
    elif next_lesson and queries.published_lesson(db.session, course.id, next_lesson):
        target = url_for("courses.lesson", slug=course.slug, lesson_slug=next_lesson)
    else:
        flash(_("Lesson marked as done."), "success")
        target = url_for("courses.course", slug=course.slug)
    if request.accept_mimetypes.best == "application/json":
        # offline.js sends the mark itself, to keep it on the phone if the send fails.
        return jsonify(done=True, next=target)
    return redirect(target)


@bp.get("/courses/<slug>/lessons/media/<name>")
@login_required
def media(slug: str, name: str) -> Response:
    course = _course_or_404(slug)
    item = queries.media_file(db.session, course.id, name)
    if item is None:
        raise NotFound()
    return media_response(item)


def media_response(item: MediaFile) -> Response:
    """An uploaded image or PDF, served so that it can run nothing."""
    response = Response(item.data, mimetype=item.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    # Uploaded files run nothing, even opened on their own.
    media_policy = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response.headers["Content-Security-Policy"] = media_policy
    response.set_etag(item.sha256)
    if item.content_type == "application/pdf":
        response.headers["Content-Disposition"] = f'inline; filename="{item.name}"'
    return response.make_conditional(request)


@bp.get("/courses/<slug>/certificate.pdf")
@login_required
def certificate_pdf(slug: str) -> Response:
    course = _course_or_404(slug)
    certificate = queries.certificate_for(db.session, current_user.id, course.id)
    if certificate is None:
        raise NotFound(_("You have no certificate for this course yet."))
    pdf = render_certificate(
        certificate,
        verify_url=url_for("courses.verify", code=certificate.code, _external=True),
        federation=current_app.config["FEDERATION_NAME"],
        issued_on=format_date(certificate.issued_at),
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="giay-chung-nhan-{certificate.code}.pdf"'
    )
    return response


@bp.get("/verify")
def verify_form() -> Response | str:
    """Public: a box to type a code into (read off the paper, in any case, dashes or not)."""
    code = request.args.get("code", "", type=str).strip()[:40]
    if code:
        return redirect(url_for("courses.verify", code=queries.normalise_certificate_code(code)))
    return render_template("courses/verify.html", certificate=None, code="")


@bp.get("/verify/<code>")
def verify(code: str) -> tuple[str, int]:
    """Public: confirms a certificate by its code, showing only what is printed on it."""
    certificate = queries.certificate_by_code(db.session, code[:40])
    status = 200 if certificate else 404
    return render_template("courses/verify.html", certificate=certificate, code=code[:40]), status


@bp.get("/search")
@login_required
def search() -> str:
    text = request.args.get("q", "", type=str)[:200]
    hits = queries.search(db.session, text) if text.strip() else []
    return render_template("courses/search.html", q=text, hits=hits)
