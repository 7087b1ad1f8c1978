"""The header's notice count, on most pages, is one statement, and always the number of
notices the home page lists (new, due soon and overdue courses, open contest rounds, unread
reminders), whatever the assignments, certificates and rounds."""

import datetime as dt

import pytest
from sqlalchemy import update

from learning.auth.models import Role
from learning.contests import services as contest_services
from learning.courses.models import Certificate, ContentStatus
from learning.db import utcnow
from learning.enrollment.models import Assignment
from learning.enrollment.services import assign_course
from learning.notices.queries import count_of, notice_count, notices_for
from tests.clock import federation_today
from tests.contest_helpers import enter, make_contest
from tests.statements import StatementCounter


@pytest.fixture
def scene(session, make, sample_course):
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.province)
    worker = make.user(unit=tree.grassroots_a)
    session.commit()
    return tree, officer, worker, sample_course


def counts(session, connection, worker):
    today, now = federation_today(), utcnow()
    session.expire_all()
    assert worker.id  # loaded again before counting
    with StatementCounter(connection) as counter:
        header = notice_count(session, worker, today, now)
    listed = count_of(notices_for(session, worker, today, now))
    return header, listed, len(counter.statements)


def test_the_count_is_one_statement_and_matches_the_list(session, connection, make, scene):
    tree, officer, worker, course = scene
    assert counts(session, connection, worker) == (0, 0, 1)

    # Assigned twice (to the unit, far off; to the person, soon): one course, due soon.
    soon, far = (
        federation_today() + dt.timedelta(days=3),
        federation_today() + dt.timedelta(days=60),
    )
    assign_course(session, officer, course.id, unit_id=tree.district_a.id, due_on=far)
    assign_course(session, officer, course.id, user_id=worker.id, due_on=soon)
    session.commit()
    assert counts(session, connection, worker) == (1, 1, 1)

    # Long assigned, the deadline far: no longer a notice.
    old = utcnow() - dt.timedelta(days=40)
    session.execute(update(Assignment).values(assigned_at=old, due_on=far))
    session.commit()
    assert counts(session, connection, worker) == (0, 0, 1)

    # Overdue: a notice again, until the course is unpublished or certified.
    session.execute(update(Assignment).values(due_on=federation_today() - dt.timedelta(days=1)))
    session.commit()
    assert counts(session, connection, worker) == (1, 1, 1)
    course.status = ContentStatus.ARCHIVED
    session.commit()
    assert counts(session, connection, worker) == (0, 0, 1)
    course.status = ContentStatus.PUBLISHED
    session.add(
        Certificate(
            code="TEST-0000-0009",
            user_id=worker.id,
            course_id=course.id,
            holder_name="x",
            unit_name="x",
            course_title="x",
        )
    )
    session.commit()
    assert counts(session, connection, worker) == (0, 0, 1)

    # An open round counts until the person begins it.
    contest, round_, _admin = make_contest(session, make, course)
    assert counts(session, connection, worker) == (1, 1, 1)
    enter(session, contest, worker)
    contest_services.start(session, worker, round_, utcnow())
    session.commit()
    assert counts(session, connection, worker) == (0, 0, 1)


def test_a_person_without_a_unit_counts_what_reaches_them(session, connection, make, scene):
    tree, officer, _worker, course = scene
    loner = make.user()  # no unit: only what is assigned to them, and rounds open to all
    assign_course(session, officer, course.id, unit_id=tree.province.id)
    session.commit()
    assert counts(session, connection, loner) == (0, 0, 1)
    assign_course(session, officer, course.id, user_id=loner.id)
    make_contest(session, make, course)
    make_contest(session, make, course, unit_ids=[tree.province.id])  # not theirs
    assert counts(session, connection, loner) == (2, 2, 1)
