"""The seeded database of the browser tests, made once per test session and put back for
each module that needs fresh data.

Seeding is what `make run` does: `flask db upgrade`, `flask courses load`, then `flask demo`.
It costs seconds, and every browser module used to pay it (three `flask` processes), with a
gunicorn of its own. Now the seed is made once, in a SQLite file or a PostgreSQL schema of its own, and
`restore` copies its rows into another migrated database of the same kind: the tables
emptied, every row inserted again with the same ids, the id counters set as the seed left
them. Copying rows, not the database (a file copy, `CREATE DATABASE ... TEMPLATE`), is what
lets one gunicorn serve every module: its connections stay open across the copy, and a
template cannot be copied while anyone is connected to it.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import make_url, text

from learning import create_app
from learning.db import build_engine
from learning.migrate import upgrade
from learning.models import Base


def seed(url: str, secret_key: str) -> None:
    """Migrate the empty database at `url`, load the courses and make the demo data, as
    `make run` does, in this process (a `flask` process costs its start and the app's
    imports again: seconds each on a busy 2-core machine). `secret_key` is the server's, which
    keys the temporary passwords the demo may store."""
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret_key, "ENV_NAME": "development"})
    runner = app.test_cli_runner()
    try:
        for command in (["courses", "load"], ["demo"]):  # the demo contest draws from the banks
            result = runner.invoke(args=command, catch_exceptions=False)
            assert result.exit_code == 0, f"flask {' '.join(command)}:\n{result.output}"
    finally:
        app.extensions["database"].engine.dispose()


def _columns(table) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f'"{column.name}"' for column in table.columns)


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    assert path, f"not a SQLite file: {url}"
    return path


def restore_sqlite(seed_url: str, target_url: str) -> None:
    """The rows of the seed file into the migrated file `target_url`, in one transaction
    (a server reading the target waits for it, then sees the seed's rows)."""
    connection = sqlite3.connect(_sqlite_path(target_url), timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")  # the order of the copies is free
        connection.execute("ATTACH DATABASE ? AS seed", (_sqlite_path(seed_url),))
        connection.execute("BEGIN IMMEDIATE")
        for table in Base.metadata.sorted_tables:
            columns = _columns(table)
            connection.execute(f'DELETE FROM main."{table.name}"')
            connection.execute(
                f'INSERT INTO main."{table.name}" ({columns}) '
                f'SELECT {columns} FROM seed."{table.name}"'
            )
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE seed")
    finally:
        connection.close()


def _schema(url: str) -> str:
    """The schema a PostgreSQL URL of tests.conftest.with_schema uses."""
    options = make_url(url).query.get("options", "")
    assert isinstance(options, str) and "search_path=" in options, url
    return options.split("search_path=", 1)[1]


def restore_postgres(seed_url: str, target_url: str) -> None:
    """The rows of the seed's schema into the migrated schema of `target_url`, in one
    transaction: every table truncated at once, the rows inserted parents first, then each
    id sequence set to the seed's."""
    source, target = _schema(seed_url), _schema(target_url)
    tables = Base.metadata.sorted_tables
    engine = build_engine(target_url)
    try:
        with engine.begin() as connection:
            names = ", ".join(f'"{target}"."{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            for table in tables:
                columns = _columns(table)
                connection.execute(
                    text(
                        f'INSERT INTO "{target}"."{table.name}" ({columns}) '
                        f'SELECT {columns} FROM "{source}"."{table.name}"'
                    )
                )
            sequences = connection.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = :schema AND last_value IS NOT NULL"
                ),
                {"schema": source},
            ).all()
            for name, last_value in sequences:
                connection.execute(
                    text("SELECT setval(:sequence, :value)"),
                    {"sequence": f'"{target}"."{name}"', "value": last_value},
                )
    finally:
        engine.dispose()


def restore(seed_url: str, target_url: str) -> None:
    """Put the seed's rows into the migrated database `target_url` (of the same kind)."""
    if seed_url.startswith("postgresql"):
        restore_postgres(seed_url, target_url)
    else:
        restore_sqlite(seed_url, target_url)


def copy(seed_url: str, target_url: str) -> None:
    """A new database at `target_url` (a SQLite file not yet there, or an empty PostgreSQL
    schema) holding what the seed holds."""
    if seed_url.startswith("postgresql"):
        upgrade(target_url)
        restore_postgres(seed_url, target_url)
        return
    source = sqlite3.connect(_sqlite_path(seed_url))
    target = sqlite3.connect(_sqlite_path(target_url))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
