"""Configuration from the environment, the secret key, and SQLite's concurrency settings."""

import threading

import pytest
from sqlalchemy import text

from learning import create_app
from learning.config import ConfigError, normalise_database_url
from learning.db import build_engine


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 64
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LEARNING_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LEARNING_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/p.db", busy_timeout_ms=15_000)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_concurrent_sqlite_writers_wait_instead_of_failing(tmp_path):
    """Read-then-write transactions from many threads: deferred BEGIN would fail some with
    "database is locked" (a lock upgrade cannot wait); BEGIN IMMEDIATE queues them."""
    engine = build_engine(f"sqlite:///{tmp_path}/c.db", busy_timeout_ms=30_000)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[Exception] = []
    threads_count, rounds = 8, 25

    def work() -> None:
        for _ in range(rounds):
            try:
                with engine.begin() as connection:
                    n = connection.execute(text("SELECT n FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        total = connection.execute(text("SELECT n FROM counter")).scalar_one()
    engine.dispose()
    assert errors == []
    assert total == threads_count * rounds  # no lost update either
