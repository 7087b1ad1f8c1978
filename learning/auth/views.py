"""Log in, log out, change password, and a user's profile page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from learning import db
from learning.audit.services import record
from learning.auth import limits, queries, services, sessions
from learning.auth.forms import ChangePasswordForm, LoginForm
from learning.auth.models import User
from learning.auth.scope import require_user
from learning.errors import DomainError, NotFound
from learning.extensions import login_manager
from learning.i18n import gettext as _
from learning.i18n import lazy_gettext as _l

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login_form"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """The user a session cookie names, if its session token is still the current one."""
    claim = sessions.read_claim(alternative_id)
    if claim is None:
        return None
    user = queries.get_session_user(db.session, claim.user_id)
    if sessions.standing(claim.token, user) is sessions.Standing.NOBODY:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return None
    return target


@bp.get("/login")
def login_form() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=safe_next(request.args.get("next")) or "")
    return render_template("auth/login.html", form=form)


@bp.post("/login")
def login() -> tuple[str, int] | Response:
    form = LoginForm()
    if not form.validate():
        # Malformed posts are refused before any counting: they judge no password.
        return render_template("auth/login.html", form=form), 400
    user = queries.find_user_by_login(db.session, form.login.data)
    buckets = limits.buckets_for(
        user, form.login.data, request.remote_addr or "", request.cookies.get(limits.DEVICE_COOKIE)
    )
    if limits.enabled():
        blocked = limits.seconds_blocked(db.session, buckets)
        if blocked is not None:
            return _too_many(form, *blocked)
    user = services.authenticate(db.session, form.login.data, form.password.data)
    if user is None:
        db.session.rollback()
        if limits.enabled():
            limits.record_failure(db.session, buckets)
            db.session.commit()
        error = _("The login or password is not correct.")
        return render_template("auth/login.html", form=form, error=error), 401
    db.session.commit()
    session.clear()  # no session fixation: the logged-in session starts empty
    login_user(user)
    session.permanent = True
    target = (
        url_for("auth.change_password_form")
        if user.must_change_password
        else safe_next(form.next.data) or url_for("main.home")
    )
    response = redirect(target)
    if buckets.device is None:  # this device is now trusted for this account
        response.set_cookie(
            limits.DEVICE_COOKIE,
            limits.device_cookie_value(user),
            max_age=limits.DEVICE_COOKIE_DAYS * 86400,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def _too_many(form: LoginForm, bucket: str, seconds: int) -> tuple[str, int, dict[str, str]]:
    db.session.rollback()
    wait = limits.minutes(seconds)
    if bucket == "address":
        error = _(
            "Too many failed logins from this network. Wait %(minutes)d minute(s) and try again.",
            minutes=wait,
        )
    else:
        error = _(
            "Too many failed attempts for this account. Wait %(minutes)d minute(s) "
            "and try again, or log in from the device you usually use.",
            minutes=wait,
        )
    page = render_template("auth/login.html", form=form, error=error)
    return page, 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
@login_required
def logout() -> Response:
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    response = redirect(url_for("auth.login_form"))
    # What this browser stored for the person (lessons kept by the service worker, answers
    # waiting to be sent) goes with them: the phone may be shared.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/password")
@login_required
def change_password_form() -> str:
    return render_template("auth/change_password.html", form=ChangePasswordForm())


@bp.post("/password")
@login_required
def change_password() -> tuple[str, int] | Response:
    form = ChangePasswordForm()
    if not form.validate():
        return render_template("auth/change_password.html", form=form), 400
    user = current_user._get_current_object()
    try:
        services.change_password(
            db.session, user, form.current_password.data, form.new_password.data
        )
    except DomainError as error:
        db.session.rollback()
        return render_template("auth/change_password.html", form=form, error=str(error)), 400
    db.session.commit()
    login_user(user)  # the old cookie is void; this request's session carries the new token
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("main.home"))


@bp.get("/users/<int:user_id>")
@login_required
def profile(user_id: int) -> str:
    user = queries.get_user(db.session, user_id)
    if user is None:
        raise NotFound()
    require_user(db.session, current_user, user)
    if current_user.id != user.id:
        # Someone else's personal data was shown (Law on Personal Data Protection).
        record(
            db.session, current_user.id, "member.view", "user", user.id, after={"page": "profile"}
        )
        db.session.commit()
    return render_template("auth/profile.html", user=user)
