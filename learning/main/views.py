"""Home page, health check and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from learning import db
from learning.auth.views import safe_next
from learning.courses.queries import courses_for_user
from learning.i18n import LANGUAGE_COOKIE

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home() -> str:
    statuses = courses_for_user(db.session, current_user)
    started = [s for s in statuses if s.started and not s.is_complete]
    up_next = (started or [s for s in statuses if not s.is_complete] or [None])[0]
    return render_template("main/home.html", user=current_user, statuses=statuses, up_next=up_next)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up"), 200


@bp.post("/language/<lang>")
def set_language(lang: str) -> Response:
    """Remember the chosen language in a cookie (CSRF is checked app-wide)."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.form.get("next")) or url_for("main.home"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response
