"""The databases a benchmark runs on: a new SQLite file, or a schema of its own in the
PostgreSQL of TEST_DATABASE_URL (default: the local one), dropped afterwards."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from learning.config import normalise_database_url
from learning.db import build_engine

LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@contextmanager
def database(kind: str, name: str) -> Iterator[str]:
    """Yield the URL of an empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'{name}-')) / 'bench.sqlite3'}"
        return
    if kind != "postgres":
        raise ValueError(f"unknown database {kind!r}: use sqlite and/or postgres")
    base = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    )
    schema = f"{name}_{os.getpid()}".replace("-", "_")
    engine = build_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
