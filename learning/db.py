"""Database plumbing: the declarative base, the engine, and one session per request.

Views and CLI commands use `db.session` (a scoped session bound to the current app context);
services only `flush()`, and the request (or command) commits once. SQLite runs in WAL mode
with a busy timeout and begins write transactions IMMEDIATE, so concurrent writers queue for
the lock instead of failing with "database is locked" halfway through a transaction.

How a request's transactions begin is declared here, once: a GET reads (deferred, no lock)
until it calls `begin_write`; a POST holds the write lock from its first statement, unless
its view is marked `reads_first`: then it reads without the lock and its service takes the
lock with `lock_for_write` for the statements that write, checking again there what must be
atomic (the quiz engine's start, save and submit, so that a class's requests do not queue
behind each other's reading, checking and drawing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # Windows: the threads of one process still take turns
    fcntl = None  # type: ignore[assignment]

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    DeclarativeBase,
    Session,
    SessionTransaction,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_View = TypeVar("_View", bound=Callable[..., Any])


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


def reads_first(view: _View) -> _View:
    """Declare that this POST view reads before it writes: its transaction begins deferred
    (on SQLite, without the write lock), and whatever writes takes the lock itself with
    `lock_for_write`, re-checking inside it what must be atomic. Put it right under the route
    decorator. A flush before `lock_for_write` is an undeclared write (UndeclaredWrite)."""
    view.db_reads_first = True  # type: ignore[attr-defined]
    return view


def writes_declared() -> bool:
    """Whether this request may write now: a POST (and the like) unless its view reads first
    and has not yet called `lock_for_write`, or a GET that called `begin_write`. Outside a
    request (CLI, tests arranging data) writing is always allowed."""
    if not has_request_context():
        return True
    if g.get("db_write"):
        return True
    return request.method not in READ_METHODS and not _reads_first()


def lock_for_write(write_session: Session) -> bool:
    """Begin the part of a `reads_first` request that writes; a no-op (False) anywhere else.

    On SQLite this ends the read transaction and the next statement begins IMMEDIATE, waiting
    its turn for the write lock: the caller gets True, and must check again, inside the lock,
    whatever it read that must not have changed (a revision, "not submitted yet"), because
    another request may have written since. On PostgreSQL the transaction goes on (the row
    locks its reads took with FOR UPDATE hold what they read) and the answer is False."""
    if writes_declared():
        return False
    if write_session.get_bind().dialect.name != "sqlite":
        g.db_write = True
        return False
    write_session.commit()
    g.db_write = True
    return True


def _reads_first() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "db_reads_first", False))


def _end_write(_session: Session, transaction: SessionTransaction) -> None:
    # Once a request that reads first, or a page that declared its write (`begin_write`), has
    # committed (or rolled back), what it does next (the page, an error page) reads again
    # without the lock: nobody waits for its rendering. A second write is declared again.
    # (`after_commit` cannot tell: the session is still in its transaction when it runs.)
    if transaction.parent is not None or not has_request_context():
        return
    if request.method in READ_METHODS or _reads_first():
        g.pop("db_write", None)


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
    """A GET flushed changes without `begin_write`, or a `reads_first` POST before
    `lock_for_write`: a programming error."""


def _refuse_undeclared_writes(write_session: Session, _context: Any, _instances: Any) -> None:
    # Every write in a GET must be declared (see begin_write); one that is not would fail
    # under concurrent writers on SQLite, only in production. Tests see it at once.
    if writes_declared() or not (write_session.new or write_session.dirty or write_session.deleted):
        return
    if current_app.testing:
        raise UndeclaredWrite(f"{request.method} {request.path} wrote undeclared")
    current_app.logger.error("%s %s wrote undeclared", request.method, request.path)


def build_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 15_000) -> Engine:
    """Create the engine for `url`, with the SQLite pragmas and transaction mode we rely on."""
    if url.startswith("sqlite"):
        # A file database gets as many pooled connections as PostgreSQL: with fewer than the
        # worker's threads (SQLAlchemy's default keeps 5), every busy moment opens and closes
        # overflow connections, each paying for its pragmas.
        path = make_url(url).database
        in_memory = path in (None, "", ":memory:") or path.startswith("file:")
        pool = {} if in_memory else {"pool_size": 10, "max_overflow": 10}
        connect_args: dict[str, Any] = {"timeout": busy_timeout_ms / 1000}
        if not in_memory:
            connect_args["factory"] = QueuedConnection
        engine = create_engine(url, echo=echo, connect_args=connect_args, **pool)
        install_sqlite_listeners(engine, busy_timeout_ms)
        return engine
    # The pre-ping (a ';' round trip at each checkout) replaces a connection the server ended
    # (terminated, restarted) before a request fails on it. Polling the socket instead, with
    # no round trip, was tried: it misses a backend told to end a few milliseconds before the
    # checkout (not yet gone), which the ping's answer catches; bench.faults then answered
    # more saves with 503 (2-4 against 0-3 per run).
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=1800
    )


# One lock per database file and process, shared by every engine on that file.
_PROCESS_WRITERS: dict[str, threading.Lock] = {}
_PROCESS_WRITERS_GUARD = threading.Lock()


class _WriterQueue:
    """Writers to one SQLite file take turns here before BEGIN IMMEDIATE.

    SQLite's own wait for its write lock polls, sleeping longer and longer (up to 100 ms a
    time): under a class's load a writer that has waited a while sleeps through the moments
    the lock is free, newcomers take it, and a few requests wait a second. Here the threads of
    one process wait on a lock of their own (woken at once), and the one at the head takes a
    lock on a file beside the database (flock, between processes), trying every millisecond.
    Either wait ends at the busy timeout, and then SQLite's own wait decides, as before."""

    def __init__(self, database: str) -> None:
        with _PROCESS_WRITERS_GUARD:
            key = os.path.abspath(database)
            self.lock = _PROCESS_WRITERS.setdefault(key, threading.Lock())
        self.path = f"{database}-writers"

    def open(self) -> int | None:
        """A descriptor of the lock file for one connection (flock locks each separately)."""
        if fcntl is None:
            return None
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None

    def enter(self, descriptor: int | None, timeout: float) -> bool:
        """Wait for this connection's turn (at most `timeout` seconds); True if it has it."""
        deadline = time.monotonic() + timeout
        if not self.lock.acquire(timeout=timeout):
            return False
        if descriptor is None or fcntl is None:
            return True
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.lock.release()
                    return False
                time.sleep(0.001)

    def leave(self, descriptor: int | None) -> None:
        if descriptor is not None and fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        self.lock.release()


class QueuedConnection(sqlite3.Connection):
    """A pysqlite connection that keeps its writer's turn (`_WriterQueue`) from BEGIN
    IMMEDIATE until its transaction ends (commit, rollback or close)."""

    queue: _WriterQueue | None = None
    descriptor: int | None = None
    timeout: float = 0.0
    in_turn: bool = False

    def take_turn(self) -> None:
        if self.queue is not None and not self.in_turn:
            self.in_turn = self.queue.enter(self.descriptor, self.timeout)

    def _end_turn(self) -> None:
        if self.in_turn and self.queue is not None:
            self.in_turn = False
            self.queue.leave(self.descriptor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()
            if self.descriptor is not None:
                os.close(self.descriptor)
                self.descriptor = None


def install_sqlite_listeners(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout, explicit BEGIN so that IMMEDIATE is possible, and
    writers taking turns (`_WriterQueue`) on a file database."""
    database = engine.url.database
    queue = _WriterQueue(database) if database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs the log at checkpoints, not at every commit: a crash of
            # the application loses nothing committed; a power cut may lose the last commits
            # (never the database's consistency). See README, "Running in production".
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if queue is not None and isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.queue = queue
            dbapi_connection.descriptor = queue.open()
            dbapi_connection.timeout = busy_timeout_ms / 1000

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not _sqlite_wants_immediate():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if not isinstance(dbapi_connection, QueuedConnection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        dbapi_connection.take_turn()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.rollback()  # gives the turn back
            raise


class Database:
    """The engine and session factory of one application."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        self._listen()

    def _listen(self) -> None:
        event.listen(self.session_factory, "before_flush", _refuse_undeclared_writes)
        event.listen(self.session_factory, "after_transaction_end", _end_write)

    def bind_to(self, connection: Connection) -> None:
        """Run every session inside `connection`'s transaction (tests roll it back)."""
        self.session_factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._listen()


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
