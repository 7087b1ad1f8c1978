"""Reading an attempt page's form: which questions it showed, what was chosen, at which
revision. Field names carry only positions inside the attempt, never database ids."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from learning.quizzes.errors import InvalidAnswer
from learning.quizzes.services import Answer

MAX_QUESTIONS_PER_POST = 200


def _number(text: str | None, *, upper: int = 10_000) -> int:
    if text is None or not text.isdigit() or len(text) > 6:
        raise InvalidAnswer()
    value = int(text)
    if not 0 <= value <= upper:
        raise InvalidAnswer()
    return value


def parse_answers(form: MultiDict[str, str]) -> list[Answer]:
    """The answers a page sent: for every position listed in `shown`, the chosen display
    positions (`answer-N`, several for a multiple-choice question) and `revision-N`."""
    shown = form.getlist("shown")
    if len(shown) > MAX_QUESTIONS_PER_POST:
        raise InvalidAnswer()
    answers = []
    for raw in shown:
        position = _number(raw)
        chosen = tuple(_number(value, upper=50) for value in form.getlist(f"answer-{position}"))
        revision = _number(form.get(f"revision-{position}"), upper=10**6)
        answers.append(Answer(position=position, choices=chosen, revision=revision))
    return answers
