"""A GET that writes (an audited view of members' data) declares it, and waits its turn for
SQLite's write lock instead of failing; an undeclared write in a GET is caught; a unique
constraint lost to a race is a 409 with a message, not "database unavailable"."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning import create_app, db
from learning.audit.models import AuditEntry
from learning.auth.models import Role, User
from learning.auth.services import create_user
from learning.db import UndeclaredWrite, build_engine
from learning.migrate import upgrade
from tests.factories import Factory


@pytest.fixture
def file_app(scratch_database_url, tmp_path):
    """An app on a committed SQLite file (no test transaction): an admin and a member."""
    if not scratch_database_url.startswith("sqlite"):
        pytest.skip("SQLite's lock upgrade is what is tested")
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        unit = make.unit()
        admin = make.user(role=Role.ADMIN)
        member = make.user(unit=unit)
        session.commit()
    engine.dispose()
    app = create_app(
        {"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": scratch_database_url,
         "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
         "SQLITE_BUSY_TIMEOUT_MS": 10_000}
    )  # fmt: skip
    yield app, scratch_database_url.removeprefix("sqlite:///"), admin, member
    app.extensions["database"].engine.dispose()


def hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another connection takes the write lock, writes, and commits after `seconds`."""
    ready = threading.Event()

    def writer() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET last_login_at = CURRENT_TIMESTAMP")
        ready.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    ready.wait(5)
    return thread


@pytest.mark.parametrize("page", ["/users/{member}", "/members", "/members/{member}/manage"])
def test_an_audited_read_waits_for_another_writer(file_app, page):
    app, path, admin, member = file_app
    client = app.test_client()
    client.post("/login", data={"login": admin.phone, "password": "password123"})
    writer = hold_write_lock(path, 1.0)
    try:
        response = client.get(page.format(member=member.id))
    finally:
        writer.join(10)
    assert response.status_code == 200, response.text[:300]
    with Session(app.extensions["database"].engine) as session:
        assert session.scalar(select(func.count(AuditEntry.id))) == 1


@pytest.fixture
def probe_app(app: Flask) -> Flask:
    """The test app with two probe views: a GET writing without declaring it, and a POST
    creating an account whose phone is taken (a race lost to the unique constraint)."""

    def undeclared() -> str:
        db.session.add(AuditEntry(action="probe", object_type="x", object_id=None))
        db.session.commit()
        return "written"

    def duplicate() -> str:
        phone = db.session.scalar(select(User.phone).limit(1))
        create_user(db.session, full_name="Trùng Số", password="password123", phone=phone)
        db.session.commit()
        return "created"

    app.add_url_rule("/_probe/undeclared", view_func=undeclared, methods=["GET"])
    app.add_url_rule("/_probe/duplicate", view_func=duplicate, methods=["POST"])
    return app


def test_a_get_that_writes_without_declaring_is_caught(probe_app):
    with pytest.raises(UndeclaredWrite):
        probe_app.test_client().get("/_probe/undeclared")


def test_a_unique_constraint_race_is_a_409_with_a_message(probe_app, make, session):
    make.user(phone="0912000111")
    users = session.scalar(select(func.count(User.id)))
    response = probe_app.test_client().post("/_probe/duplicate")
    assert response.status_code == 409
    assert "cùng lúc" in response.text  # "at the same moment", in Vietnamese
    assert "Cơ sở dữ liệu" not in response.text
    assert session.scalar(select(func.count(User.id))) == users


def test_a_post_that_reads_first_writes_only_after_lock_for_write(app):
    def early() -> str:
        db.session.add(AuditEntry(action="probe", object_type="x", object_id=None))
        db.session.commit()
        return "written"

    def declared() -> str:
        db.session.scalar(select(func.count(User.id)))  # reads first
        db.lock_for_write(db.session)
        db.session.add(AuditEntry(action="probe", object_type="x", object_id=None))
        db.session.commit()
        return "written"

    app.add_url_rule("/_probe/early", view_func=db.reads_first(early), methods=["POST"])
    app.add_url_rule("/_probe/declared", view_func=db.reads_first(declared), methods=["POST"])
    with pytest.raises(UndeclaredWrite):
        app.test_client().post("/_probe/early")
    assert app.test_client().post("/_probe/declared").text == "written"
