"""The neutral question that GIFT, Aiken and Moodle XML are read into and written from.

It is Moodle's multichoice/truefalse data cut down to what this platform can grade (see
`learning/courses/schema.py`): single choice (partial credit allowed), multiple choice
with weights, true/false.
Weights are exact `Fraction`s, as in `learning/quizzes/grading.py`; Moodle stores them with
seven decimals (0.3333333), so they are snapped back to the nearest simple fraction on the
way in and 1/3 + 1/3 + 1/3 is exactly 1 again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal, NamedTuple

from learning.i18n import gettext as _

TextFormat = Literal["moodle", "html", "markdown", "plain"]
QuestionType = Literal["single", "multiple", "true_false"]

TEXT_FORMATS: tuple[TextFormat, ...] = ("moodle", "html", "markdown", "plain")

# PHP's trim() strips exactly these; Moodle trims every line, answer and text with it, so
# using Python's wider str.strip() would eat a non-breaking space Moodle keeps.
PHP_WHITESPACE = " \t\n\r\0\x0b"


def php_trim(text: str) -> str:
    """Strip the characters PHP's trim() strips, and no others."""
    return text.strip(PHP_WHITESPACE)


@dataclass(frozen=True)
class ExchangeChoice:
    """One answer of a choice question: its text, weight in -1..1, and optional feedback."""

    text: str
    fraction: Fraction
    feedback: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExchangeQuestion:
    """A question as every exchange format sees it.

    `single`: exactly one choice worth 1, the others 0 or negative. `multiple`: positive
    weights adding up to 1 (Moodle's "multiple answers allowed"), negative weights allowed.
    `true_false`: no choices; `true_false_answer` and the feedback shown for each response.
    `line` is where the question starts in the imported file; it is not compared, so a
    question read back from a dump equals the one that was written.
    """

    title: str | None = None
    text: str
    text_format: TextFormat = "moodle"
    type: QuestionType
    choices: list[ExchangeChoice] = field(default_factory=list)
    general_feedback: str | None = None
    tags: list[str] = field(default_factory=list)
    idnumber: str | None = None
    category: str | None = None
    true_false_answer: bool | None = None
    true_feedback: str | None = None
    false_feedback: str | None = None
    line: int = field(default=0, compare=False)
    # What the file gave for this question that the model has no field for (Moodle XML's
    # combined feedback, hints, embedded files, another grade...), said in the preview.
    not_carried: tuple[str, ...] = field(default=(), compare=False)


@dataclass
class ImportResult:
    """What a parser found: questions it accepted, and (line, reason) for everything else.

    `skipped` holds valid Moodle questions of a kind this platform cannot take (essay,
    numerical, ...); `errors` holds input that is wrong in itself (an unclosed brace).
    """

    questions: list[ExchangeQuestion] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


class Unfit(NamedTuple):
    """Why a Moodle multichoice question does not become a single or multiple question."""

    unsupported: bool  # True: valid in Moodle but not here (skip); False: broken (error)
    message: str


def classify_choices(choices: Sequence[ExchangeChoice], *, single: bool) -> QuestionType | Unfit:
    """Decide whether Moodle multichoice answers make a `single` or `multiple` question.

    `single` is Moodle's own flag (GIFT: an `=` answer is present; XML: `<single>`). The
    checks are those of Moodle's multichoice edit form: one answer at 100% for a one-answer
    question, positive grades adding up to 100% (rounded to 2 places) for a multi-answer one.
    """
    if len(choices) < 2:
        return Unfit(
            False,
            _("a choice question needs at least two answers, found %(count)d", count=len(choices)),
        )
    for choice in choices:
        if not -1 <= choice.fraction <= 1:
            return Unfit(
                False,
                _(
                    "the weight %(weight)s%% is not in -100..100",
                    weight=percent_text(choice.fraction),
                ),
            )
    fractions = [choice.fraction for choice in choices]
    if single:
        full = fractions.count(1)
        if full == 0:
            return Unfit(False, _("no answer is marked correct (=) or worth 100%"))
        if full > 1:
            return Unfit(
                True,
                _(
                    "multichoice: a one-answer question with several answers worth 100% "
                    "cannot be held here"
                ),
            )
        # Partial credit (an answer worth 50%) is kept: grading gives the chosen weight.
        return "single"
    positive = sum((f for f in fractions if f > 0), Fraction(0))
    if positive == 0:
        return Unfit(False, _("no answer has a positive weight"))
    if round(positive, 2) != 1:
        return Unfit(
            False,
            _(
                "the positive weights add up to %(total)s%%, not 100%%",
                total=percent_text(positive),
            ),
        )
    return "multiple"


# Fractions with a denominator up to 100 are at least 1e-4 apart, so a value written with
# seven decimals lands within 1e-6 of exactly one of them.
_SNAP_DENOMINATOR = 100
_SNAP_DISTANCE = Fraction(1, 10**6)


def fraction_from_percent(text: str) -> Fraction:
    """'33.33333' -> Fraction(1, 3); '-50' -> Fraction(-1, 2). ValueError if not a number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a number")
    # A weight is a percentage with a few decimals; a 1e999999 would cost minutes as a Fraction.
    if not value.is_zero() and not (
        -30 < value.adjusted() < 7 and len(value.as_tuple().digits) <= 30
    ):
        raise ValueError(f"'{text}' is not a percentage")
    exact = Fraction(value) / 100
    near = exact.limit_denominator(_SNAP_DENOMINATOR)
    return near if abs(exact - near) < _SNAP_DISTANCE else exact


def percent_text(fraction: Fraction) -> str:
    """Fraction(1, 3) -> '33.33333', as Moodle prints a weight (fraction to 7 places)."""
    value = (Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)).quantize(
        Decimal("0.00001")
    )
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")


def plain_text(text: str, text_format: TextFormat) -> str:
    """The text on one line, without HTML markup: for names and for one-line formats.

    HTML loses its tags and all runs of white space (they mean nothing in HTML); other
    formats only have each line break, with the spaces around it, turned into one space.
    """
    if text_format == "html":
        return php_trim(_SPACES.sub(" ", html.unescape(_TAG.sub(" ", text))))
    return php_trim(_LINE_BREAK.sub(" ", text))


def default_title(question: ExchangeQuestion) -> str:
    """A name made from the text, like Moodle's create_default_question_name (80 characters)."""
    text = plain_text(question.text, question.text_format)
    if len(text) <= 80:
        return text or "Question"
    cut = text[:77]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut + "..."
