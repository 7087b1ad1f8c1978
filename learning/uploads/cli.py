"""The command line's half of an upload: the `import` commands (members, units, questions)
list a file's rows and what each would do, the same way."""

from __future__ import annotations

from collections.abc import Iterable

import click


def echo_rows(word: str, rows: Iterable[tuple[int, str]]) -> None:
    """One line a row: "  row 3: what happens to it" (`word`: row, or line for text files)."""
    for number, text in rows:
        click.echo(f"  {word} {number}: {text}")
