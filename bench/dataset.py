"""A province-sized data set for the participation report's benchmark, written fast:
`python -m bench.dataset --units 1000 --members 100000 --answers 1000000` (the app's
configuration: DATABASE_URL or the instance folder).

`generate` builds a federation with commune and sector unions and grassroots unions under
them (closure rows and unit links computed here from the parent map), worker accounts with
one membership each, an assignment of a course to the whole province, lesson progress,
certificates and graded final-quiz attempts with their answers. Rows are streamed, member
after member, in batches of about 10,000 rows a table (COPY on PostgreSQL, executemany on
SQLite): no ORM object per row and no list of members in memory, so the national size
(1,000,000 members, 10,000,000 answers) runs in bounded memory, printing its progress.
Like a service, it flushes and leaves the commit to the caller. Generated workers cannot
log in: their password hash is not a hash.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from learning import db
from learning.auth.models import Role, User
from learning.config import PROJECT_ROOT
from learning.courses.loader import read_course
from learning.courses.models import (
    Choice,
    ContentStatus,
    Course,
    Question,
    QuestionType,
    QuestionVersion,
)
from learning.courses.queries import published_lessons
from learning.courses.services import load_course
from learning.db import utcnow
from learning.enrollment.models import Assignment
from learning.org.models import Unit, UnitClosure, UnitKind, UnitLink
from learning.quizzes.models import AttemptStatus, Quiz
from learning.quizzes.queries import course_final_quiz
from learning.text import fold

CHUNK = 10_000
# Not an argon2 hash, so no password matches it: generated workers cannot log in.
PASSWORD_HASH = "!bench"
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
    # As written to the database (JSON): the choices in their order, the right answer.
    order_text: str
    correct_text: str


def generate(
    session: Session,
    *,
    units: int,
    members: int,
    answers: int,
    course_slug: str,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a province: `units` units (a federation, one in twenty commune or sector unions,
    the rest grassroots unions), `members` workers spread over the grassroots unions, the
    course `course_slug` assigned to the federation (loaded from courses/ when the database
    lacks it), and submitted final-quiz attempts answering `answers` questions in all (every
    attempt draws the quiz's question count; the last one takes what is left). Six in ten
    members start the course; those whose grade passes hold a certificate.

    Members are written one after the other with everything they did (account, membership,
    attempts and answers, lesson progress, certificate), through batches of about 10,000
    rows a table: memory stays a few megabytes whatever the size. `progress` (if given)
    receives a line about every million rows.

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
    assigned_at = now - dt.timedelta(days=60)
    session.execute(
        insert(Assignment),
        [{"course_id": course.id, "unit_id": root_id, "assigned_at": assigned_at}],
    )
    counts["assignments"] = 1
    writer = _Writer(session, _STREAMED, progress)
    plan = _Plan(
        quiz=quiz,
        bank=bank,
        per_attempt=per_attempt,
        lesson_ids=lesson_ids,
        assigned_at=assigned_at,
        now=now,
    )
    figures = _write_members(
        session, rng, writer, plan, members, answers, leaves, unit_names, course
    )
    writer.close()
    counts.update(writer.counts)
    session.flush()
    counts.update(figures)
    counts.update(root_unit_id=root_id, course_id=course.id, quiz_id=quiz.id)
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
        ordered = [choice_id for choice_id, _ in options]
        correct = [choice_id for choice_id, right in options if right]
        bank.append(
            _BankQuestion(
                version_id,
                shuffle_choices and kind is not QuestionType.TRUE_FALSE,
                tuple(ordered),
                tuple(correct),
                tuple(choice_id for choice_id, right in options if not right),
                _json(ordered),
                _json(correct),
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


# The tables written member by member, parents before children (a batch of every table is
# written whenever one fills, in this order, so foreign keys always find their rows).
_STREAMED: dict[str, tuple[str, ...]] = {
    "users": (
        "id", "full_name", "name_folded", "phone", "unit_id", "role", "password_hash",
        "must_change_password", "is_active", "is_pending", "session_token", "created_at",
        "confirmed_at",
    ),
    "unit_memberships": ("user_id", "unit_id", "started_at"),
    "attempts": (
        "id", "quiz_id", "user_id", "number", "status", "started_at", "deadline_at",
        "submitted_at", "is_auto_submitted", "score", "max_score", "percent", "is_passed",
    ),
    "attempt_slots": (
        "attempt_id", "position", "question_version_id", "choice_order", "selected",
        "revision", "answered_at", "mark",
    ),
    "lesson_progress": ("user_id", "lesson_id", "opened_at", "completed_at"),
    "certificates": (
        "code", "user_id", "course_id", "issued_at", "score_percent", "holder_name",
        "unit_name", "course_title",
    ),
}  # fmt: skip
PROGRESS_EVERY = 1_000_000


class _Writer:
    """Rows of several tables, buffered and written in batches of CHUNK: COPY through
    psycopg 3 on PostgreSQL (several times faster than INSERT), the driver's executemany
    elsewhere. Rows are tuples in the column order of `tables`, JSON already as text and
    enums as their values; on SQLite datetimes are written as SQLAlchemy writes them."""

    def __init__(
        self,
        session: Session,
        tables: dict[str, tuple[str, ...]],
        progress: Callable[[str], None] | None,
    ) -> None:
        self.session = session
        self.tables = tables
        self.progress = progress
        self.copy = session.get_bind().dialect.name == "postgresql"
        self.buffers: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
        self.counts = dict.fromkeys(tables, 0)
        self.written = 0
        self.began = time.perf_counter()

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        connection = self.session.connection()
        for table, buffer in self.buffers.items():
            if not buffer:
                continue
            columns = self.tables[table]
            if self.copy:
                raw = connection.connection.dbapi_connection
                assert raw is not None
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
                    for row in buffer:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                connection.exec_driver_sql(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (our names)
                    [tuple(map(_sqlite_value, row)) for row in buffer],
                )
            before = self.written
            self.counts[table] += len(buffer)
            self.written += len(buffer)
            buffer.clear()
            if self.progress and before // PROGRESS_EVERY != self.written // PROGRESS_EVERY:
                seconds = time.perf_counter() - self.began
                done = ", ".join(f"{name} {count:,}" for name, count in self.counts.items())
                self.progress(f"{self.written:,} rows in {seconds:.0f} s ({done})")

    def close(self) -> None:
        self.flush()


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy would bind it on SQLite (datetimes: naive UTC text)."""
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S.%f}"
    return value


def _reserve_ids(session: Session, table: str, count: int) -> int:
    """The first of `count` new consecutive ids for `table`, so that rows can be written
    with their ids (COPY returns none). PostgreSQL: taken from the table's sequence (the
    generator is meant to be the only writer while it runs); SQLite: after the largest."""
    if session.get_bind().dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        first = session.scalar(text(f"SELECT nextval({sequence})"))
        session.execute(text(f"SELECT setval({sequence}, :last)"), {"last": first + count - 1})
        return int(first)
    largest = text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our names)
    return int(session.scalar(largest))


def _json(ids: Sequence[int]) -> str:
    return "[" + ",".join(map(str, ids)) + "]"


@dataclass(frozen=True)
class _Plan:
    """What every generated attempt and lesson row needs."""

    quiz: Quiz
    bank: list[_BankQuestion]
    per_attempt: int
    lesson_ids: list[int]
    assigned_at: dt.datetime
    now: dt.datetime


def _write_members(
    session: Session,
    rng: random.Random,
    writer: _Writer,
    plan: _Plan,
    members: int,
    answers: int,
    leaves: list[int],
    unit_names: dict[int, str],
    course: Course,
) -> dict[str, int]:
    """Worker accounts in unions of uneven sizes (a few large factories, many small
    offices), each with their membership, attempts, lesson progress and certificate.
    Quiz takers (and, of the others, those who only opened lessons) are chosen by selection
    sampling as the members go by, so their numbers are exact without a list of them.
    Returns the federation's figures: started, completed, participants, passed."""
    first_phone = _next_number(session, User.phone, PHONE_PREFIX)
    if first_phone + members > 10**7:
        raise ValueError(f"no room for {members} more {PHONE_PREFIX}xxxxxxx phone numbers")
    attempts = math.ceil(answers / plan.per_attempt)
    takers = min(members, max(1, round(attempts * (1 - SECOND_TRY))))
    tries, extra = divmod(attempts, takers)
    openers = min(members - takers, max(0, round(members * STARTED_SHARE) - takers))
    first_user = _reserve_ids(session, "users", members)
    first_attempt = _reserve_ids(session, "attempts", attempts)
    cum_weights = list(itertools.accumulate(rng.lognormvariate(0, 1) for _ in leaves))
    folded: dict[str, str] = {}
    worker, submitted = Role.WORKER.value, AttemptStatus.SUBMITTED.value
    quiz = plan.quiz
    limit = dt.timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
    latest = plan.now - dt.timedelta(hours=1)
    left = answers
    attempt_id = first_attempt
    takers_left, openers_left, passed_count = takers, openers, 0
    for n in range(members):
        user_id = first_user + n
        name = _name(n)
        if name not in folded:
            folded[name] = fold(name)
        (unit_id,) = rng.choices(leaves, cum_weights=cum_weights)
        created_at = plan.now - dt.timedelta(days=90 + rng.random() * 600)
        writer.add(
            "users",
            (
                user_id,
                name,
                folded[name],
                f"{PHONE_PREFIX}{first_phone + n:07d}",
                unit_id,
                worker,
                PASSWORD_HASH,
                False,
                True,
                False,
                secrets.token_urlsafe(24),
                created_at,
                plan.now,
            ),
        )
        writer.add("unit_memberships", (user_id, unit_id, created_at))
        if rng.random() * (members - n) < takers_left:
            count = tries + (1 if takers - takers_left < extra else 0)
            takers_left -= 1
            skill = rng.uniform(0.35, 0.98)
            start = plan.assigned_at + (latest - plan.assigned_at) * rng.uniform(0.02, 0.9)
            first_start, step = start, (latest - start) / count
            percents = []
            for number in range(1, count + 1):
                size = min(plan.per_attempt, left)
                left -= size
                slots, score, submitted_at = _attempt_slots(
                    rng, plan.bank, attempt_id, size, skill, start
                )
                percent = round(100 * score / size, 4)
                percents.append(percent)
                writer.add(
                    "attempts",
                    (
                        attempt_id,
                        quiz.id,
                        user_id,
                        number,
                        submitted,
                        start,
                        start + limit if limit else None,
                        submitted_at,
                        False,
                        float(score),
                        float(size),
                        percent,
                        percent >= quiz.pass_percent,
                    ),
                )
                for slot in slots:
                    writer.add("attempt_slots", slot)
                attempt_id += 1
                start += step
            grade = _grade(quiz.grading_method.value, percents)
            passed = grade >= quiz.pass_percent
            passed_count += passed
            _write_taker_progress(rng, writer, plan.lesson_ids, user_id, first_start, passed)
            if passed:
                writer.add(
                    "certificates",
                    (
                        f"{CODE_PREFIX}{user_id:09d}",
                        user_id,
                        course.id,
                        # After their last attempt, which ends before the hour before generation.
                        plan.now - dt.timedelta(minutes=30),
                        round(grade, 2),
                        name,
                        unit_names[unit_id],
                        course.title,
                    ),
                )
        elif rng.random() * (members - n - takers_left) < openers_left:
            openers_left -= 1
            opened_at = plan.now - dt.timedelta(days=2 + rng.random() * 50)
            if plan.lesson_ids:
                for lesson_id in plan.lesson_ids[: rng.randint(1, len(plan.lesson_ids))]:
                    writer.add("lesson_progress", (user_id, lesson_id, opened_at, None))
                    opened_at += dt.timedelta(hours=2)
    return {
        "started": takers + openers,
        "completed": passed_count,
        "participants": takers,
        "passed": passed_count,
    }


def _attempt_slots(
    rng: random.Random,
    bank: list[_BankQuestion],
    attempt_id: int,
    size: int,
    skill: float,
    start: dt.datetime,
) -> tuple[list[tuple[Any, ...]], int, dt.datetime]:
    """The slots of one submitted attempt of `size` questions, each answered right with
    chance `skill`, its score and when it was submitted (the attempt is written first)."""
    slots = []
    score = 0
    answered_at = start
    for position, question in enumerate(rng.sample(bank, size), start=1):
        if question.shuffles:
            order = list(question.choices)
            rng.shuffle(order)
            order_text = _json(order)
        else:
            order_text = question.order_text
        right = rng.random() < skill or not question.wrong
        selected = question.correct_text if right else _json([rng.choice(question.wrong)])
        score += right
        answered_at += dt.timedelta(seconds=10 + rng.random() * 40)
        slots.append(
            (
                attempt_id,
                position,
                question.version_id,
                order_text,
                selected,
                1,
                answered_at,
                float(right),
            )
        )
    return slots, score, answered_at + dt.timedelta(seconds=5)


def _grade(method: str, percents: list[float]) -> float:
    """The quiz grade from a user's attempts, in the order taken."""
    if method == "first":
        return percents[0]
    if method == "last":
        return percents[-1]
    if method == "average":
        return sum(percents) / len(percents)
    return max(percents)


def _write_taker_progress(
    rng: random.Random,
    writer: _Writer,
    lesson_ids: list[int],
    user_id: int,
    first_start: dt.datetime,
    passed: bool,
) -> None:
    """A quiz taker opened every lesson before the quiz (and finished them all if they
    passed, about half otherwise)."""
    opened_at = first_start - dt.timedelta(days=1 + rng.random() * 3)
    for lesson_id in lesson_ids:
        done = passed or rng.random() < 0.5
        completed_at = opened_at + dt.timedelta(minutes=20) if done else None
        writer.add("lesson_progress", (user_id, lesson_id, opened_at, completed_at))
        opened_at += dt.timedelta(hours=2)


@click.command("bench-dataset")
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
            db.session,
            units=units,
            members=members,
            answers=answers,
            course_slug=course_slug,
            progress=lambda line: click.echo(line, err=True),
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.commit()
    for name, value in written.items():
        click.echo(f"{name}: {value}")


if __name__ == "__main__":
    from flask.cli import ScriptInfo

    from learning import create_app

    bench_data.main(prog_name="python -m bench.dataset", obj=ScriptInfo(create_app=create_app))
