"""Participation in a course per unit, over an optional date range, as one SQL statement.

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
- every unit's figures are sums over its subtree, and rates are computed from those sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from learning.db import UTCDateTime
from learning.org.models import Unit, UnitKind

# The final quiz's grade per participant, by grading method.
_GRADES = {
    "highest": "SELECT user_id, MAX(percent) AS grade FROM graded GROUP BY user_id",
    "average": "SELECT user_id, AVG(percent) AS grade FROM graded GROUP BY user_id",
    "first": "SELECT user_id, percent AS grade FROM (SELECT user_id, percent, ROW_NUMBER() OVER "
    "(PARTITION BY user_id ORDER BY number) AS n FROM graded) ranked WHERE n = 1",
    "last": "SELECT user_id, percent AS grade FROM (SELECT user_id, percent, ROW_NUMBER() OVER "
    "(PARTITION BY user_id ORDER BY number DESC) AS n FROM graded) ranked WHERE n = 1",
}

_SQL = """
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
people AS (
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
facts AS (
    SELECT p.user_id, p.unit_id,
        CASE WHEN EXISTS (
            SELECT 1 FROM assignments s
            WHERE s.course_id = :course AND s.assigned_at <= :at
              AND (s.removed_at IS NULL OR s.removed_at > :at)
              AND (s.user_id = p.user_id OR s.unit_id IN (
                    SELECT ancestor FROM pairs WHERE descendant = p.unit_id))
        ) THEN 1 ELSE 0 END AS assigned,
        CASE WHEN EXISTS (
            SELECT 1 FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
            WHERE lp.user_id = p.user_id AND l.course_id = :course
              AND lp.opened_at <= :at AND (:since IS NULL OR lp.opened_at >= :since)
        ) OR EXISTS (
            SELECT 1 FROM attempts a JOIN quizzes q ON q.id = a.quiz_id
            WHERE a.user_id = p.user_id AND q.course_id = :course
              AND a.started_at <= :at AND (:since IS NULL OR a.started_at >= :since)
        ) THEN 1 ELSE 0 END AS started,
        CASE WHEN EXISTS (
            SELECT 1 FROM certificates c
            WHERE c.user_id = p.user_id AND c.course_id = :course
              AND c.issued_at <= :at AND (:since IS NULL OR c.issued_at >= :since)
        ) THEN 1 ELSE 0 END AS completed,
        g.grade
    FROM people p LEFT JOIN grades g ON g.user_id = p.user_id
)
SELECT subtree.unit_id, subtree.depth,
    COUNT(f.user_id) AS members,
    COALESCE(SUM(f.assigned), 0) AS assigned,
    COALESCE(SUM(f.assigned * f.started), 0) AS started,
    COALESCE(SUM(f.assigned * f.completed), 0) AS completed,
    COUNT(f.grade) AS participants,
    SUM(f.grade) AS grade_sum,
    COALESCE(SUM(CASE WHEN f.grade >= :pass_percent THEN 1 ELSE 0 END), 0) AS passed
FROM subtree
LEFT JOIN pairs ON pairs.ancestor = subtree.unit_id
LEFT JOIN facts f ON f.unit_id = pairs.descendant
GROUP BY subtree.unit_id, subtree.depth
"""


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
        return self._rate(self.grade_sum, self.participants)

    @property
    def pass_rate(self) -> float | None:
        return self._rate(self.passed, self.participants)


@dataclass(frozen=True)
class Quiz:
    id: int
    grading_method: str
    pass_percent: int


def participation(
    session: Session,
    root: Unit,
    course_id: int,
    final_quiz: Quiz | None,
    *,
    until: dt.datetime,
    since: dt.datetime | None = None,
) -> list[Figures]:
    """Every unit of `root`'s subtree (as it stood at `until`) with its figures, in tree
    order. One statement, whatever the number of units."""
    method = final_quiz.grading_method if final_quiz else "highest"
    statement = text(_SQL.format(grades=_GRADES[method])).bindparams(
        bindparam("at", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime())
    )
    rows = session.execute(
        statement,
        {
            "at": until,
            "since": since,
            "root": root.id,
            "course": course_id,
            "final_quiz": final_quiz.id if final_quiz else -1,
            "pass_percent": final_quiz.pass_percent if final_quiz else 101,
        },
    ).all()
    ids = [row.unit_id for row in rows]
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    figures = {
        row.unit_id: Figures(
            units[row.unit_id],
            row.depth,
            row.members,
            row.assigned,
            row.started,
            row.completed,
            row.participants,
            float(row.grade_sum or 0),
            row.passed,
        )
        for row in rows
    }
    return _tree_order(session, figures, until)


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
    ordered: list[Figures] = []
    stack = sorted(children.get(None, []), key=lambda i: figures[i].unit.name, reverse=True)
    while stack:
        unit_id = stack.pop()
        kids = sorted(children.get(unit_id, []), key=lambda i: figures[i].unit.name, reverse=True)
        row = figures[unit_id]
        ordered.append(Figures(**{**row.__dict__, "has_children": bool(kids)}))
        stack.extend(kids)
    return ordered


def grassroots_rows(rows: list[Figures]) -> list[Figures]:
    """The rows of grassroots unions only (the usual rows of a union report)."""
    return [row for row in rows if row.unit.kind is UnitKind.GRASSROOTS]
