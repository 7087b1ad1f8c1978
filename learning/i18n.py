"""Translations: Vietnamese by default, English on request; catalogs compiled on start.

Every user-facing string goes through `gettext` (`_`) or `lazy_gettext` (`_l`); a test
fails when the Vietnamese or English catalog misses one of them.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, format_datetime, format_decimal, get_locale, get_translations
from flask_babel import format_percent as babel_percent
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from learning.config import PROJECT_ROOT

__all__ = [
    "babel",
    "catalog",
    "compile_catalogs",
    "gettext",
    "lazy_gettext",
    "ngettext",
    "select_locale",
]

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
LANGUAGE_COOKIE = "lang"

babel = Babel()


def catalog() -> NullTranslations:
    """The catalog of the current language, looked up once per request and language.

    Flask-Babel finds it again on every call, through four context proxies and the locale's
    name (about 50 µs, against 1 µs for the lookup itself): with some fifty `_()` on a
    question page that was a third of the request's CPU. The catalog is kept next to the
    locale Flask-Babel chose; `force_locale` swaps that locale, and the catalog with it."""
    try:
        state = g._get_current_object().__dict__
    except RuntimeError:  # no application context: Flask-Babel answers untranslated
        return get_translations()
    babel_state = state.get("_flask_babel")
    kept = getattr(babel_state, "learning_catalog", None)
    if kept is not None and kept[0] is getattr(babel_state, "babel_locale", None):
        return kept[1]
    translations = get_translations()
    babel_state = state["_flask_babel"]  # made by get_translations, with the locale chosen
    babel_state.learning_catalog = (getattr(babel_state, "babel_locale", None), translations)
    return translations


def gettext(string: str, **variables: object) -> str:
    """Flask-Babel's `gettext` (the translation, then `%` with the variables if any), through
    the request's kept catalog."""
    translated = catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Flask-Babel's `ngettext`: `num` is among the variables."""
    variables.setdefault("num", num)
    return catalog().ungettext(singular, plural, num) % variables


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: object) -> str:
    """The templates' `_()` and `gettext()`: what Jinja's new-style gettext does (the
    translation, marked safe where the template escapes, then `%` with the variables, which
    escapes them), in one call. Jinja's own goes through three (`_` resolves `gettext`, which
    calls the installed function, each through the template context): with some fifty `_()`
    on a page, those calls were a tenth of its rendering."""
    translated = catalog().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 -- the catalog is ours, as for Jinja's
    # Always a format string, as Jinja's: "%%" reads "%" whether or not there are variables.
    return translated % variables


def lazy_gettext(string: str, **variables: object) -> LazyString:
    """`gettext` when the string is used, for forms and module-level labels."""
    return LazyString(gettext, string, **variables)


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
    app.jinja_env.install_gettext_callables(  # the templates' `_()`, through the kept catalog
        gettext=lambda string: catalog().ugettext(string),
        ngettext=lambda singular, plural, n: catalog().ungettext(singular, plural, n),
        pgettext=lambda context, string: catalog().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: catalog().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_date_time
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
