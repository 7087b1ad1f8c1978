"""A province-sized data set for the participation report's benchmark, written fast.

`generate` builds a federation with commune and sector unions and grassroots unions under
them (closure rows and unit links computed here from the parent map), worker accounts with
one membership each, an assignment of a course to the whole province, lesson progress,
certificates and graded final-quiz attempts with their answers. Every table is written with
bulk INSERTs of about 10,000 rows: no ORM object per row, so 100,000 members and 1,000,000
answers take a few minutes at most. Like a service, it flushes and leaves the commit to the
caller. Generated workers cannot log in: their password hash is not a hash.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from learning import db
from learning.auth.models import Role, UnitMembership, User
from learning.config import PROJECT_ROOT
from learning.courses.loader import read_course
from learning.courses.models import (
    Certificate,
    Choice,
    ContentStatus,
    Course,
    LessonProgress,
    Question,
    QuestionType,
    QuestionVersion,
)
from learning.courses.queries import published_lessons
from learning.courses.services import load_course
from learning.db import utcnow
from learning.enrollment.models import Assignment
from learning.org.models import Unit, UnitClosure, UnitKind, UnitLink
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz
from learning.quizzes.queries import course_final_quiz
from learning.text import fold

CHUNK = 10_000
# Not an argon2 hash, so no password matches it: generated workers cannot log in.
PASSWORD_HASH = "!bench"  # noqa: S105
CODE_PREFIX = "BENCH-"
PHONE_PREFIX = "+8497"
# Of the members: who opened a lesson or took the quiz; the quiz takers are most of them.
STARTED_SHARE = 0.6
# Of the quiz takers: one in eleven takes the quiz a second time.
SECOND_TRY = 1 / 11

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Lò", "Giàng", "Vàng"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu", "Hữu", "Thanh"]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Hà", "Lan", "Mai", "Nam", "Páo", "Sua", "Tuấn", "Yến"]


@dataclass(frozen=True)
class _BankQuestion:
    """A current question version as an attempt uses it."""

    version_id: int
    shuffles: bool
    choices: tuple[int, ...]
    correct: tuple[int, ...]
    wrong: tuple[int, ...]


def generate(
    session: Session,
    *,
    units: int,
    members: int,
    answers: int,
    course_slug: str,
    seed: int = 1,
) -> dict[str, int]:
    """Write a province: `units` units (a federation, one in twenty commune or sector unions,
    the rest grassroots unions), `members` workers spread over the grassroots unions, the
    course `course_slug` assigned to the federation (loaded from courses/ when the database
    lacks it), and submitted final-quiz attempts answering `answers` questions in all (every
    attempt draws the quiz's question count; the last one takes what is left). Six in ten
    members start the course; those whose grade passes hold a certificate.

    Returns the number of rows written per table, the figures the report should show for
    the federation (`started`, `completed`, `participants`, `passed`) and the ids
    `root_unit_id`, `course_id` and `quiz_id`. Raises ValueError for a number below 1."""
    for name, value in (("units", units), ("members", members), ("answers", answers)):
        if value < 1:
            raise ValueError(f"{name} must be a positive number, not {value}")
    rng = random.Random(seed)
    now = utcnow()
    course = _course(session, course_slug)
    quiz = course_final_quiz(session, course.id)
    if quiz is None:
        raise ValueError(f"course {course_slug!r} has no final quiz")
    bank = _bank(session, course.id, shuffle_choices=quiz.shuffle_choices)
    per_attempt = min(quiz.question_count, len(bank))
    if per_attempt < 1:
        raise ValueError(f"course {course_slug!r} has no published questions")
    lesson_ids = [lesson.id for lesson in published_lessons(session, course.id)]

    counts: dict[str, int] = {}
    root_id, leaves, unit_names = _write_units(session, rng, units, now, counts)
    user_ids, user_units = _write_members(session, rng, members, leaves, now, counts)
    assigned_at = now - dt.timedelta(days=60)
    session.execute(
        insert(Assignment),
        [{"course_id": course.id, "unit_id": root_id, "assigned_at": assigned_at}],
    )
    counts["assignments"] = 1

    attempts = math.ceil(answers / per_attempt)
    takers = min(members, max(1, round(attempts * (1 - SECOND_TRY))))
    chosen = rng.sample(range(members), takers)
    tries = {index: 1 + (attempts - takers) // takers for index in chosen}
    for index in chosen[: (attempts - takers) % takers]:
        tries[index] += 1
    grades, first_starts = _write_attempts(
        session,
        rng,
        quiz=quiz,
        bank=bank,
        per_attempt=per_attempt,
        answers=answers,
        takers=[(user_ids[i], tries[i]) for i in chosen],
        assigned_at=assigned_at,
        now=now,
        counts=counts,
    )

    # Everyone who took the quiz started the course; others only opened lessons.
    others = [i for i in range(members) if i not in tries]
    only_opened = rng.sample(
        others, min(len(others), max(0, round(members * STARTED_SHARE) - takers))
    )
    passed = {user_id for user_id, grade in grades.items() if grade >= quiz.pass_percent}
    opened_ids = [user_ids[i] for i in only_opened]
    _write_progress(session, rng, lesson_ids, first_starts, passed, opened_ids, now, counts)
    holders = {user_ids[i]: (_name(i), unit_names[user_units[i]]) for i in range(members)}
    _write_certificates(session, course, grades, passed, holders, now, counts)
    session.flush()
    counts.update(
        started=takers + len(only_opened),
        completed=len(passed),
        participants=takers,
        passed=len(passed),
        root_unit_id=root_id,
        course_id=course.id,
        quiz_id=quiz.id,
    )
    return counts


def _course(session: Session, slug: str) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        folder = PROJECT_ROOT / "courses" / slug
        if not (folder / "course.yaml").is_file():
            raise ValueError(f"no course {slug!r} in the database nor in {folder}")
        load_course(session, read_course(folder))
        course = session.scalar(select(Course).where(Course.slug == slug))
    assert course is not None
    return course


def _bank(session: Session, course_id: int, *, shuffle_choices: bool) -> list[_BankQuestion]:
    """The course's published questions at their current versions, with their choices."""
    versions = session.execute(
        select(QuestionVersion.id, QuestionVersion.type)
        .join(
            Question,
            (Question.id == QuestionVersion.question_id)
            & (QuestionVersion.number == Question.current_version),
        )
        .where(Question.course_id == course_id, Question.status == ContentStatus.PUBLISHED)
        .order_by(Question.id)
    ).all()
    choices: dict[int, list[tuple[int, bool]]] = {}
    rows = session.execute(
        select(Choice.version_id, Choice.id, Choice.is_correct)
        .where(Choice.version_id.in_([version_id for version_id, _type in versions]))
        .order_by(Choice.version_id, Choice.position)
    )
    for version_id, choice_id, is_correct in rows:
        choices.setdefault(version_id, []).append((choice_id, is_correct))
    bank = []
    for version_id, kind in versions:
        options = choices.get(version_id, [])
        bank.append(
            _BankQuestion(
                version_id,
                shuffle_choices and kind is not QuestionType.TRUE_FALSE,
                tuple(choice_id for choice_id, _ in options),
                tuple(choice_id for choice_id, right in options if right),
                tuple(choice_id for choice_id, right in options if not right),
            )
        )
    return bank


def _insert(session: Session, model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """Bulk-insert `rows` in chunks; returns how many."""
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            session.execute(insert(model), chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        session.execute(insert(model), chunk)
        count += len(chunk)
    return count


def _insert_returning_ids(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Bulk-insert `rows` in chunks; returns their new ids, in the order of `rows`."""
    ids: list[int] = []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), CHUNK):
        ids += session.scalars(statement, list(rows[start : start + CHUNK])).all()
    return ids


def _next_number(session: Session, column: Any, prefix: str) -> int:
    """One more than the largest number already written after `prefix` (0 if none), so
    that a second data set in the same database does not collide with the first."""
    largest = session.scalar(select(func.max(column)).where(column.like(f"{prefix}%")))
    return int(largest[len(prefix) :]) + 1 if largest else 0


def _write_units(
    session: Session, rng: random.Random, units: int, now: dt.datetime, counts: dict[str, int]
) -> tuple[int, list[int], dict[int, str]]:
    """The tree, its closure rows and its links. Returns the root id, the ids of the units
    that take members (the grassroots unions, or the lowest level there is) and every
    unit's name."""
    first = _next_number(session, Unit.code, CODE_PREFIX)
    created_at = now - dt.timedelta(days=800)
    middle = min(units - 1, max(1, units // 20))
    grassroots = units - 1 - middle

    def row(n: int, name: str, kind: UnitKind, parent_id: int | None) -> dict[str, Any]:
        return {
            "code": f"{CODE_PREFIX}{first + n:07d}",
            "name": name,
            "name_folded": fold(name),
            "kind": kind,
            "parent_id": parent_id,
            "is_active": True,
            "created_at": created_at,
        }

    root_name = f"Liên đoàn Lao động tỉnh (thử tải {first})"
    (root_id,) = _insert_returning_ids(
        session, Unit, [row(0, root_name, UnitKind.FEDERATION, None)]
    )
    parents: dict[int, int | None] = {root_id: None}
    names = {root_id: root_name}
    middle_rows = []
    for n in range(1, middle + 1):
        sector = n % 4 == 0
        name = f"Công đoàn ngành {n}" if sector else f"Công đoàn xã {n}"
        kind = UnitKind.SECTOR_UNION if sector else UnitKind.COMMUNE_UNION
        middle_rows.append(row(n, name, kind, root_id))
    middle_ids = _insert_returning_ids(session, Unit, middle_rows)
    for unit_id, data in zip(middle_ids, middle_rows, strict=True):
        parents[unit_id], names[unit_id] = root_id, data["name"]
    grassroots_rows = [
        row(n, f"CĐCS Công ty số {n}", UnitKind.GRASSROOTS, rng.choice(middle_ids))
        for n in range(middle + 1, middle + 1 + grassroots)
    ]
    grassroots_ids = _insert_returning_ids(session, Unit, grassroots_rows)
    for unit_id, data in zip(grassroots_ids, grassroots_rows, strict=True):
        parents[unit_id], names[unit_id] = data["parent_id"], data["name"]

    def closure() -> Iterable[dict[str, Any]]:
        for unit_id in parents:
            ancestor: int | None = unit_id
            depth = 0
            while ancestor is not None:
                yield {"ancestor_id": ancestor, "descendant_id": unit_id, "depth": depth}
                ancestor, depth = parents[ancestor], depth + 1

    counts["units"] = len(parents)
    counts["unit_closure"] = _insert(session, UnitClosure, closure())
    counts["unit_links"] = _insert(
        session,
        UnitLink,
        (
            {"unit_id": unit_id, "parent_id": parent_id, "started_at": created_at}
            for unit_id, parent_id in parents.items()
        ),
    )
    leaves = grassroots_ids or middle_ids or [root_id]
    return root_id, leaves, names


def _name(n: int) -> str:
    return f"{SURNAMES[n % 10]} {MIDDLE[n // 10 % 8]} {GIVEN[n // 80 % 12]}"


def _write_members(
    session: Session,
    rng: random.Random,
    members: int,
    leaves: list[int],
    now: dt.datetime,
    counts: dict[str, int],
) -> tuple[list[int], list[int]]:
    """Worker accounts and their memberships, in unions of uneven sizes (a few large
    factories, many small offices). Returns the user ids and each one's unit id."""
    first = _next_number(session, User.phone, PHONE_PREFIX)
    if first + members > 10**7:
        raise ValueError(f"no room for {members} more {PHONE_PREFIX}xxxxxxx phone numbers")
    weights = [rng.lognormvariate(0, 1) for _ in leaves]
    unit_of = rng.choices(leaves, weights=weights, k=members)
    folded: dict[str, str] = {}
    rows = []
    for n in range(members):
        name = _name(n)
        if name not in folded:
            folded[name] = fold(name)
        rows.append(
            {
                "full_name": name,
                "name_folded": folded[name],
                "phone": f"{PHONE_PREFIX}{first + n:07d}",
                "unit_id": unit_of[n],
                "role": Role.WORKER,
                "password_hash": PASSWORD_HASH,
                "must_change_password": False,
                "is_active": True,
                "is_pending": False,
                "session_token": secrets.token_urlsafe(24),
                "created_at": now - dt.timedelta(days=90 + rng.random() * 600),
                "confirmed_at": now,
            }
        )
    user_ids = _insert_returning_ids(session, User, rows)
    counts["users"] = len(user_ids)
    counts["unit_memberships"] = _insert(
        session,
        UnitMembership,
        (
            {"user_id": user_id, "unit_id": row["unit_id"], "started_at": row["created_at"]}
            for user_id, row in zip(user_ids, rows, strict=True)
        ),
    )
    return user_ids, unit_of


def _write_attempts(
    session: Session,
    rng: random.Random,
    *,
    quiz: Quiz,
    bank: list[_BankQuestion],
    per_attempt: int,
    answers: int,
    takers: list[tuple[int, int]],
    assigned_at: dt.datetime,
    now: dt.datetime,
    counts: dict[str, int],
) -> tuple[dict[int, float], dict[int, dt.datetime]]:
    """Submitted attempts and their slots, a chunk of attempts at a time (their ids are
    needed for the slots). Returns each taker's grade by the quiz's grading method and
    when they first started."""
    limit = dt.timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
    latest = now - dt.timedelta(hours=1)
    percents: dict[int, list[float]] = {}
    first_starts: dict[int, dt.datetime] = {}

    def planned() -> Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]:
        left = answers
        for user_id, count in takers:
            skill = rng.uniform(0.35, 0.98)
            start = assigned_at + (latest - assigned_at) * rng.uniform(0.02, 0.9)
            step = (latest - start) / count
            first_starts[user_id] = start
            for number in range(1, count + 1):
                size = min(per_attempt, left)
                left -= size
                attempt, slots = _attempt(rng, bank, size, skill, start)
                attempt.update(quiz_id=quiz.id, user_id=user_id, number=number)
                attempt["deadline_at"] = start + limit if limit else None
                attempt["is_passed"] = attempt["percent"] >= quiz.pass_percent
                percents.setdefault(user_id, []).append(attempt["percent"])
                yield attempt, slots
                start += step

    per_chunk = max(1, CHUNK // per_attempt)
    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    counts["attempts"] = counts["attempt_slots"] = 0

    def flush_batch() -> None:
        ids = _insert_returning_ids(session, Attempt, [attempt for attempt, _ in batch])
        slots = []
        for attempt_id, (_attempt_row, attempt_slots) in zip(ids, batch, strict=True):
            for slot in attempt_slots:
                slot["attempt_id"] = attempt_id
            slots += attempt_slots
        session.execute(insert(AttemptSlot), slots)
        counts["attempts"] += len(ids)
        counts["attempt_slots"] += len(slots)

    for item in planned():
        batch.append(item)
        if len(batch) == per_chunk:
            flush_batch()
            batch = []
    if batch:
        flush_batch()
    method = quiz.grading_method.value
    grades = {user_id: _grade(method, values) for user_id, values in percents.items()}
    return grades, first_starts


def _attempt(
    rng: random.Random, bank: list[_BankQuestion], size: int, skill: float, start: dt.datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One submitted attempt of `size` questions, each answered right with chance `skill`."""
    slots = []
    score = 0
    answered_at = start
    for position, question in enumerate(rng.sample(bank, size), start=1):
        order = list(question.choices)
        if question.shuffles:
            rng.shuffle(order)
        right = rng.random() < skill or not question.wrong
        selected = list(question.correct) if right else [rng.choice(question.wrong)]
        score += right
        answered_at += dt.timedelta(seconds=10 + rng.random() * 40)
        slots.append(
            {
                "position": position,
                "question_version_id": question.version_id,
                "choice_order": order,
                "selected": selected,
                "revision": 1,
                "answered_at": answered_at,
                "mark": float(right),
            }
        )
    attempt = {
        "status": AttemptStatus.SUBMITTED,
        "started_at": start,
        "submitted_at": answered_at + dt.timedelta(seconds=5),
        "is_auto_submitted": False,
        "score": float(score),
        "max_score": float(size),
        "percent": round(100 * score / size, 4),
    }
    return attempt, slots


def _grade(method: str, percents: list[float]) -> float:
    """The quiz grade from a user's attempts, in the order taken."""
    if method == "first":
        return percents[0]
    if method == "last":
        return percents[-1]
    if method == "average":
        return sum(percents) / len(percents)
    return max(percents)


def _write_progress(
    session: Session,
    rng: random.Random,
    lesson_ids: list[int],
    first_starts: dict[int, dt.datetime],
    passed: set[int],
    only_opened: list[int],
    now: dt.datetime,
    counts: dict[str, int],
) -> None:
    """Quiz takers opened every lesson before the quiz (and those who passed finished
    them all); the others who started opened the first few lessons."""

    def rows() -> Iterable[dict[str, Any]]:
        if not lesson_ids:
            return
        for user_id, start in first_starts.items():
            opened_at = start - dt.timedelta(days=1 + rng.random() * 3)
            for lesson_id in lesson_ids:
                done = user_id in passed or rng.random() < 0.5
                completed_at = opened_at + dt.timedelta(minutes=20) if done else None
                yield {
                    "user_id": user_id,
                    "lesson_id": lesson_id,
                    "opened_at": opened_at,
                    "completed_at": completed_at,
                }
                opened_at += dt.timedelta(hours=2)
        for user_id in only_opened:
            opened_at = now - dt.timedelta(days=2 + rng.random() * 50)
            for lesson_id in lesson_ids[: rng.randint(1, len(lesson_ids))]:
                yield {
                    "user_id": user_id,
                    "lesson_id": lesson_id,
                    "opened_at": opened_at,
                    "completed_at": None,
                }
                opened_at += dt.timedelta(hours=2)

    counts["lesson_progress"] = _insert(session, LessonProgress, rows())


def _write_certificates(
    session: Session,
    course: Course,
    grades: dict[int, float],
    passed: set[int],
    holders: dict[int, tuple[str, str]],
    now: dt.datetime,
    counts: dict[str, int],
) -> None:
    """A certificate for every taker whose grade passes (they finished every lesson)."""
    counts["certificates"] = _insert(
        session,
        Certificate,
        (
            {
                "code": f"{CODE_PREFIX}{user_id:09d}",
                "user_id": user_id,
                "course_id": course.id,
                # After their last attempt, which ends before the hour before generation.
                "issued_at": now - dt.timedelta(minutes=30),
                "score_percent": round(grades[user_id], 2),
                "holder_name": holders[user_id][0],
                "unit_name": holders[user_id][1],
                "course_title": course.title,
            }
            for user_id in sorted(passed)
        ),
    )


@click.command("bench-data")
@click.option("--units", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--members", type=click.IntRange(min=1), default=100_000, show_default=True)
@click.option(
    "--answers",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Answered questions in all (a 20-question quiz: answers / 20 attempts).",
)
@click.option("--course", "course_slug", default="phap-luat-lao-dong", show_default=True)
@with_appcontext
def bench_data(units: int, members: int, answers: int, course_slug: str) -> None:
    """Fill the database with a province-scale dataset for the report benchmark (never on
    a database with real members: it adds invented ones)."""
    try:
        written = generate(
            db.session, units=units, members=members, answers=answers, course_slug=course_slug
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.commit()
    for name, value in written.items():
        click.echo(f"{name}: {value}")
