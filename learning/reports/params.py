"""The parameters of a report, read from a URL or the command line, checked the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.courses.models import ContentStatus, Course
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _
from learning.org.models import Unit, UnitKind
from learning.quizzes.queries import course_final_quiz
from learning.reports.participation import Quiz

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SORTABLE = (
    "name",
    "members",
    "assigned",
    "started",
    "completed",
    "participation_rate",
    "completion_rate",
    "average_score",
    "pass_rate",
)


def parse_date(text: str | None, field: str) -> dt.date | None:
    """dd/mm/yyyy (or yyyy-mm-dd from a date picker); empty means not given."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(_("%(field)s is not a date: write it dd/mm/yyyy.", field=field))


@dataclass(frozen=True)
class ReportParams:
    unit: Unit
    course: Course
    quiz: Quiz | None
    since: dt.datetime | None
    until: dt.datetime
    date_from: dt.date | None
    date_to: dt.date | None
    kind: UnitKind | None = None
    min_members: int = 0
    sort: str = ""
    descending: bool = False


def build_params(
    session: Session,
    *,
    unit: Unit,
    course_ref: str,
    date_from: str | None,
    date_to: str | None,
    kind: str | None = None,
    min_members: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> ReportParams:
    """Check every parameter; an unknown course is a 404, a bad value a 400 with a message."""
    course = _course(session, course_ref)
    start, end = parse_date(date_from, _("From")), parse_date(date_to, _("To"))
    if start and end and end < start:
        raise InvalidInput(_("The end of the period is before its start."))
    now = dt.datetime.now(dt.UTC)
    until = now if end is None else min(now, _local_midnight(end + dt.timedelta(days=1)))
    since = _local_midnight(start) if start else None
    try:
        unit_kind = UnitKind(kind) if kind else None
    except ValueError:
        raise InvalidInput(_("Unknown kind of unit.")) from None
    minimum = (min_members or "0").strip()
    if not minimum.isdigit() or len(minimum) > 7:
        raise InvalidInput(_("The minimum number of members must be a whole number."))
    if sort and sort not in SORTABLE:
        raise InvalidInput(_("Unknown column to sort by."))
    final = course_final_quiz(session, course.id)
    quiz = Quiz(final.id, final.grading_method.value, final.pass_percent) if final else None
    return ReportParams(
        unit,
        course,
        quiz,
        since,
        until,
        start,
        end,
        unit_kind,
        int(minimum),
        sort or "",
        descending,
    )


def _course(session: Session, ref: str) -> Course:
    ref = (ref or "").strip()
    query = select(Course).where(Course.status == ContentStatus.PUBLISHED)
    query = query.where(Course.id == int(ref)) if ref.isdigit() else query.where(Course.slug == ref)
    course = session.scalar(query) if ref else None
    if course is None:
        raise NotFound(_("There is no such course."))
    return course


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)
