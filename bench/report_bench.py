"""Participation report benchmark: a province's report next to the floor, one hand-written
aggregate over the same tables, measured in the same run on the same data.

    python -m bench.report_bench [--units 1000 --members 100000 --answers 1000000]
        [--databases sqlite,postgres] [--course phap-luat-lao-dong] [--explain]
        [--existing URL]
        [--index 'attempts(quiz_id, status, submitted_at, user_id, percent)' ...]

For each database: generate the data (bench.dataset), refresh the participation
snapshot (`flask report refresh`, timed), then time, best of 5 after one warm-up,
`participation()` computed from the activity and read from the snapshot, for the federation
and for its largest commune union and grassroots union, next to the floor, and print the
ratio. Every way of computing the report
must give the floor's figures, unit by unit; a difference is printed and fails the run.

`--index` creates an index in the benchmark's database (repeat it: each adds to the previous ones) and
measures again; `--explain` prints the plans (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY
PLAN on SQLite).

PostgreSQL gets VACUUM ANALYZE after the data is written, as autovacuum would do in
production (the test server runs without it); SQLite gets no ANALYZE, as the app runs none.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, func, select, text
from sqlalchemy.orm import Session

from bench.databases import LABELS, database
from bench.dataset import CODE_PREFIX, generate
from learning.courses.models import Course
from learning.db import UTCDateTime, build_engine, utcnow
from learning.migrate import upgrade
from learning.org.models import Unit, UnitClosure, UnitKind
from learning.quizzes.models import Quiz
from learning.quizzes.queries import course_final_quiz
from learning.reports import participation

T = TypeVar("T")
RUNS = 5
SNAPSHOT = "report from the snapshot (flask report refresh)"

# The least work that gives the report's figures for today's tree: people once, each fact
# once per person through hash joins, a GROUP BY per unit, then one roll-up through the
# closure table (which holds today's tree; the report must rebuild past trees from
# unit_links, which the floor does not pay for).
FLOOR_SQL = """
WITH
subtree AS (
    SELECT descendant_id AS unit_id, depth FROM unit_closure WHERE ancestor_id = :root
),
people AS (
    SELECT m.user_id, m.unit_id
    FROM unit_memberships m JOIN users u ON u.id = m.user_id
    JOIN subtree t ON t.unit_id = m.unit_id
    WHERE m.started_at <= :at AND (m.ended_at IS NULL OR m.ended_at > :at)
      AND u.role = 'worker' AND u.created_at <= :at
      AND (u.deactivated_at IS NULL OR u.deactivated_at > :at)
),
assigned_units AS (
    SELECT DISTINCT c.descendant_id AS unit_id
    FROM assignments s JOIN unit_closure c ON c.ancestor_id = s.unit_id
    WHERE s.course_id = :course AND s.assigned_at <= :at
      AND (s.removed_at IS NULL OR s.removed_at > :at)
),
assigned_users AS (
    SELECT DISTINCT s.user_id FROM assignments s
    WHERE s.user_id IS NOT NULL AND s.course_id = :course AND s.assigned_at <= :at
      AND (s.removed_at IS NULL OR s.removed_at > :at)
),
started AS (
    SELECT lp.user_id FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
    WHERE l.course_id = :course AND lp.opened_at <= :at
    UNION
    SELECT a.user_id FROM attempts a JOIN quizzes q ON q.id = a.quiz_id
    WHERE q.course_id = :course AND a.started_at <= :at
),
completed AS (
    SELECT c.user_id FROM certificates c WHERE c.course_id = :course AND c.issued_at <= :at
),
graded AS (
    SELECT a.user_id, a.number, a.percent FROM attempts a
    WHERE a.quiz_id = :final_quiz AND a.status = 'submitted' AND a.submitted_at <= :at
),
grades AS ({grades}),
facts AS (
    SELECT p.unit_id,
        CASE WHEN au.unit_id IS NULL AND ad.user_id IS NULL THEN 0 ELSE 1 END AS assigned,
        CASE WHEN st.user_id IS NULL THEN 0 ELSE 1 END AS started,
        CASE WHEN co.user_id IS NULL THEN 0 ELSE 1 END AS completed,
        g.grade
    FROM people p
    LEFT JOIN assigned_units au ON au.unit_id = p.unit_id
    LEFT JOIN assigned_users ad ON ad.user_id = p.user_id
    LEFT JOIN started st ON st.user_id = p.user_id
    LEFT JOIN completed co ON co.user_id = p.user_id
    LEFT JOIN grades g ON g.user_id = p.user_id
),
per_unit AS (
    SELECT unit_id, COUNT(*) AS members, SUM(assigned) AS assigned,
        SUM(assigned * started) AS started, SUM(assigned * completed) AS completed,
        COUNT(grade) AS participants, SUM(grade) AS grade_sum,
        SUM(CASE WHEN grade >= :pass_percent THEN 1 ELSE 0 END) AS passed
    FROM facts GROUP BY unit_id
)
SELECT t.unit_id, t.depth,
    COALESCE(SUM(pu.members), 0) AS members,
    COALESCE(SUM(pu.assigned), 0) AS assigned,
    COALESCE(SUM(pu.started), 0) AS started,
    COALESCE(SUM(pu.completed), 0) AS completed,
    COALESCE(SUM(pu.participants), 0) AS participants,
    SUM(pu.grade_sum) AS grade_sum,
    COALESCE(SUM(pu.passed), 0) AS passed
FROM subtree t
JOIN unit_closure c ON c.ancestor_id = t.unit_id
LEFT JOIN per_unit pu ON pu.unit_id = c.descendant_id
GROUP BY t.unit_id, t.depth
"""

INDEX_SPEC = re.compile(r"^\s*(\w+)\s*\(\s*(\w+(?:\s*,\s*\w+)*)\s*\)\s*$")


@dataclass(frozen=True)
class Way:
    """A named way of computing the figures (today: the report as the app runs it)."""

    label: str


@dataclass(frozen=True)
class Scope:
    """A unit whose subtree the report covers."""

    label: str
    unit_id: int


@dataclass
class Setup:
    """What every run of the report needs: the database, the course, its quiz, the date."""

    engine: Engine
    kind: str
    course_id: int
    quiz: participation.Quiz
    until: dt.datetime


Numbers = dict[int, tuple[int, int, int, int, int, float, int]]


def best_of(run: Callable[[], T], runs: int = RUNS) -> tuple[float, T]:
    """The best time of `runs` runs after one warm-up, and the last run's result."""
    result = run()
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - began)
    return best, result


@contextmanager
def report_session(setup: Setup, jit_off: bool) -> Iterator[Session]:
    """A new session (nothing cached from an earlier run), JIT off for its transaction if
    asked (what `SET LOCAL jit = off` in participation() would do)."""
    with Session(setup.engine) as session:
        if jit_off and setup.kind == "postgres":
            session.execute(text("SET LOCAL jit = off"))
        yield session


def run_report(setup: Setup, way: Way, unit_id: int) -> Numbers:
    """participation() as the app calls it (it turns JIT off on PostgreSQL itself), or the
    same rows from the snapshot (as the page reads it, looking the snapshot up first)."""
    with report_session(setup, jit_off=False) as session:
        root = session.get_one(Unit, unit_id)
        subject = participation.Subject("course", setup.course_id, setup.quiz)
        if way.label == SNAPSHOT:
            snapshot = participation.usable_snapshot(
                session, subject, setup.until, dt.timedelta(hours=1)
            )
            assert snapshot is not None
            rows = participation.participation_from_snapshot(session, root, subject, snapshot)
        else:
            rows = participation.participation(session, root, subject, until=setup.until)
        return {
            row.unit.id: (
                row.members,
                row.assigned,
                row.started,
                row.completed,
                row.participants,
                round(row.grade_sum, 4),
                row.passed,
            )
            for row in rows
        }


def _params(setup: Setup, unit_id: int) -> dict[str, Any]:
    return {
        "at": setup.until,
        "root": unit_id,
        "course": setup.course_id,
        "final_quiz": setup.quiz.id,
        "pass_percent": setup.quiz.pass_percent,
    }


def run_floor(setup: Setup, unit_id: int) -> Numbers:
    """The floor statement (JIT off on PostgreSQL: compiling never pays at this size)."""
    sql = FLOOR_SQL.format(grades=participation._GRADES[setup.quiz.grading_method])
    statement = text(sql).bindparams(bindparam("at", type_=UTCDateTime()))
    with report_session(setup, jit_off=True) as session:
        rows = session.execute(statement, _params(setup, unit_id)).all()
    return {
        row.unit_id: (
            int(row.members),
            int(row.assigned),
            int(row.started),
            int(row.completed),
            int(row.participants),
            round(float(row.grade_sum or 0), 4),
            int(row.passed),
        )
        for row in rows
    }


def explain(setup: Setup, way: Way, unit_id: int) -> None:
    """Print the plan of the report's statement computed `way`."""
    subject = participation.Subject("course", setup.course_id, setup.quiz)
    if way.label == SNAPSHOT:
        with Session(setup.engine) as session:
            found = participation.usable_snapshot(
                session, subject, setup.until, dt.timedelta(hours=1)
            )
            assert found is not None
            snapshot_id = found.id
        sql = participation._SNAPSHOT_READ
    else:
        snapshot_id, sql = 0, participation._SQL
    statement = participation._statement(sql, subject)
    prefix = "EXPLAIN QUERY PLAN " if setup.kind == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    statement = text(prefix + statement.text).bindparams(*statement._bindparams.values())
    values = {**_params(setup, unit_id), "since": None, "snapshot": snapshot_id}
    print(f"--- plan: {way.label}")
    # JIT off, as participation() runs it.
    with report_session(setup, jit_off=True) as session:
        names = statement._bindparams.keys()
        rows = session.execute(statement, {k: v for k, v in values.items() if k in names})
        for row in rows:
            print("    " + " ".join(str(value) for value in row))


def scopes(session: Session, root_id: int) -> list[Scope]:
    """The federation, and its largest commune union and grassroots union (by members)."""
    found = [Scope("province", root_id)]
    levels = ((UnitKind.COMMUNE_UNION, "commune union"), (UnitKind.GRASSROOTS, "grassroots"))
    for kind, label in levels:
        unit_id = session.scalar(
            text(
                "SELECT c.ancestor_id FROM unit_closure c JOIN units un ON un.id = c.ancestor_id "
                "JOIN unit_memberships m ON m.unit_id = c.descendant_id "
                "WHERE un.kind = :kind AND c.ancestor_id IN "
                "(SELECT descendant_id FROM unit_closure WHERE ancestor_id = :root) "
                "GROUP BY c.ancestor_id ORDER BY COUNT(*) DESC, c.ancestor_id LIMIT 1"
            ),
            {"kind": kind.value, "root": root_id},
        )
        if unit_id is not None:
            found.append(Scope(label, unit_id))
    return found


def measure(label: str, setup: Setup, ways: list[Way], scope_list: list[Scope]) -> bool:
    """Time the floor and every way for each scope; print them. False if any way's figures
    differ from the floor's."""
    agree = True
    for scope in scope_list:
        floor_s, floor = best_of(lambda scope=scope: run_floor(setup, scope.unit_id))
        members = floor[scope.unit_id][0]
        print(
            f"{label:<10} {scope.label:<13} ({len(floor):>5} units, {members:>7} members) "
            f"floor {floor_s * 1000:8.1f} ms"
        )
        for way in ways:
            seconds, numbers = best_of(
                lambda way=way, scope=scope: run_report(setup, way, scope.unit_id)
            )
            same = numbers == floor
            agree = agree and same
            print(
                f"{label:<10} {scope.label:<13} {way.label:<44} {seconds * 1000:8.1f} ms "
                f"= {seconds / floor_s:6.2f}x floor{'' if same else '  FIGURES DIFFER'}"
            )
            if not same:
                wrong = [unit for unit in floor if numbers.get(unit) != floor[unit]][:3]
                for unit in wrong:
                    print(f"{'':<10} unit {unit}: floor {floor[unit]}, report {numbers.get(unit)}")
    return agree


def create_index(setup: Setup, spec: str, number: int) -> str:
    """CREATE INDEX from 'table(column, ...)' in the benchmark's database."""
    match = INDEX_SPEC.match(spec)
    if not match:
        raise ValueError(f"--index {spec!r}: write table(column, column, ...)")
    table, columns = match.group(1), ", ".join(c.strip() for c in match.group(2).split(","))
    name = f"ix_bench_{number}_{table}"
    with setup.engine.begin() as connection:
        connection.execute(text(f"CREATE INDEX {name} ON {table} ({columns})"))
    if setup.kind == "postgres":
        analyze(setup.engine, table)
    return f"{table} ({columns})"


def analyze(engine: Engine, table: str = "") -> None:
    """VACUUM ANALYZE on PostgreSQL, as autovacuum would after a bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {table}".strip()))


def existing(session: Session, course_slug: str) -> dict[str, int]:
    """The ids a data set generated earlier in this database answers to (--existing)."""
    root_id = session.scalar(
        select(Unit.id)
        .where(Unit.code.like(f"{CODE_PREFIX}%"), Unit.parent_id.is_(None))
        .order_by(Unit.id)
    )
    course = session.scalar(select(Course).where(Course.slug == course_slug))
    if root_id is None or course is None:
        raise SystemExit("--existing: no generated data set with this course in that database")
    quiz = course_final_quiz(session, course.id)
    assert quiz is not None
    return {"root_unit_id": root_id, "course_id": course.id, "quiz_id": quiz.id}


def bench(kind: str, url: str, args: argparse.Namespace) -> bool:
    """Generate (unless --existing), then measure the report every way; True if every
    figure agreed."""
    label = LABELS[kind]
    upgrade(url)
    engine = build_engine(url)
    with Session(engine) as session:
        if args.existing:
            counts = existing(session, args.course)
        else:
            began = time.perf_counter()
            counts = generate(
                session,
                units=args.units,
                members=args.members,
                answers=args.answers,
                course_slug=args.course,
                progress=lambda line: print(f"{label:<10} {line}", flush=True),
            )
            session.commit()
            generated = time.perf_counter() - began
            rows = sum(v for k, v in counts.items() if k in TABLES)
            print(
                f"{label:<10} generated {counts['units']} units, {counts['users']} members, "
                f"{counts['attempts']} attempts, {counts['attempt_slots']} answers "
                f"({rows} rows) in {generated:6.1f} s = {rows / generated:8.0f} rows/s",
                flush=True,
            )
    if kind == "postgres":
        # Before any query over the new rows: without statistics the planner's guesses
        # (a few rows a table) make joins over millions of rows nested loops.
        began = time.perf_counter()
        analyze(engine)
        print(f"{label:<10} VACUUM ANALYZE in {time.perf_counter() - began:6.1f} s", flush=True)
    with Session(engine) as session:
        quiz = session.get_one(Quiz, counts["quiz_id"])
        report_quiz = participation.Quiz(quiz.id, quiz.grading_method.value, quiz.pass_percent)
        scope_list = scopes(session, counts["root_unit_id"])
        closure_rows = session.scalar(select(func.count()).select_from(UnitClosure))
    setup = Setup(engine, kind, counts["course_id"], report_quiz, utcnow())
    with Session(engine) as session:
        began = time.perf_counter()
        subject = participation.Subject("course", setup.course_id, setup.quiz)
        participation.refresh_snapshot(session, subject, setup.until)
        session.commit()
        print(f"{label:<10} snapshot refreshed in {time.perf_counter() - began:6.2f} s")
    ways = [Way("report (live)"), Way(SNAPSHOT)]
    print(f"{label:<10} {closure_rows} closure rows; best of {RUNS} runs after a warm-up")
    agree = measure(label, setup, ways, scope_list)
    if args.explain:
        for way in ways:
            explain(setup, way, scope_list[0].unit_id)
    best = ways[:1]
    for number, spec in enumerate(args.index, start=1):
        created = create_index(setup, spec, number)
        print(f"{label:<10} + index on {created}")
        agree = measure(label, setup, best, scope_list[:1]) and agree
    engine.dispose()
    return agree


TABLES = (
    "units",
    "unit_closure",
    "unit_links",
    "users",
    "unit_memberships",
    "assignments",
    "attempts",
    "attempt_slots",
    "lesson_progress",
    "certificates",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--course", default="phap-luat-lao-dong")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--explain", action="store_true", help="print the plans")
    parser.add_argument(
        "--existing",
        metavar="URL",
        help="measure a data set generated earlier in the database at URL (one --databases)",
    )
    parser.add_argument(
        "--index",
        action="append",
        default=[],
        metavar="TABLE(COLUMN, ...)",
        help="create this index and measure again (repeatable, cumulative)",
    )
    args = parser.parse_args()
    for name in ("units", "members", "answers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    for spec in args.index:
        if not INDEX_SPEC.match(spec):
            parser.error(f"--index {spec!r}: write table(column, column, ...)")
    agree = True
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use sqlite and/or postgres")
        if args.existing:
            agree = bench(kind, args.existing, args) and agree
            continue
        with database(kind, "bench-report") as url:
            agree = bench(kind, url, args) and agree
    if not agree:
        raise SystemExit("some figures differ from the floor's")


if __name__ == "__main__":
    main()
