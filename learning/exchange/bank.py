"""A question as the bank holds it, and its conversion from and to the exchange formats.

`BankQuestion` is what one row of `questions` with its current version and choices says:
the pure middle between the database (`services.py`) and GIFT, Aiken, Moodle XML and the
XLSX template. Moodle's formats have no place for a source, a difficulty, a lesson or the
all-or-nothing marking of this platform; they travel as tags with a prefix
(`source:blld-2019:Điều 25`, `difficulty:hard`, `lesson:bai-mot`, `scoring:all_or_nothing`),
which Moodle keeps as ordinary tags, so a bank exported and imported again loses nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

from learning.exchange.model import (
    ExchangeChoice,
    ExchangeQuestion,
    default_title,
    percent_text,
)
from learning.i18n import gettext as _
from learning.text import fold

# True/false questions are stored as two choices, "Đúng" first (courses/question_loading.py).
TRUE_LABEL, FALSE_LABEL = "Đúng", "Sai"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_KEY = 100
MAX_TAG = 50
MAX_ARTICLE = 300
MAX_CHOICES = 8
DIFFICULTIES = ("easy", "medium", "hard")
META_PREFIXES = ("source:", "difficulty:", "lesson:", "scoring:")


@dataclass(frozen=True)
class BankChoice:
    """`weight`: the exact weight in -1..1 an exchange file or author gave, or None when it
    follows from `correct` (`implied_weights`), as for every question written before."""

    text: str
    correct: bool
    feedback: str | None = None
    weight: Fraction | None = None


@dataclass(frozen=True, kw_only=True)
class BankQuestion:
    """A bank question's current content. `key` None: the importer makes one up."""

    key: str | None
    type: str  # single | multiple | true_false
    text: str
    choices: list[BankChoice]
    explanation: str = ""
    source_document: str = ""
    source_article: str = ""
    tags: list[str] = field(default_factory=list)
    difficulty: str = "medium"
    lesson: str | None = None  # a lesson slug
    scoring: str = "partial"  # multiple only: partial | all_or_nothing
    text_format: str = "plain"  # plain | markdown | html | moodle: how all its texts are written
    name: str | None = None  # GIFT ::Name:: / XML <name>; None: made from the text


@dataclass
class Converted:
    """One question read from a file: the question, or why not, and warnings."""

    line: int
    question: BankQuestion | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # A key the file gave (GIFT [id:], XML idnumber, XLSX column): taken or refused as is.
    explicit_key: bool = False
    # A name to make the key from when the file gave none (a GIFT or XML title).
    title: str | None = None


def clean_text(text: str | None) -> str:
    """NFC, without white space around it: how every imported text is stored."""
    return unicodedata.normalize("NFC", text or "").strip()


def slug_key(text: str) -> str:
    """A question key made from a title or a Moodle idnumber: 'Câu 1' -> 'cau-1'."""
    folded = fold(text)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:MAX_KEY].strip("-")


def tag_from_category(category: str | None) -> str | None:
    """A Moodle category as a tag: its last part ("$course$/top/Luật/Hợp đồng" -> "Hợp đồng"),
    unless that is one of Moodle's own names ("top", "$course$"), cut to the tag length."""
    if not category:
        return None
    parts = [clean_text(part) for part in category.split("/")]
    parts = [part for part in parts if part and part != "top" and not part.startswith("$")]
    return parts[-1][:MAX_TAG].strip() if parts else None


def implied_weights(kind: str, correct: list[bool]) -> list[Fraction]:
    """The weights a question without stored weights is graded with (learning/quizzes/
    grading.py): single 1 for the right choice and 0 for the others; multiple 1/(number
    right) for each right choice and -1/(number wrong) for each wrong one, which Moodle's
    "sum of the chosen, clamped to 0..1" turns into this platform's partial credit."""
    if kind == "single":
        return [Fraction(1 if ok else 0) for ok in correct]
    right = sum(correct)
    wrong = len(correct) - right
    return [
        Fraction(1, right) if ok else (Fraction(-1, wrong) if wrong else Fraction(0))
        for ok in correct
    ]


def from_exchange(question: ExchangeQuestion) -> Converted:
    """A question read by a format parser as a bank question, with what needs saying.

    Every field is kept as the file says it: texts in their format, the name, the weights
    (stored only when they differ from what `correct` implies, so that an old question
    exported and imported again is the same row), feedback, tags and the id as key."""
    result = Converted(question.line, None, title=question.title)
    tags, meta = _split_tags(question)
    document, _, article = meta.get("source", "").partition(":")
    difficulty = meta.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        result.errors.append(
            _("unknown difficulty '%(value)s' (easy, medium or hard)", value=difficulty)
        )
    scoring = meta.get("scoring", "partial")
    if scoring not in ("partial", "all_or_nothing"):
        result.errors.append(
            _("unknown scoring '%(value)s' (partial or all_or_nothing)", value=scoring)
        )
    key = _key_of(question, result)
    name = clean_text(question.title) or None
    if name is not None and name == clean_text(default_title(question)):
        name = None  # what an export makes from the text anyway
    result.question = BankQuestion(
        key=key,
        type=question.type,
        text=_text_of(question.text),
        choices=_choices_of(question),
        explanation=_text_of(question.general_feedback),
        source_document=clean_text(document),
        source_article=clean_text(article),
        tags=[tag for tag in tags if tag],
        difficulty=difficulty,
        lesson=meta.get("lesson") or None,
        scoring=scoring if question.type == "multiple" else "partial",
        text_format=question.text_format,
        name=name,
    )
    result.warnings.extend(_not_kept(question, result.question))
    return result


def _text_of(value: str | None) -> str:
    return clean_text(value) if value is not None else ""


def _split_tags(question: ExchangeQuestion) -> tuple[list[str], dict[str, str]]:
    """The question's ordinary tags (its Moodle category's last part among them) and the
    values of its prefixed ones (source, difficulty, lesson, scoring) by name."""
    tags: list[str] = []
    meta: dict[str, str] = {}
    for tag in question.tags:
        prefix = next((p for p in META_PREFIXES if tag.startswith(p)), None)
        if prefix is None:
            tags.append(clean_text(tag))
        else:
            meta[prefix[:-1]] = clean_text(tag[len(prefix) :])
    category_tag = tag_from_category(question.category)
    if category_tag and category_tag not in tags:
        tags.append(category_tag)
    return tags, meta


def _choices_of(question: ExchangeQuestion) -> list[BankChoice]:
    """The bank's choices: Đúng and Sai for a true/false question; otherwise the file's,
    with their weights only where they differ from those `correct` implies."""
    if question.type == "true_false":
        answer = bool(question.true_false_answer)
        return [
            BankChoice(TRUE_LABEL, answer, _text_of(question.true_feedback) or None),
            BankChoice(FALSE_LABEL, not answer, _text_of(question.false_feedback) or None),
        ]
    fractions = [c.fraction for c in question.choices]
    correct = [f == 1 if question.type == "single" else f > 0 for f in fractions]
    explicit = fractions != implied_weights(question.type, correct)
    return [
        BankChoice(
            _text_of(c.text), ok, _text_of(c.feedback) or None, c.fraction if explicit else None
        )
        for c, ok in zip(question.choices, correct, strict=True)
    ]


def _key_of(question: ExchangeQuestion, result: Converted) -> str | None:
    """The key made from the file's id (an error where none can be made, a warning where it
    had to change); None when the file gave no id."""
    if not question.idnumber:
        return None
    result.explicit_key = True
    key = question.idnumber if KEY_PATTERN.match(question.idnumber) else None
    key = (key or slug_key(question.idnumber))[:MAX_KEY] or None
    if key is None:
        result.errors.append(_("the id '%(id)s' cannot be made into a key", id=question.idnumber))
    elif key != question.idnumber:
        result.warnings.append(
            _(
                "the id '%(id)s' is kept as the key '%(key)s' (letters, digits, . _ - "
                "only, at most %(max)d characters)",
                id=question.idnumber,
                key=key,
                max=MAX_KEY,
            )
        )
    return key


def _not_kept(question: ExchangeQuestion, bank: BankQuestion) -> list[str]:
    """What the file says that the bank cannot hold as such, said in the preview rather
    than changed silently: a Moodle category (kept as a tag), and anything a bank question
    would give back differently when exported (checked field by field, so that a later
    limit of the bank is named here too)."""
    notes: list[str] = list(question.not_carried)
    category_tag = tag_from_category(question.category)
    if category_tag:
        notes.append(
            _(
                "the category '%(category)s' is kept as the tag '%(tag)s'",
                category=question.category,
                tag=category_tag,
            )
        )
    back = to_exchange(bank)
    if question.type != "true_false":
        given = [c.fraction for c in question.choices]
        kept = [c.fraction for c in back.choices]
        if kept != given:
            notes.append(
                _(
                    "the weights %(given)s cannot be kept: this platform marks the choices "
                    "as %(kept)s",
                    given=", ".join(percent_text(f) + "%" for f in given),
                    kept=", ".join(percent_text(f) + "%" for f in kept),
                )
            )
    if back.text_format != question.text_format:
        notes.append(
            _(
                "the text format %(given)s is stored as %(kept)s",
                given=question.text_format,
                kept=back.text_format,
            )
        )
    title = clean_text(question.title) or None
    if title and (back.title or clean_text(default_title(back))) != title:
        notes.append(_("the question name '%(name)s' is not kept (the key is)", name=title))
    return notes


def to_exchange(question: BankQuestion) -> ExchangeQuestion:
    """A bank question for the format writers: its texts in their format, its name, its
    weights (stored, or implied by the right answers), the key as idnumber, and source,
    difficulty, lesson and all-or-nothing marking as prefixed tags."""
    tags = list(question.tags)
    if question.source_document or question.source_article:
        tags.append(f"source:{question.source_document}:{question.source_article}")
    if question.difficulty != "medium":
        tags.append(f"difficulty:{question.difficulty}")
    if question.lesson:
        tags.append(f"lesson:{question.lesson}")
    if question.type == "multiple" and question.scoring != "partial":
        tags.append(f"scoring:{question.scoring}")
    common = {
        "title": question.name,
        "text": question.text,
        "text_format": question.text_format,
        "general_feedback": question.explanation or None,
        "tags": tags,
        "idnumber": question.key,
    }
    if question.type == "true_false":
        by_label = {choice.text: choice for choice in question.choices}
        true = by_label.get(TRUE_LABEL) or question.choices[0]
        false = by_label.get(FALSE_LABEL) or question.choices[-1]
        return ExchangeQuestion(
            type="true_false",
            true_false_answer=true.correct,
            true_feedback=true.feedback,
            false_feedback=false.feedback,
            **common,  # type: ignore[arg-type]
        )
    implied = implied_weights(question.type, [c.correct for c in question.choices])
    return ExchangeQuestion(
        type="single" if question.type == "single" else "multiple",
        choices=[
            ExchangeChoice(c.text, c.weight if c.weight is not None else w, c.feedback)
            for c, w in zip(question.choices, implied, strict=True)
        ],
        **common,  # type: ignore[arg-type]
    )


def check_shape(question: BankQuestion) -> list[str]:
    """What makes a question unfit for the bank whatever the course (the rules of
    courses/schema.py's QuestionSpec), as messages."""
    problems: list[str] = []
    if not question.text:
        problems.append(_("the question has no text"))
    if question.type != "true_false":
        count = len(question.choices)
        if not 2 <= count <= MAX_CHOICES:
            problems.append(
                _(
                    "a choice question needs 2 to %(max)d choices, not %(count)d",
                    max=MAX_CHOICES,
                    count=count,
                )
            )
        if any(not choice.text for choice in question.choices):
            problems.append(_("a choice has no text"))
        texts = [choice.text for choice in question.choices]
        if len(set(texts)) != len(texts):
            problems.append(_("two choices have the same text"))
        right = sum(choice.correct for choice in question.choices)
        if question.type == "single" and right != 1:
            problems.append(
                _(
                    "a single-choice question needs exactly one right answer, not %(count)d",
                    count=right,
                )
            )
        if question.type == "multiple" and right < 1:
            problems.append(_("a multiple-choice question needs at least one right answer"))
    for tag in question.tags:
        if len(tag) > MAX_TAG:
            problems.append(
                _(
                    "the tag '%(tag)s…' is longer than %(max)d characters",
                    tag=tag[:20],
                    max=MAX_TAG,
                )
            )
    if len(question.source_article) > MAX_ARTICLE:
        problems.append(_("the article is longer than %(max)d characters", max=MAX_ARTICLE))
    return problems
