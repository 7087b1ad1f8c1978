"""Werkzeug's URL builders, compiled once per test session instead of once per app.

The suite builds a new app for every test (`create_app`, tests/conftest.py), and nine tenths
of that is Werkzeug compiling, for each of the app's URL rules, two Python functions that
build its URLs (an AST put together and passed to `compile()`): about 0.1 s an app on a
quiet 2-core machine, more than a minute over the suite. The function depends only on the
rule's text and parsed parts, its defaults and its converters' kinds; it reaches the rule's
converters through the rule it is bound to (`self._converters`), so one compiled function
serves every app's copy of the same rule. `install()` puts a cache in front of
`Rule._compile_builder`; the functions it returns are the ones Werkzeug compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from werkzeug.routing import Rule

_compile_builder = Rule._compile_builder
_BUILDERS: dict[Hashable, Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> Hashable:
    """What the compiled builder of `rule` depends on."""
    converters = tuple((name, type(c)) for name, c in sorted(rule._converters.items()))
    defaults = repr(sorted((rule.defaults or {}).items()))
    return (rule.rule, tuple(rule._trace), defaults, converters, append_unknown)


def _cached_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    key = _key(self, append_unknown)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    """Cache the URL builders of every app made from now on in this process."""
    Rule._compile_builder = _cached_builder  # type: ignore[method-assign]
