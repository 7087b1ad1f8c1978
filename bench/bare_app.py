"""The baseline: a bare Flask endpoint doing one INSERT on the same database, with the same
engine settings as the app. Served by gunicorn next to the app in the benchmarks."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func, insert, inspect
from sqlalchemy.exc import DBAPIError

from learning.config import normalise_database_url
from learning.db import build_engine

metadata = MetaData()
bare_rows = Table(
    "bench_bare_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
)

app = Flask(__name__)
engine = build_engine(normalise_database_url(os.environ["DATABASE_URL"]))
try:
    metadata.create_all(engine)
except DBAPIError:
    # gunicorn's workers import this at once: another one may have just created the table.
    if not inspect(engine).has_table(bare_rows.name):
        raise


@app.post("/bare")
def bare() -> tuple[str, int]:
    with engine.begin() as connection:
        connection.execute(insert(bare_rows))
    return "ok", 200
