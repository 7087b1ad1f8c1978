"""Authoring forms: course, quiz settings, lesson (with preview), question, media, bulk actions."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from learning.forms import TOO_LONG, Form
from learning.forms import choices as options
from learning.i18n import lazy_gettext as _l

# As many as a course file allows (learning/courses/schema.py).
MAX_CHOICES = 8

QUESTION_TYPES = [
    ("single", _l("One right answer")),
    ("multiple", _l("Several right answers")),
    ("true_false", _l("True / false")),
]
DIFFICULTIES = [("easy", _l("Easy")), ("medium", _l("Medium")), ("hard", _l("Hard"))]
SCORINGS = [("partial", _l("Partial credit")), ("all_or_nothing", _l("All or nothing"))]
GRADING_METHODS = [
    ("highest", _l("Highest attempt")),
    ("last", _l("Last attempt")),
    ("first", _l("First attempt")),
    ("average", _l("Average of attempts")),
]
STATUSES = [
    ("draft", _l("Draft")),
    ("in_review", _l("In review")),
    ("published", _l("Published")),
    ("archived", _l("Archived")),
]


class CourseForm(Form):
    slug = StringField(
        _l("Address (letters, digits, hyphens)"), [Optional(), Length(max=80, message=TOO_LONG)]
    )
    title = StringField(_l("Title"), [DataRequired(), Length(max=300, message=TOO_LONG)])
    summary = TextAreaField(_l("Summary"), [Optional(), Length(max=2000, message=TOO_LONG)])


class QuizSettingsForm(Form):
    question_count = IntegerField(_l("Number of questions"), [DataRequired(), NumberRange(1, 200)])
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"), [DataRequired(), NumberRange(1, 600)]
    )
    pass_percent = IntegerField(_l("Pass mark (%)"), [DataRequired(), NumberRange(1, 100)])
    attempts_allowed = IntegerField(
        _l("Attempts allowed (0: no limit)"), [Optional(), NumberRange(0, 100)], default=0
    )
    grading_method = SelectField(_l("Grade"), choices=options(GRADING_METHODS))


class LessonForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(max=300, message=TOO_LONG)])
    body = TextAreaField(
        _l("Text (Markdown)"), [DataRequired(), Length(max=200_000, message=TOO_LONG)]
    )
    sources = TextAreaField(
        _l("Sources cited, one per line: document | section"),
        [Optional(), Length(max=5000, message=TOO_LONG)],
    )
    is_required = BooleanField(_l("Required lesson"), default=True)


class ChoiceForm(SubForm):
    """One answer option (a sub-form: the page's one CSRF token covers it)."""

    text = StringField(_l("Choice"), [Optional(), Length(max=1000, message=TOO_LONG)])
    is_correct = BooleanField(_l("Right answer"))
    feedback = StringField(
        _l("Feedback for this choice"), [Optional(), Length(max=1000, message=TOO_LONG)]
    )
    # Moodle's answer grade as a percentage (100, 50, -33.33333); blank: from the right answer.
    weight = StringField(_l("Weight (%, optional)"), [Optional(), Length(max=20, message=TOO_LONG)])


TEXT_FORMATS = [
    ("plain", _l("Plain text")),
    ("markdown", "Markdown"),
    ("html", "HTML"),
    ("moodle", _l("Moodle auto-format")),
]


class QuestionForm(Form):
    lesson = SelectField(_l("Lesson"), coerce=int)
    type = SelectField(_l("Type"), choices=options(QUESTION_TYPES))
    name = StringField(
        _l("Question name (optional)"), [Optional(), Length(max=255, message=TOO_LONG)]
    )
    text = TextAreaField(_l("Question"), [DataRequired(), Length(max=4000, message=TOO_LONG)])
    text_format = SelectField(_l("Text format"), choices=options(TEXT_FORMATS), default="plain")
    choices = FieldList(FormField(ChoiceForm), min_entries=MAX_CHOICES, max_entries=MAX_CHOICES)
    true_answer = SelectField(
        _l("Answer of a true/false question"),
        choices=options([("", "—"), ("true", "Đúng"), ("false", "Sai")]),
    )
    scoring = SelectField(_l("Scoring of several right answers"), choices=options(SCORINGS))
    explanation = TextAreaField(
        _l("Explanation shown after answering"), [Optional(), Length(max=4000, message=TOO_LONG)]
    )
    source_document = StringField(
        _l("Source document"), [Optional(), Length(max=100, message=TOO_LONG)]
    )
    source_article = StringField(
        _l("Article or section"), [Optional(), Length(max=300, message=TOO_LONG)]
    )
    difficulty = SelectField(_l("Difficulty"), choices=options(DIFFICULTIES), default="medium")
    tags = StringField(
        _l("Tags, separated by commas"), [Optional(), Length(max=500, message=TOO_LONG)]
    )


class MediaForm(Form):
    file = FileField(_l("Image (PNG, JPEG, WebP) or PDF, at most 5 MiB"), [FileRequired()])


class StepForm(Form):
    """A workflow step (submit, approve, return, retire) with an optional comment."""

    step = HiddenField()
    comment = StringField(
        _l("Reason (when sending back)"), [Optional(), Length(max=500, message=TOO_LONG)]
    )


class ReviewedForm(Form):
    """Mark a lesson or question as reviewed against its changed sources (a button: the
    form only carries the CSRF token)."""
