"""Counting the SQL statements a piece of code runs (savepoints aside)."""

from __future__ import annotations

from sqlalchemy import event


class StatementCounter:
    """The SQL statements run on `connection` inside the `with` block."""

    def __init__(self, connection):  # type: ignore[no-untyped-def]
        self.connection = connection
        self.statements: list[str] = []

    def __enter__(self) -> StatementCounter:
        event.listen(self.connection, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.connection, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)
