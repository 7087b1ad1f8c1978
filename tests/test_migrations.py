"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
