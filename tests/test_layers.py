"""The layers as the README states them: a view makes at most one write through a service and
reads through queries. Read from the source: no view module builds a SELECT, runs a statement,
or makes a model row itself (loading one row by its key, `session.get`, is not a query)."""

import ast
from pathlib import Path

import pytest

from learning.config import PROJECT_ROOT

VIEWS = sorted(
    path
    for path in (PROJECT_ROOT / "learning").rglob("*.py")
    if path.name.endswith("views.py") or path.parent.name == "views"
)
# The health check asks the database whether it answers: that is its whole job.
ALLOWED = {("main/views.py", "healthz")}
STATEMENTS = {"select", "insert", "update", "delete", "text"}
SESSION_CALLS = {"execute", "scalar", "scalars", "query", "add", "add_all", "delete", "merge"}


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(PROJECT_ROOT / "learning").as_posix()
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef) or (relative, function.name) in ALLOWED:
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            if isinstance(callee, ast.Name) and callee.id in STATEMENTS:
                found.append(f"{relative}:{node.lineno} {function.name}() builds {callee.id}()")
            elif (
                isinstance(callee, ast.Attribute)
                and callee.attr in SESSION_CALLS
                and isinstance(callee.value, ast.Attribute)
                and callee.value.attr == "session"
            ):
                found.append(
                    f"{relative}:{node.lineno} {function.name}() calls session.{callee.attr}"
                )
    return found


def test_views_are_found():
    assert len(VIEWS) >= 10


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_a_view_reads_through_queries_and_writes_through_services(path):
    assert _offences(path) == []


# A function longer than this says why it must be one piece, in a comment starting "# One piece:".
LONGEST = 60
SOURCES = sorted((PROJECT_ROOT / "learning").rglob("*.py"))


def _long_functions(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            body = lines[node.lineno - 1 : node.end_lineno]
            if length > LONGEST and not any("# One piece:" in line for line in body):
                found.append(
                    f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.name} ({length})"
                )
    return found


def _unformatted_code(path: Path) -> list[str]:
    """`# fmt: skip` kept for tables: a literal dict, list, tuple or set assigned or returned
    (or a frozenset of one)."""
    source = path.read_text(encoding="utf-8")
    ends = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt):
            ends.setdefault(node.end_lineno, []).append(node)
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        if "# fmt: skip" in line and not any(_is_table(n) for n in ends.get(number, [])):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}")
    return found


def _is_table(node: ast.stmt) -> bool:
    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign | ast.Return) else None
    if isinstance(value, ast.Call) and value.args:
        value = value.args[0]
    return isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set)


def test_functions_are_short_or_say_why():
    assert [f for path in SOURCES for f in _long_functions(path)] == []


def test_fmt_skip_only_on_tables():
    assert [f for path in SOURCES for f in _unformatted_code(path)] == []
