"""Translations: Vietnamese by default, English on request; catalogs compiled on start.

Every user-facing string goes through `gettext` (`_`) or `lazy_gettext` (`_l`); a test
fails when the Vietnamese or English catalog misses one of them.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    Babel,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    lazy_gettext,
    ngettext,
)
from flask_babel import format_percent as babel_percent

from learning.config import PROJECT_ROOT

__all__ = ["babel", "compile_catalogs", "gettext", "lazy_gettext", "ngettext", "select_locale"]

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
LANGUAGE_COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    """The language cookie when it names a language we have, else the configured default."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> None:
    """Write each `.mo` next to its `.po` when missing or older (the `.mo` files are built,
    not committed). Written to a temporary name and renamed, so concurrent starts are safe."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        tmp_path = mo_path.with_suffix(f".mo.{id(catalog)}.tmp")
        with tmp_path.open("wb") as handle:
            write_mo(handle, catalog)
        tmp_path.replace(mo_path)


def format_date(value) -> str:  # type: ignore[no-untyped-def]
    """Dates read dd/mm/yyyy, in the installation's time zone."""
    return format_datetime(value, "dd/MM/yyyy") if value else ""


def format_date_time(value) -> str:  # type: ignore[no-untyped-def]
    """A moment as dd/mm/yyyy HH:mm, in the installation's time zone."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def format_number(value, decimals: int = 0) -> str:  # type: ignore[no-untyped-def]
    """A figure in the page's language: 1.234 and 16,7 in Vietnamese, 1,234 and 16.7 in
    English (Babel's conventions); "—" for no figure."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern)


def format_percent(value, decimals: int = 1) -> str:  # type: ignore[no-untyped-def]
    """A fraction 0..1 as a percentage in the page's language ("16,7%" in Vietnamese, the
    CLDR pattern); "—" for no figure."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return babel_percent(value, format=pattern)


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_date_time
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
