"""The schema of the course files (courses/README.md), and YAML reading with line numbers.

Pydantic models describe each file; `load_yaml` keeps the line of every key and list item so
that an error says where it is: `questions.yaml:412: questions[37].choices: ...`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

Path = tuple[str | int, ...]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SourceSpec(Strict):
    """A document as a course shows it: the register's entry under the key the course uses
    (built by the loader from `courses/sources.yaml`, not written in course files)."""

    key: Slug
    title: ShortText
    number: ShortText
    issuer: ShortText
    issued_on: dt.date
    in_force_on: dt.date | None = None
    note: Text | None = None


class LessonSourceRef(Strict):
    document: Slug
    section: ShortText


class LessonSpec(Strict):
    slug: Slug
    title: ShortText
    file: Annotated[str, StringConstraints(pattern=r"^lessons/[A-Za-z0-9._-]+\.md$")]
    required: bool = True
    sources: list[LessonSourceRef] = Field(min_length=1)

    @model_validator(mode="after")
    def _slug_is_not_reserved(self) -> LessonSpec:
        if self.slug == "media":
            raise ValueError("'media' is reserved for lesson files; choose another slug")
        return self


class FinalQuizSpec(Strict):
    question_count: int = Field(ge=1, le=200)
    time_limit_minutes: int = Field(ge=1, le=600)
    pass_percent: int = Field(ge=0, le=100)
    attempts_allowed: int = Field(default=0, ge=0, le=100)
    grading_method: Literal["highest", "last", "first", "average"] = "highest"


class CourseSpec(Strict):
    slug: Slug
    title: ShortText
    summary: Text
    # Keys of the register (courses/sources.yaml): the documents this course cites.
    sources: list[Slug] = Field(min_length=1)
    lessons: list[LessonSpec] = Field(min_length=1)
    final_quiz: FinalQuizSpec
    # true: a bank kept for contests (no course quizzes, not shown to workers)
    contest_bank: bool = False

    @field_validator("sources", mode="before")
    @classmethod
    def _keys_not_documents(cls, value: Any) -> Any:
        # Course files written before the register described each document inline.
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    raise ValueError(
                        f"write the register key only (e.g. '{item.get('key', 'blld-2019')}'); "
                        "the document itself is described in courses/sources.yaml"
                    )
        return value


class ChoiceSpec(Strict):
    text: Text
    correct: bool = False
    feedback: Text | None = None


class QuestionSourceRef(Strict):
    document: Slug
    article: ShortText


class QuestionSpec(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)]
    lesson: Slug
    type: Literal["single", "multiple", "true_false"]
    difficulty: Literal["easy", "medium", "hard"]
    text: Text
    choices: list[ChoiceSpec] | None = None
    answer: bool | None = None
    scoring: Literal["partial", "all_or_nothing"] | None = None
    explanation: Text
    source: QuestionSourceRef
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] = []

    @model_validator(mode="after")
    def _shape_fits_type(self) -> QuestionSpec:
        if self.type == "true_false":
            if self.answer is None:
                raise ValueError("a true_false question needs 'answer: true' or 'answer: false'")
            if self.choices is not None:
                raise ValueError("a true_false question has 'answer', not 'choices'")
            if self.scoring is not None:
                raise ValueError("'scoring' applies to multiple-choice questions only")
            return self
        if self.answer is not None:
            raise ValueError(f"a {self.type} question has 'choices', not 'answer'")
        if not self.choices or not 2 <= len(self.choices) <= 8:
            raise ValueError("a choice question needs 2 to 8 choices")
        correct = sum(choice.correct for choice in self.choices)
        if self.type == "single" and correct != 1:
            raise ValueError(
                f"a single-choice question needs exactly one correct choice, not {correct}"
            )
        if self.type == "multiple" and correct < 1:
            raise ValueError("a multiple-choice question needs at least one correct choice")
        if self.type == "single" and self.scoring is not None:
            raise ValueError("'scoring' applies to multiple-choice questions only")
        texts = [choice.text for choice in self.choices]
        if len(set(texts)) != len(texts):
            raise ValueError("two choices have the same text")
        return self


class QuestionBankSpec(Strict):
    questions: list[QuestionSpec] = Field(min_length=1)


@dataclass(frozen=True)
class ContentError:
    """One problem in a content file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML safely; return the data and the 1-based line of every key and item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise YamlProblem(
            mark.line + 1 if mark else None, f"not valid YAML: {error.problem}"
        ) from None
    if node is None:
        raise YamlProblem(None, "the file is empty")
    lines: dict[Path, int] = {}
    _index(node, (), lines)
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise YamlProblem(mark.line + 1 if mark else None, str(error.problem)) from None
    finally:
        loader.dispose()
    return data, lines


def _index(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise YamlProblem(key_node.start_mark.line + 1, f"the key '{key}' appears twice")
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def describe_path(path: Path) -> str:
    """('questions', 3, 'choices') -> 'questions[3].choices'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(
    model: type[BaseModel], data: Any, lines: dict[Path, int], file: str
) -> tuple[Any, list[ContentError]]:
    """Validate `data` against `model`; errors carry the file and line."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data), []
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = tuple(p for p in item["loc"] if isinstance(p, str | int))
            where = describe_path(path)
            message = item["msg"].removeprefix("Value error, ")
            problems.append(
                ContentError(
                    file, line_of(lines, path), f"{where}: {message}" if where else message
                )
            )
        return None, problems
