"""On SQLite, start, save and submit read without the database's write lock and take it only
for their writes: a reply that writes nothing does not wait for another writer, and what one
request read before the lock is checked again inside it (a save or a start that came between
is neither lost nor doubled)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from learning import create_app
from learning.auth.models import User
from learning.courses.loader import read_course
from learning.courses.models import Choice, Course, Lesson
from learning.courses.services import load_course
from learning.db import build_engine, utcnow
from learning.migrate import upgrade
from learning.quizzes import services
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz
from learning.quizzes.queries import course_final_quiz
from tests.course_files import write_course
from tests.factories import Factory

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(scratch_database_url, tmp_path):
    """An app on a committed SQLite file (no test transaction), the sample course's final
    quiz (3 questions in file order) and a logged-in worker; the busy timeout is short, so
    that a request waiting for the write lock fails quickly."""
    if not scratch_database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock is what is tested")
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    with Session(engine, expire_on_commit=False) as session:
        load_course(session, read_course(write_course(tmp_path / "content")))
        quiz = course_final_quiz(session, session.scalar(select(Course.id)))
        quiz.question_count, quiz.shuffle_questions, quiz.shuffle_choices = 3, False, False
        worker = Factory(session).user()
        session.commit()
    app = create_app(
        {"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": scratch_database_url,
         "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
         "SQLITE_BUSY_TIMEOUT_MS": 300}
    )  # fmt: skip
    client = app.test_client()
    client.post("/login", data={"login": worker.phone, "password": "password123"})
    yield client, engine, quiz.id, worker.id, scratch_database_url.removeprefix("sqlite:///")
    app.extensions["database"].engine.dispose()
    engine.dispose()


def start(client, quiz_id):
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.text[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(client, attempt_id, position, choices, revision):
    data = {"shown": str(position), f"answer-{position}": [str(c) for c in choices],
            f"revision-{position}": str(revision)}  # fmt: skip
    return client.post(f"/attempts/{attempt_id}/save", data=data, headers=JSON)


def in_another_thread(work):
    """Run `work` to its commit in a thread of its own (another request, another tab)."""
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(work()))
    thread.start()
    thread.join(30)
    return outcome[0]


def before_the_lock(monkeypatch, work):
    """Run `work` once, in another thread, just before the request takes the write lock."""
    real = services.lock_for_write
    pending = [work]

    def racing(session):
        if pending:
            in_another_thread(pending.pop())
        return real(session)

    monkeypatch.setattr(services, "lock_for_write", racing)


def another_tab_saves(engine, user_id, attempt_id, position, display_choice):
    def work():
        with Session(engine, expire_on_commit=False) as session:
            user = session.get_one(User, user_id)
            answer = services.Answer(position, (display_choice,), 0)
            result = services.save_answers(session, user, attempt_id, [answer], utcnow())
            session.commit()
            return result

    return work


def correct_display_position(engine, attempt_id, position):
    with Session(engine) as session:
        slot = session.scalar(
            select(AttemptSlot).where(
                AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == position
            )
        )
        right = set(session.scalars(select(Choice.id).where(Choice.is_correct)))
        return next(n for n, choice in enumerate(slot.choice_order, 1) if choice in right)


def test_a_save_that_writes_nothing_does_not_wait_for_another_writer(world):
    client, _engine, quiz_id, _user_id, path = world
    attempt_id = start(client, quiz_id)
    assert save(client, attempt_id, 1, [1], 0).status_code == 200
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole test
    try:
        other.execute("UPDATE users SET last_login_at = CURRENT_TIMESTAMP")
        began = time.monotonic()
        repeated = save(client, attempt_id, 1, [1], 0)  # its reply was lost: sent again
        stale = save(client, attempt_id, 1, [2], 0)  # from a tab that did not see the save
        elapsed = time.monotonic() - began
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert repeated.status_code == 200 and repeated.json["saved"] == []
    assert stale.status_code == 409 and stale.json["kept"] == {"1": [1]}
    assert elapsed < 5  # answered, not "database is locked" after the busy timeout


def test_a_save_that_lost_the_race_is_refused_as_stale_and_changes_nothing(world, monkeypatch):
    client, engine, quiz_id, user_id, _path = world
    attempt_id = start(client, quiz_id)
    before_the_lock(monkeypatch, another_tab_saves(engine, user_id, attempt_id, 1, 2))
    late = save(client, attempt_id, 1, [1], 0)  # read revision 0; the other tab saved first
    assert late.status_code == 409
    assert late.json == {"saved": [], "stale": [1], "revisions": {"1": 1}, "kept": {"1": [2]}}
    with Session(engine) as session:
        slot = session.scalar(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id))
        assert slot.revision == 1 and len(slot.selected) == 1


def test_an_answer_saved_between_a_submits_reading_and_its_lock_is_graded(world, monkeypatch):
    client, engine, quiz_id, user_id, _path = world
    attempt_id = start(client, quiz_id)
    right = correct_display_position(engine, attempt_id, 1)
    before_the_lock(monkeypatch, another_tab_saves(engine, user_id, attempt_id, 1, right))
    response = client.post(f"/attempts/{attempt_id}/submit")
    assert response.status_code == 302
    with Session(engine) as session:
        attempt = session.get_one(Attempt, attempt_id)
        slot = session.scalar(
            select(AttemptSlot).where(
                AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == 1
            )
        )
        assert attempt.status is AttemptStatus.SUBMITTED
        assert slot.selected != [] and slot.mark == 1  # acknowledged, so graded
        assert attempt.score == 1


def test_a_start_between_another_starts_reading_and_its_lock_makes_one_attempt(world, monkeypatch):
    client, engine, quiz_id, user_id, _path = world

    def other_tab_starts():
        with Session(engine, expire_on_commit=False) as session:
            user = session.get_one(User, user_id)
            quiz = session.get_one(Quiz, quiz_id)
            attempt = services.start_attempt(session, user, quiz, utcnow())
            session.commit()
            return attempt.id

    before_the_lock(monkeypatch, other_tab_starts)
    attempt_id = start(client, quiz_id)
    with Session(engine) as session:
        attempts = session.scalars(select(Attempt.id).where(Attempt.user_id == user_id)).all()
        slots = session.scalar(
            select(func.count())
            .select_from(AttemptSlot)
            .where(AttemptSlot.attempt_id == attempt_id)
        )
    assert attempts == [attempt_id] and slots == 3


def statements_under_the_lock(engine, request):
    """The statements a request runs after its BEGIN IMMEDIATE (savepoints aside)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen.count("BEGIN IMMEDIATE") == 1
    locked = seen[seen.index("BEGIN IMMEDIATE") + 1 :]
    return [s.split()[0] + " " + s.split()[1] for s in locked if not s.startswith(SAVEPOINTS)]


SAVEPOINTS = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")


def test_start_save_and_submit_hold_the_lock_only_for_their_writes(world):
    client, _engine, quiz_id, _user_id, _path = world
    app_engine = client.application.extensions["database"].engine
    attempt_ids = []
    started = statements_under_the_lock(
        app_engine, lambda: attempt_ids.append(start(client, quiz_id))
    )
    assert started == ["INSERT INTO", "INSERT INTO"]  # the attempt, its slots
    saved = statements_under_the_lock(app_engine, lambda: save(client, attempt_ids[0], 1, [1], 0))
    assert saved == ["UPDATE attempt_slots"]
    submitted = statements_under_the_lock(
        app_engine, lambda: client.post(f"/attempts/{attempt_ids[0]}/submit")
    )
    assert submitted == ["UPDATE attempts", "UPDATE attempt_slots"]  # the grade, the marks


def test_a_page_that_writes_renders_after_its_commit_without_the_lock(world):
    """Opening a lesson records it (a GET that declares its write): the write lock is held for
    that write only, and the page's reads after the commit begin deferred, so no one waits
    for this page's rendering."""
    client, engine, _quiz_id, _user_id, _path = world
    with Session(engine) as session:
        course_slug, lesson_slug = session.execute(
            select(Course.slug, Lesson.slug).join(Lesson, Lesson.course_id == Course.id).limit(1)
        ).one()
    app_engine = client.application.extensions["database"].engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(app_engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/courses/{course_slug}/lessons/{lesson_slug}")
    finally:
        event.remove(app_engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert seen.count("BEGIN IMMEDIATE") == 1
    after = seen[seen.index("BEGIN IMMEDIATE") + 1 :]
    assert "BEGIN" in after, after  # the rendering reads in a deferred transaction
    locked = [s.split()[0] for s in after[: after.index("BEGIN")] if not s.startswith(SAVEPOINTS)]
    assert "INSERT" in locked or "UPDATE" in locked, locked
