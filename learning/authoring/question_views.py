"""Authoring pages for the question bank: filters and bulk actions, a question's form (with
weights as Moodle writes them), review steps and history."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.authoring import bulk as bulk_writes
from learning.authoring import queries
from learning.authoring import questions as question_writes
from learning.authoring.blueprint import (
    add_step_route,
    bp,
    get_or_404,
    history_page,
    item_page,
)
from learning.authoring.forms import (
    DIFFICULTIES,
    MAX_CHOICES,
    QUESTION_TYPES,
    STATUSES,
    QuestionForm,
    StepForm,
)
from learning.courses.models import (
    ContentStatus,
    Course,
    Difficulty,
    Question,
    QuestionType,
    Scoring,
)
from learning.errors import InvalidInput, NotFound
from learning.exchange.model import percent_text
from learning.i18n import gettext as _
from learning.text import nfc


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
    kind = question_writes.QUESTIONS
    values = {"course": course, "question": question, "form": form}
    return item_page("authoring/question.html", kind, question, status, **values)


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
    return get_or_404(Course, course_id)


@bp.get("/questions/new")
def new_question() -> tuple[str, int]:
    course = _course_arg()
    return _question_page(course, None, _question_form(course, None))


@bp.post("/questions/new")
def create_question() -> Response | tuple[str, int]:
    return _save_question(_course_arg(), None)


@bp.get("/questions/<int:question_id>")
def question(question_id: int) -> tuple[str, int]:
    question = get_or_404(Question, question_id)
    course = get_or_404(Course, question.course_id)
    return _question_page(course, question, _question_form(course, question))


@bp.post("/questions/<int:question_id>")
def update_question(question_id: int) -> Response | tuple[str, int]:
    question = get_or_404(Question, question_id)
    return _save_question(get_or_404(Course, question.course_id), question)


@bp.get("/questions/<int:question_id>/history")
def question_history(question_id: int) -> str:
    question = get_or_404(Question, question_id)
    versions = queries.question_history(db.session, question)
    return history_page("question", question.id, question.key, versions)


add_step_route("question", Question, question_writes.QUESTIONS)
