"""The PostgreSQL pool hands out live connections: one the server closed while it sat in the
pool (terminated, a restart) is replaced before a request uses it."""

import time

from sqlalchemy import text

from learning.config import normalise_database_url
from learning.db import build_engine


def test_a_connection_the_server_closed_is_replaced_at_checkout(requires_postgres):
    engine = build_engine(normalise_database_url(requires_postgres), busy_timeout_ms=1000)
    try:
        with engine.connect() as connection:
            pid = connection.scalar(text("SELECT pg_backend_pid()"))
        # It now waits in the pool; the server ends it (as bench.faults does).
        admin = build_engine(normalise_database_url(requires_postgres))
        with admin.begin() as other:
            assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):  # until the backend has gone
                gone = not other.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                )
                if gone:
                    break
                time.sleep(0.01)
        admin.dispose()
        with engine.connect() as connection:  # no OperationalError: another connection
            assert connection.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()
