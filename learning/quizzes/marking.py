"""Marking a submitted attempt: answer keys of question versions, the marks of an attempt's
slots from its saved answers, and the statements that record the grade (built once, as plain
rows: a submit is a quarter of a contest's CPU after the saves). Grading itself is pure
(grading.py); submitting, the lock and the deadline are services.py's."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    Row,
    Update,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from learning.courses.models import (
    Choice,
    QuestionVersion,
)
from learning.quizzes import grading
from learning.quizzes.models import (
    Attempt,
    AttemptSlot,
    AttemptStatus,
    Quiz,
)

_SLOT_TABLE = AttemptSlot.__table__
_ATTEMPT_TABLE = Attempt.__table__


def expire_held_slots(session: Session, slot_ids: Sequence[int]) -> None:
    """Slots this session already holds as objects must not keep the old answer or mark
    after a Core UPDATE of their rows: expire them."""
    for slot_id in slot_ids:
        held = session.identity_map.get(session.identity_key(AttemptSlot, slot_id))  # type: ignore[arg-type]
        if held is not None:
            session.expire(held)


def answer_keys(session: Session, version_ids: Sequence[int]) -> dict[int, grading.Key]:
    """What grading needs of each question version: its type, scoring and right choices."""
    return _keys(session.connection().execute(_ANSWER_KEYS, {"version_ids": list(version_ids)}))


def _keys(rows: Iterable[Row[Any]]) -> dict[int, grading.Key]:
    """Answer keys by version id, from rows of a version (`version_id`, `type`, `scoring`)
    and one of its choices (`choice_id`, `is_correct`, `weight_numerator`, ...)."""
    parts: dict[int, dict[str, Any]] = {}
    for row in rows:
        part = parts.get(row.version_id)
        if part is None:
            part = parts[row.version_id] = {
                "type": row.type.value,
                "scoring": row.scoring.value,
                "c": set(),
                "all": set(),
                "w": {},
            }
        if row.choice_id is None:
            continue
        part["all"].add(row.choice_id)
        if row.is_correct:
            part["c"].add(row.choice_id)
        if row.weight_numerator is not None and row.weight_denominator:
            part["w"][row.choice_id] = Fraction(row.weight_numerator, row.weight_denominator)
    return {
        vid: grading.Key(
            p["type"],
            frozenset(p["c"]),
            frozenset(p["all"]),
            p["scoring"],
            tuple(sorted(p["w"].items())) if p["w"] else None,
        )
        for vid, p in parts.items()
    }


# Grading reads and writes with statements built once, as plain rows: a submit is a quarter
# of a contest's CPU after the saves.
_VERSION_TABLE = QuestionVersion.__table__


_CHOICE_TABLE = Choice.__table__


_KEY_COLUMNS = (
    _VERSION_TABLE.c.id.label("version_id"),
    _VERSION_TABLE.c.type,
    _VERSION_TABLE.c.scoring,
    _CHOICE_TABLE.c.id.label("choice_id"),
    _CHOICE_TABLE.c.is_correct,
    _CHOICE_TABLE.c.weight_numerator,
    _CHOICE_TABLE.c.weight_denominator,
)


_ANSWER_KEYS = (
    select(*_KEY_COLUMNS)
    .join(_CHOICE_TABLE, _CHOICE_TABLE.c.version_id == _VERSION_TABLE.c.id)
    .where(_VERSION_TABLE.c.id.in_(bindparam("version_ids", expanding=True)))
)


# An attempt's slots, each with its version's key (one row per choice), in one round trip.
_MARKED_SLOTS = (
    select(
        _SLOT_TABLE.c.id.label("slot_id"),
        _SLOT_TABLE.c.position,
        _SLOT_TABLE.c.selected,
        _SLOT_TABLE.c.revision,
        *_KEY_COLUMNS,
    )
    .select_from(_SLOT_TABLE)
    .join(_VERSION_TABLE, _VERSION_TABLE.c.id == _SLOT_TABLE.c.question_version_id)
    # Outer: a slot counts in the grade even if its version had no choice to pick.
    .outerjoin(_CHOICE_TABLE, _CHOICE_TABLE.c.version_id == _VERSION_TABLE.c.id)
    .where(_SLOT_TABLE.c.attempt_id == bindparam("attempt_id"))
    .order_by(_SLOT_TABLE.c.position)
)


_GRADE_COLUMNS = (
    "status", "submitted_at", "is_auto_submitted", "score", "max_score", "percent", "is_passed"
)  # fmt: skip


_RECORD_GRADE = (
    update(_ATTEMPT_TABLE)
    .where(_ATTEMPT_TABLE.c.id == bindparam("of_attempt"))
    .values({name: bindparam(f"new_{name}") for name in _GRADE_COLUMNS})
)


# The same, only if the attempt is still in progress with the answers the grade read.
_RECORD_GRADE_IF_UNCHANGED = _RECORD_GRADE.where(
    _ATTEMPT_TABLE.c.status == AttemptStatus.IN_PROGRESS,
    select(func.coalesce(func.sum(_SLOT_TABLE.c.revision), 0))
    .where(_SLOT_TABLE.c.attempt_id == bindparam("of_attempt"))
    .scalar_subquery()
    == bindparam("revisions_read"),
)


@functools.cache
def _record_marks(positions: tuple[int, ...]) -> Update:
    """UPDATE of every slot's mark of an attempt in one statement (a CASE on the position),
    built once per set of positions; the marks are bound parameters `mark_<position>`."""
    mark = case(
        {p: bindparam(f"mark_{p}", type_=_SLOT_TABLE.c.mark.type) for p in positions},
        value=_SLOT_TABLE.c.position,
    )
    return (
        update(_SLOT_TABLE)
        .where(_SLOT_TABLE.c.attempt_id == bindparam("of_attempt"))
        .values(mark=mark)
    )


@dataclass(frozen=True)
class Marking:
    """An attempt graded from its slots as read: the mark of each slot (by position), the
    attempt's columns that record the grade (`grade_columns`), and the sum of the slots'
    revisions read."""

    marks: dict[int, float]
    columns: dict[str, Any]
    revisions: int
    slot_ids: list[int]


def grade_columns(
    result: grading.Result, quiz: Quiz, *, submitted_at: dt.datetime, automatic: bool
) -> dict[str, Any]:
    """The attempt's columns that record its grade: one attempt or a batch of them."""
    return {
        "status": AttemptStatus.SUBMITTED,
        "submitted_at": submitted_at,
        "is_auto_submitted": automatic,
        "score": grading.as_stored(result.score),
        "max_score": result.max_score,
        "percent": grading.as_stored(result.percent, 4),
        "is_passed": result.passed(quiz.pass_percent),
    }


def mark_attempt(
    session: Session, attempt: Attempt, quiz: Quiz, *, submitted_at: dt.datetime, automatic: bool
) -> Marking:
    """Grade `attempt` from its saved answers (reads only)."""
    rows = session.connection().execute(_MARKED_SLOTS, {"attempt_id": attempt.id}).all()
    keys = _keys(rows)
    slots = list({row.slot_id: row for row in rows}.values())  # one row per choice: by slot
    # Saves are refused after the deadline and its grace, so what is stored is what counts.
    marks, result = grading.grade([(keys[slot.version_id], slot.selected) for slot in slots])
    return Marking(
        marks={slot.position: grading.as_stored(m) for slot, m in zip(slots, marks, strict=True)},
        columns=grade_columns(result, quiz, submitted_at=submitted_at, automatic=automatic),
        revisions=sum(slot.revision for slot in slots),
        slot_ids=[slot.slot_id for slot in slots],
    )


def write_grade(
    session: Session,
    attempt: Attempt,
    marking: Marking,
    *,
    if_unchanged: bool = False,
) -> bool:
    """Record the grade: the attempt's status and score, then every slot's mark, one
    statement each. With `if_unchanged`, only if the attempt is still in progress with the
    answers `marking` read (False, and nothing written, otherwise)."""
    columns = marking.columns
    query = _RECORD_GRADE
    arguments = {f"new_{name}": value for name, value in columns.items()}
    arguments["of_attempt"] = attempt.id
    if if_unchanged:
        query = _RECORD_GRADE_IF_UNCHANGED
        arguments["revisions_read"] = marking.revisions
    if session.connection().execute(query, arguments).rowcount != 1:
        return False
    for name, value in columns.items():
        set_committed_value(attempt, name, value)
    if marking.marks:
        session.connection().execute(
            _record_marks(tuple(marking.marks)),
            {"of_attempt": attempt.id, **{f"mark_{p}": m for p, m in marking.marks.items()}},
        )
        expire_held_slots(session, marking.slot_ids)
    return True


def grade_attempt(
    session: Session, attempt: Attempt, quiz: Quiz, *, submitted_at: dt.datetime, automatic: bool
) -> None:
    """Grade `attempt` from its saved answers and record it (under the caller's lock)."""
    marking = mark_attempt(session, attempt, quiz, submitted_at=submitted_at, automatic=automatic)
    write_grade(session, attempt, marking)
