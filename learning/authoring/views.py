"""Authoring pages under /admin: courses, lessons with a preview that needs no JavaScript,
the question bank with filters and bulk actions, review steps and history, and the content
to review after a cited document changed ("Cần rà soát"). Admins only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.auth.scope import admins_only
from learning.authoring import bulk as bulk_writes
from learning.authoring import courses as course_writes
from learning.authoring import lessons as lesson_writes
from learning.authoring import media as media_writes
from learning.authoring import queries, workflow
from learning.authoring import questions as question_writes
from learning.authoring.forms import (
    DIFFICULTIES,
    MAX_CHOICES,
    QUESTION_TYPES,
    STATUSES,
    CourseForm,
    LessonForm,
    MediaForm,
    QuestionForm,
    QuizSettingsForm,
    ReviewedForm,
    StepForm,
)
from learning.courses import queries as course_queries
from learning.courses.markdown import render_markdown
from learning.courses.models import (
    ContentStatus,
    Course,
    Difficulty,
    Lesson,
    Question,
    QuestionType,
    Scoring,
)
from learning.courses.register import mark_reviewed
from learning.courses.views import media_response
from learning.errors import InvalidInput, NotFound
from learning.exchange.model import (
    percent_text,
)
from learning.i18n import gettext as _
from learning.i18n import lazy_gettext as _l
from learning.text import nfc

bp = Blueprint("authoring", __name__, url_prefix="/admin")


bp.before_request(admins_only)  # authoring is for admins only


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_labels": dict(STATUSES),
        "type_labels": dict(QUESTION_TYPES),
        "difficulty_labels": dict(DIFFICULTIES),
    }


# What each review step did, said after it (the bare "Done." left people guessing).
STEP_DONE = {
    "submit": _l("Sent to review."),
    "approve": _l("Approved and published."),
    "return": _l("Sent back to draft."),
    "retire": _l("Retired (archived)."),
}


def _four_eyes() -> bool:
    return bool(current_app.config["AUTHORING_FOUR_EYES"])


def _get(model: type, object_id: int) -> Any:
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound()
    return found


# --- courses -------------------------------------------------------------------------------


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
            current_user, course.edited_by_id, course, four_eyes=_four_eyes()
        ),
    )
    return page, status


@bp.get("/courses/<int:course_id>")
def course(course_id: int) -> tuple[str, int]:
    return _course_page(_get(Course, course_id))


@bp.post("/courses/<int:course_id>")
def update_course(course_id: int) -> Response | tuple[str, int]:
    course = _get(Course, course_id)
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
    course = _get(Course, course_id)
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
    course = _get(Course, course_id)
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
    version = queries.media_version(db.session, _get(Course, course_id).id, version_id)
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
    media_writes.approve_media(db.session, current_user, version, four_eyes=_four_eyes())
    db.session.commit()
    flash(_("Approved: workers get the new file."), "success")
    return redirect(url_for("authoring.course", course_id=course_id))


@bp.post("/courses/<int:course_id>/step")
def course_step(course_id: int) -> Response:
    course = _get(Course, course_id)
    form = StepForm()
    if not form.validate():
        raise InvalidInput()
    course_writes.course_step(
        db.session, current_user, course, form.step.data or "", four_eyes=_four_eyes()
    )
    db.session.commit()
    flash(str(STEP_DONE[form.step.data or ""]), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


# --- lessons -------------------------------------------------------------------------------


def _lesson_page(
    course: Course, lesson: Lesson | None, form: LessonForm, preview: str | None, status: int
) -> tuple[str, int]:
    working = lesson_writes.lesson_working_version(db.session, lesson) if lesson else None
    page = render_template(
        "authoring/lesson.html",
        course=course,
        lesson=lesson,
        form=form,
        preview=preview,
        state=lesson_writes.LESSONS.state(lesson, working) if lesson else None,
        working=working,
        step_form=StepForm(),
        can_approve=lesson_writes.LESSONS.may_approve(
            current_user, working, four_eyes=_four_eyes()
        ),
    )
    return page, status


def _with_admin_media(html: str, course: Course) -> str:
    """The preview's `media/<name>` links, which a worker's lesson page resolves next to
    itself, pointed at the course's media as admins see them from any page."""
    base = url_for("authoring.media", course_id=course.id, name="")
    return html.replace('src="media/', f'src="{base}').replace('href="media/', f'href="{base}')


@bp.get("/courses/<int:course_id>/media/<name>")
def media(course_id: int, name: str) -> Response:
    """A course's uploaded file, for the preview (whatever the course's state)."""
    item = course_queries.media_file(db.session, _get(Course, course_id).id, name)
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
    return _lesson_page(_get(Course, course_id), None, LessonForm(), None, 200)


@bp.post("/courses/<int:course_id>/lessons/new")
def create_lesson(course_id: int) -> Response | tuple[str, int]:
    return _save_lesson(_get(Course, course_id), None)


@bp.get("/lessons/<int:lesson_id>")
def lesson(lesson_id: int) -> tuple[str, int]:
    lesson = _get(Lesson, lesson_id)
    form = LessonForm(data=_lesson_form_data(lesson))
    return _lesson_page(lesson.course, lesson, form, None, 200)


@bp.post("/lessons/<int:lesson_id>")
def update_lesson(lesson_id: int) -> Response | tuple[str, int]:
    lesson = _get(Lesson, lesson_id)
    return _save_lesson(lesson.course, lesson)


@bp.post("/lessons/<int:lesson_id>/step")
def lesson_step(lesson_id: int) -> Response:
    lesson = _get(Lesson, lesson_id)
    _review_step(lesson_writes.LESSONS, lesson)
    return redirect(url_for("authoring.lesson", lesson_id=lesson.id))


def _review_step(kind: workflow.Workflow[Any, Any], item: Lesson | Question) -> None:
    """Apply the review step the form names (submit, approve, return, retire) to a lesson or
    a question through its workflow, and commit."""
    form = StepForm()
    if not form.validate():
        raise InvalidInput()
    step = form.step.data
    if step == "submit":
        kind.submit(db.session, current_user, item)
    elif step == "approve":
        kind.approve(db.session, current_user, item, four_eyes=_four_eyes())
    elif step == "return":
        kind.send_back(db.session, current_user, item, form.comment.data or "")
    elif step == "retire":
        kind.retire(db.session, current_user, item)
    else:
        raise workflow.WrongState()
    db.session.commit()
    flash(str(STEP_DONE[step]), "success")


@bp.post("/lessons/<int:lesson_id>/move")
def move_lesson(lesson_id: int) -> Response:
    lesson = _get(Lesson, lesson_id)
    lesson_writes.move_lesson(
        db.session, current_user, lesson, -1 if request.form.get("to") == "up" else 1
    )
    db.session.commit()
    return redirect(url_for("authoring.course", course_id=lesson.course_id))


@bp.get("/lessons/<int:lesson_id>/history")
def lesson_history(lesson_id: int) -> str:
    lesson = _get(Lesson, lesson_id)
    return render_template(
        "authoring/history.html",
        title=lesson.title,
        back=url_for("authoring.lesson", lesson_id=lesson.id),
        versions=queries.lesson_history(db.session, lesson),
        events=queries.events(db.session, "lesson", lesson.id),
    )


# --- questions -----------------------------------------------------------------------------


def _choice(value: str | None, allowed: list[tuple[str, Any]]) -> str:
    return value if value in {key for key, _label in allowed} else ""


def _filters() -> queries.BankFilters:
    args = request.args
    return queries.BankFilters(
        course_id=args.get("course", type=int),
        lesson_id=args.get("lesson", type=int),
        tag=args.get("tag", "")[:50],
        difficulty=_choice(args.get("difficulty"), DIFFICULTIES),
        type=_choice(args.get("type"), QUESTION_TYPES),
        status=_choice(args.get("status"), STATUSES),
        text=args.get("q", "")[:200],
    )


@bp.get("/questions")
def bank() -> str:
    filters = _filters()
    all_courses = queries.all_courses(db.session)
    lessons = (
        [lesson for lesson, _state in queries.course_lessons(db.session, filters.course_id)]
        if filters.course_id
        else []
    )
    found = queries.bank(db.session, filters, page=request.args.get("page", 1, type=int))
    # The page links keep the filters as they were given.
    filter_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "authoring/bank.html",
        filters=filters,
        found=found,
        rows=found.rows,
        filter_args=filter_args,
        courses=all_courses,
        lessons=lessons,
        tags=queries.bank_tags(db.session),
        difficulties=DIFFICULTIES,
        types=QUESTION_TYPES,
        statuses=STATUSES,
        step_form=StepForm(),
    )


@bp.post("/questions/bulk")
def bulk() -> Response:
    form = StepForm()  # the CSRF token; the rest are plain form values
    if not form.validate():
        raise InvalidInput()
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()][:500]
    action = request.form.get("action")
    if action == "tag":
        count = bulk_writes.bulk_add_tag(db.session, current_user, ids, request.form.get("tag", ""))
    elif action == "move":
        lesson_id = request.form.get("lesson", "")
        if not lesson_id.isdigit():
            raise InvalidInput(_("Choose the lesson to move the questions to."))
        count = bulk_writes.bulk_move(db.session, current_user, ids, int(lesson_id))
    elif action == "retire":
        count = bulk_writes.bulk_retire(db.session, current_user, ids)
    else:
        raise InvalidInput(_("Choose what to do with the ticked questions."))
    db.session.commit()
    flash(_("%(count)d questions changed.", count=count), "success")
    back = request.form.get("back", "")
    if not back.startswith("/admin/questions") or back.startswith("//"):
        back = url_for("authoring.bank")
    return redirect(back)


def _question_form(course: Course, question: Question | None, formdata: Any = None) -> QuestionForm:
    data: dict[str, Any] = {}
    if question is not None and formdata is None:
        working = question_writes.working_version(db.session, question)
        data = {
            "lesson": question.lesson_id or 0,
            "type": working.type.value,
            "text": working.text,
            "text_format": working.text_format,
            "name": working.name or "",
            "explanation": working.explanation,
            "source_document": working.source_document,
            "source_article": working.source_article,
            "scoring": working.scoring.value,
            "difficulty": question.difficulty.value,
            "tags": ", ".join(question.tags or []),
            "choices": [
                {
                    "text": c.text,
                    "is_correct": c.is_correct,
                    "feedback": c.feedback or "",
                    "weight": percent_text(c.weight) if c.weight is not None else "",
                }
                for c in working.choices[:MAX_CHOICES]
            ],
        }
        if working.type is QuestionType.TRUE_FALSE:
            right = [c for c in working.choices if c.is_correct]
            data["true_answer"] = (
                "" if not right else ("true" if right[0].position == 1 else "false")
            )
            data["choices"] = []
    form = QuestionForm(formdata=formdata, data=data) if data else QuestionForm(formdata=formdata)
    form.lesson.choices = [(0, "—")] + [
        (lesson.id, lesson.title)
        for lesson, state in queries.course_lessons(db.session, course.id)
        if state is not ContentStatus.ARCHIVED
    ]
    return form


def _question_page(
    course: Course, question: Question | None, form: QuestionForm, status: int = 200
) -> tuple[str, int]:
    working = question_writes.working_version(db.session, question) if question else None
    page = render_template(
        "authoring/question.html",
        course=course,
        question=question,
        working=working,
        state=question_writes.QUESTIONS.state(question, working) if question and working else None,
        problems=question_writes.review_problems(working) if working else [],
        form=form,
        step_form=StepForm(),
        can_approve=question_writes.QUESTIONS.may_approve(
            current_user, working, four_eyes=_four_eyes()
        ),
    )
    return page, status


def _save_question(course: Course, question: Question | None) -> Response | tuple[str, int]:
    if (
        question is not None
        and len(question_writes.working_version(db.session, question).choices) > MAX_CHOICES
    ):
        # The form would silently drop the choices it has no row for.
        raise InvalidInput(
            _("This question has more choices than the form holds (%(n)d).", n=MAX_CHOICES)
        )
    form = _question_form(course, question, request.form)
    if not form.validate():
        return _question_page(course, question, form, 400)
    kind = QuestionType(form.type.data)
    draft = question_writes.QuestionDraft(
        type=kind,
        text=form.text.data.strip(),
        choices=question_writes.weighted_choices(
            kind,
            [
                question_writes.ChoiceDraft(
                    (entry.text.data or "").strip(),
                    bool(entry.is_correct.data),
                    (entry.feedback.data or "").strip(),
                )
                for entry in form.choices
            ],
            [(entry.weight.data or "").strip() for entry in form.choices],
        ),
        text_format=form.text_format.data or "plain",
        name=nfc((form.name.data or "").strip()) or None,
        explanation=(form.explanation.data or "").strip(),
        source_document=form.source_document.data or "",
        source_article=form.source_article.data or "",
        scoring=Scoring(form.scoring.data),
        difficulty=Difficulty(form.difficulty.data),
        tags=(form.tags.data or "").split(","),
        lesson_id=form.lesson.data or None,
        true_answer={"true": True, "false": False}.get(form.true_answer.data or ""),
    )
    question = question_writes.save_question(db.session, current_user, course, question, draft)
    db.session.commit()
    flash(_("Saved as a draft version."), "success")
    return redirect(url_for("authoring.question", question_id=question.id))


def _course_arg() -> Course:
    course_id = request.args.get("course", type=int)
    if course_id is None:
        raise NotFound()
    return _get(Course, course_id)


@bp.get("/questions/new")
def new_question() -> tuple[str, int]:
    course = _course_arg()
    return _question_page(course, None, _question_form(course, None))


@bp.post("/questions/new")
def create_question() -> Response | tuple[str, int]:
    return _save_question(_course_arg(), None)


@bp.get("/questions/<int:question_id>")
def question(question_id: int) -> tuple[str, int]:
    question = _get(Question, question_id)
    course = _get(Course, question.course_id)
    return _question_page(course, question, _question_form(course, question))


@bp.post("/questions/<int:question_id>")
def update_question(question_id: int) -> Response | tuple[str, int]:
    question = _get(Question, question_id)
    return _save_question(_get(Course, question.course_id), question)


@bp.post("/questions/<int:question_id>/step")
def question_step(question_id: int) -> Response:
    question = _get(Question, question_id)
    _review_step(question_writes.QUESTIONS, question)
    return redirect(url_for("authoring.question", question_id=question.id))


@bp.get("/questions/<int:question_id>/history")
def question_history(question_id: int) -> str:
    question = _get(Question, question_id)
    return render_template(
        "authoring/history.html",
        title=question.key,
        back=url_for("authoring.question", question_id=question.id),
        versions=queries.question_history(db.session, question),
        events=queries.events(db.session, "question", question.id),
    )


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
    return _mark_reviewed(_get(Lesson, lesson_id))


@bp.post("/review/questions/<int:question_id>")
def mark_question_reviewed(question_id: int) -> Response:
    return _mark_reviewed(_get(Question, question_id))


def _mark_reviewed(item: Lesson | Question) -> Response:
    if not ReviewedForm().validate():
        raise InvalidInput()
    mark_reviewed(db.session, current_user, item)
    db.session.commit()
    flash(_("Marked as reviewed."), "success")
    return redirect(url_for("authoring.review"))
