"""The parameters of a report, read from a URL or the command line, checked the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.contests.models import Contest, Round
from learning.courses.models import ContentStatus, Course
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _
from learning.org.models import Unit, UnitKind
from learning.quizzes.queries import course_final_quiz
from learning.reports.participation import Quiz, Subject

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


# Reports cover the platform's life: a year outside these is a typing slip, and years at
# the calendar's ends (0001, 9999) would overflow when the period is turned into times.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def parse_date(text: str | None, field: str) -> dt.date | None:
    """dd/mm/yyyy (or yyyy-mm-dd from a date picker); empty means not given."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput(
                _(
                    "%(field)s must be a date between %(first)d and %(last)d.",
                    field=field,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
        return day
    raise InvalidInput(_("%(field)s is not a date: write it dd/mm/yyyy.", field=field))


@dataclass(frozen=True)
class ReportParams:
    """A checked report request. Exactly one of `course` and `round` is set."""

    unit: Unit
    course: Course | None
    round: Round | None
    subject: Subject
    since: dt.datetime | None
    until: dt.datetime
    date_from: dt.date | None
    date_to: dt.date | None
    kind: UnitKind | None = None
    min_members: int = 0
    sort: str = ""
    descending: bool = False

    @property
    def quiz(self) -> Quiz | None:
        return self.subject.quiz

    @property
    def title(self) -> str:
        """What the report is about, as its heading says it."""
        if self.round is not None:
            return f"{self.round.contest.title} — {_('Round %(n)d', n=self.round.number)}"
        assert self.course is not None
        return self.course.title

    @property
    def slug(self) -> str:
        """A name for files."""
        if self.round is not None:
            return f"cuoc-thi-{self.round.contest_id}-dot-{self.round.number}"
        assert self.course is not None
        return self.course.slug

    @property
    def audit(self) -> dict[str, int]:
        """What the audit log records of the subject."""
        if self.round is not None:
            return {"contest_id": self.round.contest_id, "round_id": self.round.id}
        assert self.course is not None
        return {"course_id": self.course.id}


def build_params(
    session: Session,
    *,
    unit: Unit,
    course_ref: str = "",
    round_ref: str = "",
    date_from: str | None,
    date_to: str | None,
    kind: str | None = None,
    min_members: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> ReportParams:
    """Check every parameter; an unknown course or round is a 404, a bad value a 400 with a
    message."""
    if bool((course_ref or "").strip()) == bool((round_ref or "").strip()):
        raise InvalidInput(_("Choose a course or a contest round (one of the two)."))
    course = _course(session, course_ref) if course_ref.strip() else None
    round_ = _round(session, round_ref) if round_ref.strip() else None
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
    if round_ is not None:
        final = round_.quiz
        subject_id, kind = round_.contest_id, "round"
    else:
        assert course is not None
        final = course_final_quiz(session, course.id)
        subject_id, kind = course.id, "course"
    quiz = (
        Quiz(final.id, final.grading_method.value, final.pass_percent, final.results_visible(now))
        if final
        else None
    )
    return ReportParams(
        unit,
        course,
        round_,
        Subject(kind, subject_id, quiz),
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
    by_id = ref.isdigit() and len(ref) < 10  # a longer number is no id: look it up as a slug
    query = query.where(Course.id == int(ref)) if by_id else query.where(Course.slug == ref)
    course = session.scalar(query) if ref else None
    if course is None:
        raise NotFound(_("There is no such course."))
    return course


def _round(session: Session, ref: str) -> Round:
    """A round of a published contest, by id."""
    ref = ref.strip()
    found = (
        session.scalar(
            select(Round)
            .join(Contest, Contest.id == Round.contest_id)
            .where(Round.id == int(ref), Contest.is_published)
        )
        if ref.isdigit() and len(ref) < 10
        else None
    )
    if found is None:
        raise NotFound(_("There is no such contest round."))
    return found


def contest_round(session: Session, contest_id: int, number: int | None) -> Round:
    """A published contest's round by its number, or its latest round that has opened."""
    contest = session.get(Contest, contest_id)
    if contest is None or not contest.is_published:
        raise NotFound(_("There is no such contest."))
    now = dt.datetime.now(dt.UTC)
    if number is None:
        opened = [r for r in contest.rounds if r.quiz.opens_at is None or r.quiz.opens_at <= now]
        if not opened:
            raise NotFound(_("No round of this contest has opened yet."))
        return opened[-1]
    found = next((r for r in contest.rounds if r.number == number), None)
    if found is None:
        raise NotFound(_("There is no such contest round."))
    return found


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)
