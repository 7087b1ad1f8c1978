"""The union learning platform: `create_app` builds the Flask application."""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Request, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from learning import config as config_module
from learning import db, i18n
from learning.auth import sessions
from learning.config import PROJECT_ROOT
from learning.courses.markdown import render_text
from learning.errors import DomainError
from learning.exchange.model import percent_text
from learning.extensions import csrf, limiter, login_manager
from learning.text import format_phone

# The largest id the database holds: ids are INTEGER columns, 32 bits on PostgreSQL (SQLite
# would take 64). A bigger number in a URL or a query names nothing, and must not reach the
# database, which refuses it ("integer out of range"; SQLite's driver: OverflowError).
MAX_ID = 2**31 - 1


def bounded_int(value: str) -> int:
    """int(value), refusing (ValueError) what no database integer can hold."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every URL: beyond a database integer, the URL matches nothing (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BoundedArgs(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query and form values: `get(name, type=int)` treats a number no database integer can
    hold like any other non-number (the default), so it never reaches a query."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        return super().get(key, default, bounded_int if type is int else type)


class BoundedRequest(Request):
    parameter_storage_class = BoundedArgs


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then the environment, then `config` (tests)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("LEARNING_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.request_class = BoundedRequest
    app.url_map.converters["int"] = BoundedIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings = config_module.default_config(Path(app.instance_path))
    settings.update(config_module.from_environment(os.environ))
    settings.update(config or {})
    config_module.finalise(settings, Path(app.instance_path))
    app.config.update(settings)

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    app.url_defaults(_versioned_static(app.static_folder or ""))
    db.init_app(app)
    i18n.init_app(app)
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["formatted"] = render_text
    app.jinja_env.filters["weight_percent"] = percent_text
    app.jinja_env.globals["can"] = _can
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    _register_cli(app)
    return app


@functools.lru_cache(maxsize=256)
def _file_digest(path: str, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def _versioned_static(folder: str) -> Any:
    """`url_for("static", filename=F)` gives `/static/F?v=<digest of F>`: a URL whose content
    never changes, which the reverse proxy caches for a year (deploy/nginx.conf). The digest
    is computed once per version of the file (keyed by its modification time and size)."""

    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        path = os.path.join(folder, values["filename"])
        try:
            found = os.stat(path)
        except OSError:
            return  # a missing file: the URL is a 404 either way
        values["v"] = _file_digest(path, found.st_mtime_ns, found.st_size)

    return add_version


def _can(permission: str, obj: Any = None) -> bool:
    """Templates' one question about permissions: `can("manage_account", member)`."""
    from learning.auth.scope import can

    return can(db.session, current_user, permission, obj)


def _register_blueprints(app: Flask) -> None:
    from learning.auth.views import bp as auth_bp
    from learning.authoring.views import bp as authoring_bp
    from learning.contests.views import bp as contests_bp
    from learning.courses.views import bp as courses_bp
    from learning.enrollment.views import bp as enrollment_bp
    from learning.exchange.views import bp as exchange_bp
    from learning.main.views import bp as main_bp
    from learning.members.views import bp as members_bp
    from learning.notices.views import bp as notices_bp
    from learning.notices.views import header_count
    from learning.org.views import bp as org_bp
    from learning.quizzes.views import bp as quizzes_bp
    from learning.reports.views import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(enrollment_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(contests_bp)
    app.register_blueprint(notices_bp)
    app.jinja_env.globals["notice_total"] = header_count


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _per_request() -> Response | None:
        g.csp_nonce = secrets.token_urlsafe(16)
        if sessions.is_checked_in_query(app.view_functions.get(request.endpoint or "")):
            return None  # the view checks the session in its own query (the answer save)
        if not sessions.may_reach(sessions.current_standing(), request.endpoint):
            return redirect(url_for("auth.change_password_form"))
        return None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Pages of a logged-in user are private. Read from the session cookie, not the user
        # object: after a database error the user can no longer be loaded.
        if session.get("_user_id"):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {"languages": app.config["LANGUAGES"]}


def _render_error(status: int, message: str | None = None, **context: Any) -> tuple[str, int]:
    page = render_template("errors/error.html", status=status, message=message, **context)
    return page, status


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[str, int]:
        db.session.rollback()
        return _render_error(error.status, str(error))

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[str, int] | Response:
        attempt_id = (request.view_args or {}).get("attempt_id")
        if attempt_id is not None and request.endpoint in ("quizzes.save", "quizzes.submit"):
            # A long quiz outlived its form: the answers saved so far are on the server.
            flash(
                i18n.gettext(
                    "The page had expired. Your saved answers are safe: check the "
                    "last one and continue."
                ),
                "error",
            )
            return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
        return _render_error(
            400,
            i18n.gettext(
                "This form has expired or was sent from another page. Go back, reload the page "
                "and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return _render_error(error.code)

    @app.errorhandler(IntegrityError)
    def _conflict(error: IntegrityError) -> tuple[str, int]:
        # Two requests raced to create the same thing (a unique constraint held): the
        # database is fine, and the person can simply look again.
        app.logger.warning("integrity error: %s", error.orig)
        db.session.rollback()
        return _render_error(
            409,
            i18n.gettext(
                "Someone else changed the same data at the same moment, so nothing was saved. "
                "Reload the page to see the current state and try again."
            ),
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_down(error: Exception) -> tuple[str, int]:
        app.logger.error("database error: %s", error)
        db.session.remove()
        # The page must not touch the database again: no user menu, and no second try at
        # loading the user (often what failed), which the template context would make.
        g._login_user = login_manager.anonymous_user()
        return _render_error(503, hide_nav=True)


def _register_cli(app: Flask) -> None:
    from learning.cli import register

    register(app)
