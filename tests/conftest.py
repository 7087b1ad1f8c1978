"""Fixtures for both databases.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The
schema is built once per session by the real Alembic migrations; every test then runs inside
a transaction that is rolled back (sessions join it through savepoints), so tests never see
each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from learning import create_app
from learning.config import normalise_database_url
from learning.db import build_engine
from learning.extensions import limiter
from learning.migrate import upgrade
from tests import url_builders
from tests.factories import Factory

url_builders.install()  # a new app per test: its URL rules' builders compiled once
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def with_schema(url: str, schema: str) -> str:
    """`url` with its connections' search_path set to `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema(url: str, name: str) -> Iterator[str]:
    """A schema of its own for this run (so that two runs on one database do not meet);
    yields the URL that uses it, and drops it afterwards."""
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield with_schema(url, name)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this test session."""
    if TEST_DATABASE_URL:
        with postgres_schema(
            normalise_database_url(TEST_DATABASE_URL), f"pytest_{os.getpid()}"
        ) as url:
            upgrade(url)
            yield url
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, object]:
    """The settings of the test app; tests may change them before asking for `app`."""
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
    }


@pytest.fixture
def app(app_config: dict[str, object], connection: Connection) -> Iterator[Flask]:
    app = create_app(app_config)
    app.extensions["database"].engine.dispose()
    app.extensions["database"].bind_to(connection)
    limiter.reset()
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session for arranging and checking data, in the test's transaction."""
    session = Session(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    yield session
    session.close()


@pytest.fixture
def make(session: Session) -> Factory:
    """Factories: `make.unit(...)`, `make.user(...)`, `make.tree()`."""
    return Factory(session)


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, login: str, password: str = "password123", **environ: str):  # type: ignore[no-untyped-def]
        return self._client.post(
            "/login", data={"login": login, "password": password}, environ_base=environ
        )

    def logout(self):  # type: ignore[no-untyped-def]
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def requires_postgres() -> str:
    """Skip (with the reason) unless the suite runs on PostgreSQL."""
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    return TEST_DATABASE_URL


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, apart from the shared one (a PostgreSQL schema
    of its own, or a new SQLite file), for tests that migrate or commit for real."""
    if not is_postgres(database_url):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    base = normalise_database_url(TEST_DATABASE_URL or "")
    with postgres_schema(
        base, f"scratch_{os.getpid()}_{tmp_path.name[-20:]}".replace("-", "_")
    ) as url:
        yield url


@pytest.fixture
def sample_course(session: Session, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The small course of tests/course_files.py, loaded (3 questions, 2 lessons)."""
    from learning.courses.loader import read_course
    from learning.courses.models import Course
    from learning.courses.services import load_course
    from tests.course_files import write_course

    load_course(session, read_course(write_course(tmp_path / "content")))
    session.commit()
    return session.scalar(select(Course).where(Course.slug == "khoa-thu"))


@pytest.fixture
def final_quiz(session: Session, sample_course):  # type: ignore[no-untyped-def]
    """The sample course's final quiz: all 3 questions, in file order, choices unshuffled,
    10 minutes, pass at 70%; tests change its settings as they need."""
    from learning.quizzes.queries import course_final_quiz

    quiz = course_final_quiz(session, sample_course.id)
    quiz.question_count = 3
    quiz.shuffle_questions = False
    quiz.shuffle_choices = False
    session.commit()
    return quiz
