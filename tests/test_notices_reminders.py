"""Officers' reminders: a notice for each member not done (in scope only), e-mails queued
for those with an address, nothing sent twice on a double click; the outbox sent by
`flask notices send` to a real (local) SMTP server, with retries and a record of each
message sent; two workers never claim the same message."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from learning.auth.models import Role
from learning.config import ConfigError, from_environment
from learning.courses.models import Certificate
from learning.db import build_engine, utcnow
from learning.enrollment.services import assign_course
from learning.migrate import upgrade
from learning.notices import services
from learning.notices.models import Notice, OutboxMessage, Reminder
from learning.notices.poster import ReadyMessage
from learning.notices.queries import notice_count
from tests.clock import federation_today
from tests.smtp import free_port, smtp_server


@pytest.fixture
def scene(session, make, sample_course):
    sample_course.is_open_to_all = False
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    with_mail = make.user(unit=tree.grassroots_a, full_name="Lò Văn Thư")
    with_mail.email = "thu@example.test"
    without_mail = make.user(unit=tree.grassroots_a, full_name="Giàng A Páo")
    done = make.user(unit=tree.grassroots_a, full_name="Đã Xong")
    done.email = "xong@example.test"
    outsider = make.user(unit=tree.grassroots_b)
    outsider.email = "ngoai@example.test"
    session.add(
        Certificate(
            code="TEST-0000-0001",
            user_id=done.id,
            course_id=sample_course.id,
            holder_name=done.full_name,
            unit_name="x",
            course_title="x",
        )
    )
    due = federation_today() + dt.timedelta(days=5)
    assignment = assign_course(
        session, officer, sample_course.id, unit_id=tree.province.id, due_on=due
    )
    session.commit()
    return {
        "tree": tree,
        "officer": officer,
        "with_mail": with_mail,
        "without_mail": without_mail,
        "done": done,
        "outsider": outsider,
        "assignment": assignment,
        "course": sample_course,
    }


def _message(scene):
    return ReadyMessage(
        scene["course"].title,
        scene["tree"].district_a.name,
        scene["assignment"].due_on,
        federation_today(),
        "http://x.test/a/1",
    )


def _remind(session, scene, now=None):
    outcome = services.remind(
        session,
        scene["officer"],
        scene["assignment"],
        unit_id=scene["tree"].district_a.id,
        message=_message(scene),
        now=now or utcnow(),
    )
    session.commit()
    return outcome


def test_reminder_reaches_those_not_done_in_scope(session, scene):
    outcome = _remind(session, scene)
    assert not outcome.repeated
    reached = set(session.scalars(select(Notice.user_id)))
    assert reached == {scene["with_mail"].id, scene["without_mail"].id}
    mails = session.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in mails] == ["thu@example.test"]
    assert "Chào Lò Văn Thư" in mails[0].body and "http://x.test/a/1" in mails[0].body
    assert outcome.reminder.recipients == 2 and outcome.reminder.emails == 1


def test_double_click_sends_once_and_later_again(session, scene):
    now = utcnow()
    first = _remind(session, scene, now)
    second = _remind(session, scene, now + dt.timedelta(seconds=2))
    assert second.repeated and second.reminder.id == first.reminder.id
    assert session.scalar(select(func.count()).select_from(Notice)) == 2
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    later = _remind(session, scene, now + services.REMIND_WINDOW + dt.timedelta(seconds=1))
    assert not later.repeated
    assert session.scalar(select(func.count()).select_from(Reminder)) == 2
    assert session.scalar(select(func.count()).select_from(Notice)) == 4


def test_notice_count_and_read(session, scene):
    worker = scene["without_mail"]
    today, now = federation_today(), utcnow()
    before = notice_count(session, worker, today, now)  # the assignment, due within a week
    assert before == 1
    _remind(session, scene)
    assert notice_count(session, worker, today, utcnow()) == 2
    assert services.mark_notices_read(session, worker, utcnow()) == 1
    assert notice_count(session, worker, today, utcnow()) == 1


def _send(runner, inbox, app):
    app.config.update(
        SMTP_HOST=inbox.host,
        SMTP_PORT=inbox.port,
        SMTP_STARTTLS=False,
        SMTP_FROM="hoc-tap@congdoan.test",
    )
    return runner.invoke(args=["notices", "send"])


def test_send_delivers_to_the_smtp_server_once(app, runner, session, scene):
    _remind(session, scene)
    with smtp_server() as inbox:
        result = _send(runner, inbox, app)
        assert result.exit_code == 0, result.output
        assert "1 sent" in result.output
        again = runner.invoke(args=["notices", "send"])
    [mail] = inbox.to("thu@example.test")
    assert mail["Subject"] == f"Nhắc học: {scene['course'].title}"
    assert mail["From"] == "hoc-tap@congdoan.test"
    assert "Học trên điện thoại: http://x.test/a/1" in mail.get_content()
    assert "0 sent" in again.output and len(inbox.messages) == 1
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_refused_address_is_given_up_and_server_down_is_retried(app, runner, session, scene):
    _remind(session, scene)
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(),
        SMTP_STARTTLS=False,
        SMTP_FROM="hoc-tap@congdoan.test",
    )
    down = runner.invoke(args=["notices", "send"])
    assert down.exit_code == 1 and "1 to retry later" in down.output
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
    assert row.next_try_at > utcnow() and "connect" in row.last_error
    # Not due yet: the next run leaves it alone.
    assert "0 sent, 0 to retry" in runner.invoke(args=["notices", "send"]).output
    row.next_try_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    with smtp_server() as inbox:
        inbox.refuse.add("thu@example.test")
        result = _send(runner, inbox, app)
    assert "1 given up" in result.output and inbox.messages == []
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert row.failed_at is not None and "550" in row.last_error


def test_send_without_smtp_says_so(runner, session, scene):
    _remind(session, scene)
    result = runner.invoke(args=["notices", "send"])
    assert result.exit_code == 1
    assert "SMTP_HOST is not set" in result.output and "1 message(s) waiting" in result.output


def test_bad_smtp_port_is_a_configuration_error():
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        from_environment({"SMTP_PORT": "hai mươi lăm"})


def test_two_claims_never_share_a_message(session, scene):
    for n in range(5):
        session.add(OutboxMessage(to_address=f"n{n}@example.test", subject="s", body="b"))
    session.commit()
    now = utcnow()
    first = services.claim_messages(session, "a", now, limit=3)
    second = services.claim_messages(session, "b", now, limit=3)
    assert len(first) == 3 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    # A lease that ran out (its worker died) lets another worker take the rows over.
    third = services.claim_messages(
        session, "c", now + services.CLAIM_LEASE + dt.timedelta(seconds=1)
    )
    assert len(third) == 5


def test_postgres_workers_skip_rows_locked_by_another(requires_postgres, scratch_database_url):
    """Two real connections: the first worker's claim is not committed yet (its rows are
    locked); the second worker passes over them instead of waiting, and takes the rest."""
    from sqlalchemy.orm import Session

    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    try:
        with Session(engine) as setup:
            for n in range(4):
                setup.add(OutboxMessage(to_address=f"n{n}@example.test", subject="s", body="b"))
            setup.commit()
        now = utcnow()
        with Session(engine) as one, Session(engine) as two:
            two.execute(select(1))
            first = services.claim_messages(one, "one", now, limit=2)  # not committed
            second = services.claim_messages(two, "two", now, limit=4)
            assert {m.id for m in first}.isdisjoint({m.id for m in second})
            assert len(first) == 2 and len(second) == 2
            one.commit()
            two.commit()
    finally:
        engine.dispose()


def test_a_long_vietnamese_subject_arrives_intact():
    import email
    import email.policy

    from learning.notices.mailer import build_message

    subject = "Nhắc học: Pháp luật lao động cho đoàn viên, người lao động"
    raw = build_message("a@congdoan.test", "b@example.test", subject, "Chào bạn,\n").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_content() == "Chào bạn,\n"


def test_a_dead_workers_claim_is_taken_over_by_the_next_run(app, runner, session, scene):
    """The job survives a restart: a worker that claimed a message and died before sending
    it leaves the row in the table; once its lease runs out, the next run sends it."""
    _remind(session, scene)
    services.claim_messages(session, "dead-worker", utcnow() - services.CLAIM_LEASE * 2)
    session.commit()
    with smtp_server() as inbox:
        result = _send(runner, inbox, app)
    assert "1 sent" in result.output and len(inbox.to("thu@example.test")) == 1


def test_worker_loop_sends_and_stops(app, runner, session, scene):
    _remind(session, scene)
    with smtp_server() as inbox:
        app.config.update(
            SMTP_HOST=inbox.host,
            SMTP_PORT=inbox.port,
            SMTP_STARTTLS=False,
            SMTP_FROM="hoc-tap@congdoan.test",
        )
        result = runner.invoke(args=["notices", "worker", "--interval", "1", "--max-runs", "2"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and "Stopped." in result.output
    assert len(inbox.messages) == 1


def test_postgres_two_officers_at_once_remind_once(requires_postgres, scratch_database_url):
    """Two requests for the same reminder at the same moment (two officers, a double click
    reaching two servers): the second waits for the first's row lock, then finds its
    reminder and sends nothing."""
    import threading

    from sqlalchemy.orm import Session

    from learning.courses.models import ContentStatus, Course
    from tests.factories import Factory

    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    try:
        with Session(engine) as setup:
            make = Factory(setup)
            tree = make.tree()
            officer = make.user(role=Role.OFFICER, unit=tree.district_a)
            make.user(unit=tree.grassroots_a)
            course = Course(slug="k", title="K", summary="", status=ContentStatus.PUBLISHED)
            setup.add(course)
            setup.flush()
            assignment = assign_course(setup, officer, course.id, unit_id=tree.district_a.id)
            setup.commit()
            ids = (officer.id, assignment.id, tree.district_a.id)
        message = ReadyMessage("K", "A", None, federation_today(), "http://x.test/a/1")
        outcomes = {}

        def press(name, session):
            from learning.auth.models import User
            from learning.enrollment.models import Assignment

            actor, target = session.get(User, ids[0]), session.get(Assignment, ids[1])
            outcomes[name] = services.remind(
                session, actor, target, unit_id=ids[2], message=message, now=utcnow()
            )

        with Session(engine) as one, Session(engine) as two:
            press("one", one)  # holds the assignment's row lock until it commits
            other = threading.Thread(target=press, args=("two", two))
            other.start()
            other.join(timeout=1)
            assert other.is_alive(), "the second request should wait for the first"
            one.commit()
            other.join(timeout=10)
            two.commit()
        assert not outcomes["one"].repeated and outcomes["two"].repeated
        with Session(engine) as check:
            assert check.scalar(select(func.count()).select_from(Reminder)) == 1
    finally:
        engine.dispose()
