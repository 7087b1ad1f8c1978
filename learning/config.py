"""Configuration: defaults first, then environment variables (documented in the README)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run: the message says what to set."""


def default_config(instance_path: Path) -> dict[str, Any]:
    """The settings every installation starts from."""
    return {
        "ENV_NAME": "development",
        "DATABASE_URL": f"sqlite:///{instance_path / 'learning.sqlite3'}",
        "DATABASE_ECHO": False,
        "SQLITE_BUSY_TIMEOUT_MS": 15_000,
        "REDIS_URL": None,
        "SECRET_KEY": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        "FEDERATION_NAME": "Liên đoàn Lao động tỉnh Lào Cai",
        # Forms: Flask-WTF's default one-hour token life is too short for a long quiz; the
        # server-side answers survive anyway, but a login form left open should not expire.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # A session lasts 12 hours from logging in, and the cookie is not signed and sent
        # again with every response (a contest's saves are most of its requests).
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Rate limits (Flask-Limiter syntax). The account limit is strict and counts failed
        # logins only; the address limit is generous because a factory's workers share one
        # address behind NAT.
        "RATELIMIT_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute;20 per hour",
        "LOGIN_LIMIT_PER_ADDRESS": "300 per minute",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Contests: each account's starts, entries and submissions; registrations per
        # address (generous: a factory's workers register together behind one address).
        "CONTEST_LIMIT_PER_ACCOUNT": "30 per minute",
        "CONTEST_REGISTER_LIMIT_PER_ADDRESS": "100 per hour",
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
        "PROXY_COUNT": 0,
        # Publishing authored content needs a second admin's approval (four eyes). Turn off
        # (AUTHORING_FOUR_EYES=false) only where one person runs the whole installation.
        "AUTHORING_FOUR_EYES": True,
        # E-mail for reminders, sent by `flask notices send|worker` (never from a request).
        # Without SMTP_HOST messages wait in the outbox.
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_FROM": None,
        "SMTP_STARTTLS": True,
        "SMTP_SSL": False,
        "SMTP_TIMEOUT": 30,
        # The participation report of a whole course or round (no period chosen) reads the
        # snapshot `flask report refresh` writes on a schedule, if it is younger than this
        # (seconds); older or missing, the report is computed from the activity itself.
        "REPORT_SNAPSHOT_MAX_AGE": 3600,
    }


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Read the settings that the environment overrides."""
    found: dict[str, Any] = {}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FEDERATION_NAME"):
        if environ.get(name):
            found[name] = environ[name]
    if environ.get("LEARNING_ENV"):
        found["ENV_NAME"] = environ["LEARNING_ENV"].strip().lower()
    if environ.get("DEFAULT_LANGUAGE"):
        found["BABEL_DEFAULT_LOCALE"] = environ["DEFAULT_LANGUAGE"].strip()
    if environ.get("PROXY_COUNT"):
        found["PROXY_COUNT"] = int(environ["PROXY_COUNT"])
    if environ.get("DATABASE_ECHO"):
        found["DATABASE_ECHO"] = _env_bool(environ["DATABASE_ECHO"])
    if environ.get("AUTHORING_FOUR_EYES"):
        found["AUTHORING_FOUR_EYES"] = _env_bool(environ["AUTHORING_FOUR_EYES"])
    if environ.get("RATELIMIT_ENABLED"):
        found["RATELIMIT_ENABLED"] = _env_bool(environ["RATELIMIT_ENABLED"])
    for name in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM"):
        if environ.get(name):
            found[name] = environ[name]
    for name in ("SMTP_PORT", "SMTP_TIMEOUT", "REPORT_SNAPSHOT_MAX_AGE"):
        if environ.get(name):
            try:
                found[name] = int(environ[name])
            except ValueError:
                raise ConfigError(f"{name} must be a whole number.") from None
    for name in ("SMTP_STARTTLS", "SMTP_SSL"):
        if environ.get(name):
            found[name] = _env_bool(environ[name])
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: Path) -> str:
    """Return the key kept under instance/, generating it on first use.

    The file is created exclusively so that two processes starting together agree on one key.
    """
    key_file = instance_path / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return key_file.read_text(encoding="ascii").strip()


def finalise(config: dict[str, Any], instance_path: Path) -> None:
    """Derive dependent settings and refuse configurations that cannot run safely."""
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    is_production = config["ENV_NAME"] == "production"
    if not config.get("SECRET_KEY"):
        if is_production:
            raise ConfigError("SECRET_KEY must be set when LEARNING_ENV=production.")
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if config["ENV_NAME"] not in {"development", "testing"}:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if config["BABEL_DEFAULT_LOCALE"] not in config["LANGUAGES"]:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(config['LANGUAGES'])}.")
