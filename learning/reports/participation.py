"""Participation in a course, or in a contest round, per unit, over an optional date range,
as one SQL statement.

The definitions are those of ../shared/PRODUCT.md ("Definitions the reports use"). For the
report's end date T:
- the tree is the tree as it stood at T (unit_links), so a unit moved since is counted
  where it was; people are counted in the unit they belonged to at T (unit_memberships);
- members: worker accounts that were active at T, in the unit's subtree;
- assigned: members to whom the course was assigned at T, directly or through any unit above;
- started: assigned members who opened a lesson of the course or began one of its quizzes
  within the range; completed: assigned members whose certificate was issued in the range;
- participants: members with a graded final-quiz attempt in the range; their grade follows
  the quiz's grading method; average score and pass rate are over participants;
- for a contest round: assigned members are those of the units the contest is open to (every
  member when it names none) and those who entered it; started: began an attempt in the
  round; completed: submitted one; the grade is the round quiz's (the best attempt by default);
- every unit's figures are sums over its subtree, and rates are computed from those sums.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from flask_babel import force_locale
from sqlalchemy import Row, TextClause, bindparam, delete, select, text
from sqlalchemy.orm import Session

from learning.db import UTCDateTime
from learning.org.models import Unit, UnitKind
from learning.reports.models import ParticipationSnapshot

# The final quiz's grade per participant, by grading method.
_GRADES = {
    "highest": "SELECT user_id, MAX(percent) AS grade FROM graded GROUP BY user_id",
    "average": "SELECT user_id, AVG(percent) AS grade FROM graded GROUP BY user_id",
    "first": "SELECT user_id, percent AS grade FROM (SELECT user_id, percent, ROW_NUMBER() OVER "
    "(PARTITION BY user_id ORDER BY number) AS n FROM graded) ranked WHERE n = 1",
    "last": "SELECT user_id, percent AS grade FROM (SELECT user_id, percent, ROW_NUMBER() OVER "
    "(PARTITION BY user_id ORDER BY number DESC) AS n FROM graded) ranked WHERE n = 1",
}

# The tree as it stood at :at, and the subtree of :root in it.
_TREE = """
WITH RECURSIVE
links AS (
    SELECT unit_id, parent_id FROM unit_links
    WHERE started_at <= :at AND (ended_at IS NULL OR ended_at > :at)
),
pairs (ancestor, descendant, depth) AS (
    SELECT id, id, 0 FROM units WHERE created_at <= :at
    UNION ALL
    SELECT pairs.ancestor, links.unit_id, pairs.depth + 1
    FROM pairs JOIN links ON links.parent_id = pairs.descendant
),
subtree AS (
    SELECT descendant AS unit_id, depth FROM pairs WHERE ancestor = :root
),
"""
# Each member's facts, and the figures of every unit's own members (per_unit).
_FACTS = """people AS (
    SELECT m.user_id, m.unit_id
    FROM unit_memberships m JOIN users u ON u.id = m.user_id
    WHERE m.started_at <= :at AND (m.ended_at IS NULL OR m.ended_at > :at)
      AND u.role = 'worker' AND u.created_at <= :at
      AND (u.deactivated_at IS NULL OR u.deactivated_at > :at)
      AND m.unit_id IN (SELECT unit_id FROM subtree)
),
graded AS (
    SELECT a.user_id, a.number, a.percent FROM attempts a
    WHERE a.quiz_id = :final_quiz AND a.status = 'submitted'
      AND a.submitted_at <= :at AND (:since IS NULL OR a.submitted_at >= :since)
),
grades AS ({grades}),
assigned_units AS ({assigned_units}),
facts AS (
    SELECT p.user_id, p.unit_id,
        CASE WHEN p.unit_id IN (SELECT unit_id FROM assigned_units) OR EXISTS (
            {assigned_directly}
        ) THEN 1 ELSE 0 END AS assigned,
        CASE WHEN {started} THEN 1 ELSE 0 END AS started,
        CASE WHEN {completed} THEN 1 ELSE 0 END AS completed,
        g.grade
    FROM people p LEFT JOIN grades g ON g.user_id = p.user_id
),
per_unit AS (
    SELECT unit_id, COUNT(*) AS members, SUM(assigned) AS assigned,
        SUM(assigned * started) AS started, SUM(assigned * completed) AS completed,
        COUNT(grade) AS participants, SUM(grade) AS grade_sum,
        SUM(CASE WHEN grade >= :pass_percent THEN 1 ELSE 0 END) AS passed
    FROM facts GROUP BY unit_id
)
"""
# Every unit of the subtree with the sums over its own subtree.
_SUMS = """SELECT subtree.unit_id, subtree.depth,
    COALESCE(SUM(u.members), 0) AS members,
    COALESCE(SUM(u.assigned), 0) AS assigned,
    COALESCE(SUM(u.started), 0) AS started,
    COALESCE(SUM(u.completed), 0) AS completed,
    COALESCE(SUM(u.participants), 0) AS participants,
    SUM(u.grade_sum) AS grade_sum,
    COALESCE(SUM(u.passed), 0) AS passed
FROM subtree
LEFT JOIN pairs ON pairs.ancestor = subtree.unit_id
LEFT JOIN per_unit u ON u.unit_id = pairs.descendant
GROUP BY subtree.unit_id, subtree.depth
"""
_SQL = _TREE + _FACTS + _SUMS
# A snapshot: every unit of the tree as it stood at :at with its parent then and the sums
# over its subtree (the report's rows for any root), computed by the report's own SQL with
# the whole tree as the subtree.
_WHOLE_TREE = _TREE.replace(
    "SELECT descendant AS unit_id, depth FROM pairs WHERE ancestor = :root",
    "SELECT id AS unit_id, 0 AS depth FROM units WHERE created_at <= :at",
)
_WRITE_SUMS = """, sums AS (
"""
_WRITE_ROWS = """)
INSERT INTO report_snapshot_units (snapshot_id, unit_id, parent_id, members, assigned,
    started, completed, participants, grade_sum, passed)
SELECT :snapshot, sums.unit_id, links.parent_id, members, assigned, started, completed,
    participants, COALESCE(grade_sum, 0), passed
FROM sums LEFT JOIN links ON links.unit_id = sums.unit_id
"""
_SNAPSHOT_WRITE = "".join((_WHOLE_TREE, _FACTS, _WRITE_SUMS, _SUMS, _WRITE_ROWS))
# The report from a snapshot: the root's subtree followed down the parents stored with it
# (an index lookup a level), each unit with its stored sums.
_SNAPSHOT_READ = """
WITH RECURSIVE subtree (unit_id, depth) AS (
    SELECT unit_id, 0 FROM report_snapshot_units
    WHERE snapshot_id = :snapshot AND unit_id = :root
    UNION ALL
    SELECT r.unit_id, subtree.depth + 1
    FROM subtree JOIN report_snapshot_units r
        ON r.snapshot_id = :snapshot AND r.parent_id = subtree.unit_id
)
SELECT subtree.unit_id, subtree.depth, r.members, r.assigned, r.started, r.completed,
    r.participants, r.grade_sum, r.passed
FROM subtree JOIN report_snapshot_units r
    ON r.snapshot_id = :snapshot AND r.unit_id = subtree.unit_id
"""


# What "assigned", "started" and "completed" mean, for a course and for a contest round.
# :course is the course's id, or the round's contest's id; :final_quiz the graded quiz.
_COURSE = {
    "assigned_units": """
    SELECT DISTINCT pairs.descendant AS unit_id
    FROM assignments s JOIN pairs ON pairs.ancestor = s.unit_id
    WHERE s.course_id = :course AND s.assigned_at <= :at
      AND (s.removed_at IS NULL OR s.removed_at > :at)""",
    "assigned_directly": """SELECT 1 FROM assignments s
            WHERE s.user_id = p.user_id AND s.course_id = :course AND s.assigned_at <= :at
              AND (s.removed_at IS NULL OR s.removed_at > :at)""",
    "started": """(EXISTS (
            SELECT 1 FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
            WHERE lp.user_id = p.user_id AND l.course_id = :course
              AND lp.opened_at <= :at AND (:since IS NULL OR lp.opened_at >= :since)
        ) OR EXISTS (
            SELECT 1 FROM attempts a JOIN quizzes q ON q.id = a.quiz_id
            WHERE a.user_id = p.user_id AND q.course_id = :course
              AND a.started_at <= :at AND (:since IS NULL OR a.started_at >= :since)
        ))""",
    "completed": """EXISTS (
            SELECT 1 FROM certificates c
            WHERE c.user_id = p.user_id AND c.course_id = :course
              AND c.issued_at <= :at AND (:since IS NULL OR c.issued_at >= :since)
        )""",
}
_ROUND = {
    # Open to the named units' subtrees, or to everyone when the contest names none.
    "assigned_units": """
    SELECT DISTINCT pairs.descendant AS unit_id
    FROM contest_units cu JOIN pairs ON pairs.ancestor = cu.unit_id
    WHERE cu.contest_id = :course
    UNION
    SELECT unit_id FROM subtree
    WHERE NOT EXISTS (SELECT 1 FROM contest_units cu WHERE cu.contest_id = :course)""",
    "assigned_directly": """SELECT 1 FROM contest_entrants e
            WHERE e.user_id = p.user_id AND e.contest_id = :course AND e.created_at <= :at""",
    "started": """EXISTS (
            SELECT 1 FROM attempts a
            WHERE a.user_id = p.user_id AND a.quiz_id = :final_quiz
              AND a.started_at <= :at AND (:since IS NULL OR a.started_at >= :since)
        )""",
    "completed": "EXISTS (SELECT 1 FROM graded WHERE graded.user_id = p.user_id)",
}


@dataclass(frozen=True)
class Figures:
    """One unit's row: counts over its subtree, and the rates computed from them."""

    unit: Unit
    depth: int
    members: int
    assigned: int
    started: int
    completed: int
    participants: int
    grade_sum: float
    passed: int
    has_children: bool = False
    # While the quiz hides results (a contest round before its close), no score is shown.
    scores_hidden: bool = False

    @staticmethod
    def _rate(part: float, whole: float) -> float | None:
        return part / whole if whole else None

    @property
    def participation_rate(self) -> float | None:
        return self._rate(self.started, self.members)

    @property
    def completion_rate(self) -> float | None:
        return self._rate(self.completed, self.assigned)

    @property
    def average_score(self) -> float | None:
        return None if self.scores_hidden else self._rate(self.grade_sum, self.participants)

    @property
    def pass_rate(self) -> float | None:
        return None if self.scores_hidden else self._rate(self.passed, self.participants)


@dataclass(frozen=True)
class Quiz:
    id: int
    grading_method: str
    pass_percent: int
    # False while the quiz's review timing hides scores (a round before its close).
    results_visible: bool = True


@dataclass(frozen=True)
class Subject:
    """What a report counts: a course (`id` is the course's), or a contest round (`id` is
    the contest's and `quiz` the round's quiz)."""

    kind: str  # "course" or "round"
    id: int
    quiz: Quiz | None

    @property
    def is_round(self) -> bool:
        return self.kind == "round"


def _statement(sql: str, subject: Subject) -> TextClause:
    """`sql` for `subject`: its definitions and its quiz's grading method filled in."""
    method = subject.quiz.grading_method if subject.quiz else "highest"
    pieces = _ROUND if subject.is_round else _COURSE
    filled = sql.format(grades=_GRADES[method], **pieces)
    dates = [bindparam(name, type_=UTCDateTime()) for name in ("at", "since")]
    return text(filled).bindparams(*(date for date in dates if f":{date.key}" in filled))


def _parameters(subject: Subject, until: dt.datetime, since: dt.datetime | None) -> dict:  # type: ignore[type-arg]
    final_quiz = subject.quiz
    return {
        "at": until,
        "since": since,
        "course": subject.id,
        "final_quiz": final_quiz.id if final_quiz else -1,
        "pass_percent": final_quiz.pass_percent if final_quiz else 101,
    }


def _jit_off(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # The planner guesses the recursive CTE at ~500,000 rows (really ~3,000) and so
        # compiles the statement with JIT, which costs more than the query (bench/report_bench.py).
        session.execute(text("SET LOCAL jit = off"))


def participation(
    session: Session,
    root: Unit,
    subject: Subject,
    *,
    until: dt.datetime,
    since: dt.datetime | None = None,
) -> list[Figures]:
    """Every unit of `root`'s subtree (as it stood at `until`) with its figures, in tree
    order. One statement, whatever the number of units."""
    _jit_off(session)
    rows = session.execute(
        _statement(_SQL, subject), {**_parameters(subject, until, since), "root": root.id}
    ).all()
    return _figures(session, rows, subject, until)


def _figures(
    session: Session, rows: Sequence[Row], subject: Subject, until: dt.datetime
) -> list[Figures]:  # type: ignore[type-arg]
    hidden = subject.quiz is not None and not subject.quiz.results_visible
    ids = [row.unit_id for row in rows]
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    figures = {
        # PostgreSQL's SUM of counts is NUMERIC (Decimal): counts are ints, grades floats.
        row.unit_id: Figures(
            units[row.unit_id],
            row.depth,
            int(row.members),
            int(row.assigned),
            int(row.started),
            int(row.completed),
            int(row.participants),
            float(row.grade_sum or 0),
            int(row.passed),
            scores_hidden=hidden,
        )
        for row in rows
    }
    return _tree_order(session, figures, until)


# --- snapshots -----------------------------------------------------------------------------


def _quiz_settings(subject: Subject) -> tuple[int | None, str, int]:
    quiz = subject.quiz
    if quiz is None:
        return None, "highest", 101
    return quiz.id, quiz.grading_method, quiz.pass_percent


def refresh_snapshot(session: Session, subject: Subject, now: dt.datetime) -> ParticipationSnapshot:
    """Compute every unit's figures (sums over its subtree) for `subject` at `now` and store
    them, with the unit's parent at `now`, in place of the subject's earlier snapshot, in
    the caller's transaction (one statement: the rows go from the query into the table
    without passing through Python)."""
    began = time.perf_counter()
    kind_id = (ParticipationSnapshot.subject_kind == subject.kind) & (
        ParticipationSnapshot.subject_id == subject.id
    )
    session.execute(delete(ParticipationSnapshot).where(kind_id))
    quiz_id, method, pass_percent = _quiz_settings(subject)
    snapshot = ParticipationSnapshot(
        subject_kind=subject.kind,
        subject_id=subject.id,
        quiz_id=quiz_id,
        grading_method=method,
        pass_percent=pass_percent,
        computed_at=now,
        seconds=0.0,
    )
    session.add(snapshot)
    session.flush()
    _jit_off(session)
    session.execute(
        _statement(_SNAPSHOT_WRITE, subject),
        {**_parameters(subject, now, None), "snapshot": snapshot.id},
    )
    snapshot.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    return snapshot


def usable_snapshot(
    session: Session, subject: Subject, now: dt.datetime, max_age: dt.timedelta
) -> ParticipationSnapshot | None:
    """The subject's snapshot if it is younger than `max_age` and was computed with the
    quiz settings in force (grading method, pass mark); None otherwise."""
    snapshot = session.scalar(
        select(ParticipationSnapshot).where(
            ParticipationSnapshot.subject_kind == subject.kind,
            ParticipationSnapshot.subject_id == subject.id,
        )
    )
    if snapshot is None or snapshot.computed_at < now - max_age or snapshot.computed_at > now:
        return None
    quiz_id, method, pass_percent = _quiz_settings(subject)
    settings = (snapshot.quiz_id, snapshot.grading_method, snapshot.pass_percent)
    return snapshot if settings == (quiz_id, method, pass_percent) else None


def participation_from_snapshot(
    session: Session, root: Unit, subject: Subject, snapshot: ParticipationSnapshot
) -> list[Figures]:
    """The same rows as participation(until=snapshot.computed_at), from the snapshot: one
    stored row per unit of the subtree instead of every member's activity."""
    rows = session.execute(
        _statement(_SNAPSHOT_READ, subject), {"root": root.id, "snapshot": snapshot.id}
    ).all()
    return _figures(session, rows, subject, snapshot.computed_at)


def _tree_order(
    session: Session,
    figures: dict[int, Figures],
    until: dt.datetime,
) -> list[Figures]:
    """Depth-first, children by name, each parent before its subtree; marks subtotal rows."""
    statement = text(
        "SELECT unit_id, parent_id FROM unit_links WHERE started_at <= :at "
        "AND (ended_at IS NULL OR ended_at > :at)"
    ).bindparams(bindparam("at", type_=UTCDateTime()))
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(statement, {"at": until}):
        if unit_id in figures:
            parent = parent_id if parent_id in figures else None
            children.setdefault(parent, []).append(unit_id)
    names = {unit_id: row.unit.name for unit_id, row in figures.items()}
    ordered: list[Figures] = []
    stack = sorted(children.get(None, []), key=names.__getitem__, reverse=True)
    while stack:
        unit_id = stack.pop()
        kids = sorted(children.get(unit_id, []), key=names.__getitem__, reverse=True)
        row = figures[unit_id]
        # Rows are built without children (most units have none): only parents are rebuilt.
        ordered.append(replace(row, has_children=True) if kids else row)
        stack.extend(kids)
    return ordered


def grassroots_rows(rows: list[Figures]) -> list[Figures]:
    """The rows of grassroots unions only (the usual rows of a union report)."""
    return [row for row in rows if row.unit.kind is UnitKind.GRASSROOTS]


_MEMBERS_SQL = """
SELECT u.id, u.full_name, u.phone, un.name AS unit_name,
    {last_opened} AS last_opened,
    (SELECT MAX(a.started_at) FROM attempts a {attempt_join}
      WHERE a.user_id = u.id AND {attempt_filter}) AS last_attempt,
    (SELECT MAX(a.percent) FROM attempts a
      WHERE a.user_id = u.id AND a.quiz_id = :final_quiz AND a.status = 'submitted') AS best,
    {completed_at} AS completed_at
FROM users u
JOIN units un ON un.id = u.unit_id
JOIN unit_closure uc ON uc.descendant_id = u.unit_id
WHERE uc.ancestor_id = :unit AND u.role = 'worker' AND u.is_active
ORDER BY un.name, u.name_folded
"""
_MEMBERS_COURSE = {
    "last_opened": """(SELECT MAX(lp.opened_at) FROM lesson_progress lp
      JOIN lessons l ON l.id = lp.lesson_id WHERE lp.user_id = u.id AND l.course_id = :course)""",
    "attempt_join": "JOIN quizzes q ON q.id = a.quiz_id",
    "attempt_filter": "q.course_id = :course",
    "completed_at": """(SELECT MIN(c.issued_at) FROM certificates c
      WHERE c.user_id = u.id AND c.course_id = :course)""",
}
_MEMBERS_ROUND = {
    "last_opened": "NULL",
    "attempt_join": "",
    "attempt_filter": "a.quiz_id = :final_quiz",
    "completed_at": """(SELECT MIN(a.submitted_at) FROM attempts a
      WHERE a.user_id = u.id AND a.quiz_id = :final_quiz AND a.status = 'submitted')""",
}


@dataclass(frozen=True)
class MemberStatus:
    user_id: int
    full_name: str
    phone: str | None
    unit_name: str
    status: str  # "not_started" | "started" | "completed"
    best_score: float | None
    last_activity: dt.datetime | None


def member_statuses(session: Session, unit: Unit, subject: Subject) -> list[MemberStatus]:
    """The members of a unit's subtree today, each with their standing in the course or
    round (the drill-down below a grassroots union)."""
    pieces = _MEMBERS_ROUND if subject.is_round else _MEMBERS_COURSE
    statement = text(_MEMBERS_SQL.format(**pieces)).columns(
        last_opened=UTCDateTime(), last_attempt=UTCDateTime(), completed_at=UTCDateTime()
    )
    quiz_id = subject.quiz.id if subject.quiz else -1
    hidden = subject.quiz is not None and not subject.quiz.results_visible
    rows = session.execute(
        statement, {"unit": unit.id, "course": subject.id, "final_quiz": quiz_id}
    )
    statuses = []
    for row in rows:
        moments = [m for m in (row.last_opened, row.last_attempt, row.completed_at) if m]
        status = "completed" if row.completed_at else ("started" if moments else "not_started")
        statuses.append(
            MemberStatus(
                row.id,
                row.full_name,
                row.phone,
                row.unit_name,
                status,
                None if hidden else row.best,
                max(moments) if moments else None,
            )
        )
    return statuses


SORT_KEYS = {
    "name": lambda row: row.unit.name,
    "members": lambda row: row.members,
    "assigned": lambda row: row.assigned,
    "started": lambda row: row.started,
    "completed": lambda row: row.completed,
    "participation_rate": lambda row: row.participation_rate or 0,
    "completion_rate": lambda row: row.completion_rate or 0,
    "average_score": lambda row: row.average_score or 0,
    "pass_rate": lambda row: row.pass_rate or 0,
}


def shown_rows(
    rows: list[Figures], *, kind: UnitKind | None, min_members: int, sort: str, descending: bool
) -> list[Figures]:
    """The tree as it is, or, when a filter or a sort is asked for, the matching units as a
    flat list (sorting a tree only makes sense level by level)."""
    if not (kind or min_members or sort):
        return rows
    chosen = [r for r in rows if (kind is None or r.unit.kind is kind) and r.members >= min_members]
    if sort:
        chosen.sort(key=SORT_KEYS[sort], reverse=descending)
    return chosen


def top_and_bottom(rows: list[Figures], count: int = 5) -> tuple[list[Figures], list[Figures]]:
    """The grassroots unions with members, best and worst by participation rate (worst
    first). With fewer than 2 x `count` unions they are split between the two lists, so the
    bottom list the README promises shows whenever there are two unions to compare."""
    ranked = sorted(
        (r for r in grassroots_rows(rows) if r.members),
        key=lambda r: (r.participation_rate or 0, r.members),
        reverse=True,
    )
    shown_top = min(count, (len(ranked) + 1) // 2)
    bottom = ranked[max(shown_top, len(ranked) - count) :]
    return ranked[:shown_top], list(reversed(bottom))


EXPORT_HEADER = [
    "Đơn vị",
    "Mã đơn vị",
    "Loại đơn vị",
    "Đoàn viên",
    "Được giao",
    "Đã bắt đầu",
    "Đã hoàn thành",
    "Tỷ lệ tham gia",
    "Tỷ lệ hoàn thành",
    "Điểm trung bình (%)",
    "Tỷ lệ đạt",
]
PERCENT_COLUMNS = (7, 8, 10)
COUNT_COLUMNS = (3, 4, 5, 6)


def _decimal_comma(value: float) -> str:
    """One decimal with a decimal comma ("16,7"): the CSV is written for Excel with
    Vietnamese regional settings, which reads "16.7" as text (or a date), not a number."""
    return f"{value:.1f}".replace(".", ",")


def row_kind(row: Figures) -> str:
    """What a row is, in words for the export: the unit's kind, and whether its figures sum
    the units below it (the depth number the export used to show meant nothing to people)."""
    with force_locale("vi"):
        label = row.unit.kind.label
    return f"{label} (cộng cả cấp dưới)" if row.has_children else label


def export_rows(rows: list[Figures], *, as_percent_text: bool) -> list[list[object]]:
    """Rows for the CSV or XLSX export: rates as fractions (XLSX formats them as percents)
    or as percentages written with a decimal comma (CSV, see the README)."""

    def rate(value: float | None) -> object:
        if value is None:
            return ""
        return _decimal_comma(value * 100) if as_percent_text else value

    def score(value: float | None) -> object:
        if value is None:
            return ""
        return _decimal_comma(value) if as_percent_text else round(value, 1)

    return [
        [
            row.unit.name,
            row.unit.code,
            row_kind(row),
            row.members,
            row.assigned,
            row.started,
            row.completed,
            rate(row.participation_rate),
            rate(row.completion_rate),
            score(row.average_score),
            rate(row.pass_rate),
        ]
        for row in rows
    ]
