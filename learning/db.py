"""Database plumbing: the declarative base, the engine, and one session per request.

Views and CLI commands use `db.session` (a scoped session bound to the current app context);
services only `flush()`, and the request (or command) commits once. SQLite runs in WAL mode
with a busy timeout and begins write transactions IMMEDIATE, so concurrent writers queue for
the lock instead of failing with "database is locked" halfway through a transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    """Base of every model; constraint names follow one convention for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def _sqlite_wants_immediate() -> bool:
    # A request that only reads starts a deferred transaction so readers never queue behind
    # writers; everything else (POST, CLI commands, a GET that called begin_write) takes the
    # write lock up front.
    return writes_declared()


def writes_declared() -> bool:
    """Whether this request may write: any POST (and the like), or a GET that called
    `begin_write`. Outside a request (CLI, tests arranging data) writing is always allowed."""
    if not has_request_context():
        return True
    return request.method not in READ_METHODS or bool(g.get("db_write"))


def begin_write() -> None:
    """Declare that this request writes from now on: end the current (read) transaction, so
    that the next one begins IMMEDIATE on SQLite and waits its turn for the write lock.

    A GET that reads first and then writes in the same deferred transaction cannot wait for
    the lock: SQLite refuses to upgrade a read snapshot that another writer made stale
    ("database is locked"). `audit.record()` calls this itself, so a view that audits a read
    declares nothing more. Calling it twice is harmless."""
    if writes_declared():
        return
    session.commit()
    g.db_write = True


class UndeclaredWrite(RuntimeError):
    """A GET request flushed changes without `begin_write`: a programming error."""


def _refuse_undeclared_writes(write_session: Session, _context: Any, _instances: Any) -> None:
    # Every write in a GET must be declared (see begin_write); one that is not would fail
    # under concurrent writers on SQLite, only in production. Tests see it at once.
    if writes_declared() or not (write_session.new or write_session.dirty or write_session.deleted):
        return
    if current_app.testing:
        raise UndeclaredWrite(f"{request.method} {request.path} wrote without begin_write()")
    current_app.logger.error("%s %s wrote without begin_write()", request.method, request.path)


def build_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 15_000) -> Engine:
    """Create the engine for `url`, with the SQLite pragmas and transaction mode we rely on."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000}, future=True
        )
        install_sqlite_listeners(engine, busy_timeout_ms)
        return engine
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=1800
    )


def install_sqlite_listeners(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout, and explicit BEGIN so that IMMEDIATE is possible."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_wants_immediate() else "BEGIN")


class Database:
    """The engine and session factory of one application."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        event.listen(self.session_factory, "before_flush", _refuse_undeclared_writes)

    def bind_to(self, connection: Connection) -> None:
        """Run every session inside `connection`'s transaction (tests roll it back)."""
        self.session_factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        event.listen(self.session_factory, "before_flush", _refuse_undeclared_writes)


def _app_context_id() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


def _new_session() -> Session:
    return current_app.extensions["database"].session_factory()


session: scoped_session[Session] = scoped_session(_new_session, scopefunc=_app_context_id)


def init_app(app: Flask) -> Database:
    """Create the app's engine and make `session` close at the end of each app context."""
    database = Database(
        build_engine(
            app.config["DATABASE_URL"],
            echo=app.config["DATABASE_ECHO"],
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
    )
    app.extensions["database"] = database

    @app.teardown_request
    def _end_read(exc: BaseException | None) -> None:
        # A request that only read ends its transaction with COMMIT, not ROLLBACK: there is
        # nothing to commit, and psycopg answers every ROLLBACK by dropping the connection's
        # prepared statements (DEALLOCATE ALL), which the next requests would prepare again.
        if (
            exc is None
            and request.method in READ_METHODS
            and not g.get("db_write")
            and session.registry.has()
            and session().in_transaction()
        ):
            with contextlib.suppress(DBAPIError):  # it only read: the removal rolls back
                session.commit()

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()

    return database
