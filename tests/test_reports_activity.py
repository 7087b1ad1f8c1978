"""Activity over time: attempts and completions per local day and per week."""

import datetime as dt

from sqlalchemy import update

from learning.courses.models import Certificate
from learning.quizzes.models import Attempt
from learning.reports.activity import activity
from learning.reports.participation import Quiz, Subject
from tests.test_reports_participation import world  # noqa: F401 - the shared example


def course(quiz):
    return Subject("course", quiz.course_id, Quiz(quiz.id, "highest", 70))


def test_per_day_and_per_week(session, world, final_quiz):  # noqa: F811
    # 23:30 UTC on Sunday 1 Nov 2026 is 06:30 on Monday 2 Nov in Vietnam.
    late = dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.UTC)
    early = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
    session.execute(update(Attempt).values(started_at=late))
    first = session.query(Attempt).order_by(Attempt.id).first()
    first.started_at = early
    session.execute(update(Certificate).values(issued_at=late))
    session.commit()
    since, until = dt.datetime(2026, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    days = activity(session, world["p"].id, course(final_quiz), since=since, until=until)
    assert [(p.day, p.attempts, p.completions) for p in days] == [
        (dt.date(2026, 11, 1), 1, 0),
        (dt.date(2026, 11, 2), 3, 1),
    ]
    weeks = activity(
        session, world["p"].id, course(final_quiz), since=since, until=until, by="week"
    )
    assert [(p.day, p.attempts, p.completions) for p in weeks] == [
        (dt.date(2026, 10, 26), 1, 0),  # the week of Monday 26 October
        (dt.date(2026, 11, 2), 3, 1),
    ]
    scoped = activity(session, world["d2"].id, course(final_quiz), since=since, until=until)
    assert sum(p.attempts for p in scoped) == 1  # f's one attempt
