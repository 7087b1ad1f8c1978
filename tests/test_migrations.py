"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from learning.db import build_engine
from learning.migrate import downgrade, upgrade
from learning.models import Base


def test_autogenerate_finds_no_difference(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(tmp_path, scratch_database_url):
    url = scratch_database_url
    upgrade(url)
    downgrade(url, "base")
    engine = build_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    engine = build_engine(url)
    assert {"units", "users", "unit_closure"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrading_a_database_that_holds_data(scratch_database_url):
    """Later migrations run on a database with rows (batch rebuilds on SQLite included) and
    start the unit and membership history from what exists."""
    url = scratch_database_url
    upgrade(url, "0003")
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO units (code, name, name_folded, kind, is_active, created_at) "
                "VALUES ('A', 'A', 'a', 'federation', true, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (full_name, name_folded, phone, unit_id, role, password_hash, "
                "must_change_password, is_active, session_token, created_at) VALUES ('X', 'x', "
                "'+84900000001', (SELECT id FROM units), 'worker', 'h', false, true, 't', CURRENT_TIMESTAMP)"
            )
        )
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM unit_links")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM unit_memberships")).scalar() == 1
        assert connection.execute(text("SELECT is_pending FROM users")).scalar() in (False, 0)
    engine.dispose()


def test_existing_self_registrations_stay_unconfirmed(scratch_database_url):
    """0011: every account counts as confirmed by the roster except contest registrants (a
    worker without a unit) and join-link registrations that no officer approved."""
    url = scratch_database_url
    upgrade(url, "0009")
    engine = build_engine(url)
    people = {"imported": "1", "contest": None, "joined": "2", "approved": "3", "admin": None}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO units (code, name, name_folded, kind, is_active, "
                "approves_joins_automatically, created_at) "
                "VALUES ('A', 'A', 'a', 'grassroots', true, false, CURRENT_TIMESTAMP)"
            )
        )
        for n, (name, unit) in enumerate(people.items()):
            role = "admin" if name == "admin" else "worker"
            connection.execute(
                text(
                    "INSERT INTO users (full_name, name_folded, phone, unit_id, role, "
                    "password_hash, must_change_password, is_active, is_pending, session_token, "
                    "created_at) VALUES (:name, :name, :phone, "
                    + ("(SELECT id FROM units)" if unit else "NULL")
                    + ", :role, 'h', false, true, false, :name, CURRENT_TIMESTAMP)"
                ),
                {"name": name, "phone": f"+8490000000{n}", "role": role},
            )
        for name, action in (
            ("joined", "member.register"),
            ("approved", "member.register"),
            ("approved", "member.approve"),
        ):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (action, object_type, object_id, created_at) "
                    "VALUES (:action, 'user', (SELECT id FROM users WHERE full_name = :name), "
                    "CURRENT_TIMESTAMP)"
                ),
                {"action": action, "name": name},
            )
    upgrade(url)
    with engine.connect() as connection:
        confirmed = dict(
            connection.execute(text("SELECT full_name, confirmed_at IS NOT NULL FROM users")).all()
        )
    engine.dispose()
    assert {name: bool(value) for name, value in confirmed.items()} == {
        "imported": True,
        "contest": False,
        "joined": False,
        "approved": True,
        "admin": True,
    }
