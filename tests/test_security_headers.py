"""Security headers and cookie flags: a Content-Security-Policy without inline script (the
templates load script from files only), nosniff, a referrer policy and no framing on every
response; session, remember and language cookies HttpOnly and SameSite always, and Secure
outside development and testing."""

from __future__ import annotations

import re

import pytest

from learning import create_app
from learning.config import PROJECT_ROOT
from learning.extensions import limiter

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))


def _check_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (d.strip() for d in csp.split(";")) if part
    )
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]+'", directives["script-src"])
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_headers_on_pages_errors_files_and_refusals(client, make, auth):
    responses = [
        client.get("/login"),
        client.get("/no-such-page"),
        client.get("/static/css/app.css"),
        client.post("/login", data={"login": "x", "password": "y"}),
        client.get("/members"),
    ]
    auth.login(make.user().phone)
    responses += [client.get("/"), client.get("/members"), client.get("/healthz")]
    for response in responses:
        _check_headers(response)
    assert {r.status_code for r in responses} >= {200, 302, 401, 403, 404}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_templates_have_no_inline_script_or_handlers(template):
    html = template.read_text("utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE):
        assert "src=" in tag, f"inline <script> in {template.name}: CSP forbids it; use a file"
    assert not re.search(r"\son[a-z]+\s*=", html), f"event handler attribute in {template.name}"
    assert not re.search(r"javascript:", html, flags=re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_titles_are_text_and_scripts_load_once(template):
    """A tag inside <title> is shown as text in the tab (the browser reads it as text), and
    a script loaded twice binds its handlers twice."""
    html = template.read_text("utf-8")
    for title in re.findall(r"{% block title %}(.*?){% endblock %}", html, flags=re.DOTALL):
        assert "<" not in title, f"markup in the title of {template.name}"
    sources = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    assert len(sources) == len(set(sources)), f"a script loaded twice in {template.name}"


@pytest.fixture
def production_app(app_config, connection):
    app = create_app({**app_config, "ENV_NAME": "production", "TESTING": False})
    app.extensions["database"].engine.dispose()
    app.extensions["database"].bind_to(connection)
    limiter.reset()
    return app


def _cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_secure_httponly_and_samesite_in_production(production_app, make):
    user = make.user()
    client = production_app.test_client()
    response = client.post(
        "/login",
        data={"login": user.phone, "password": "password123", "remember": "y"},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    language = client.post("/language/en", base_url="https://localhost")
    cookies = {**_cookies(response), **_cookies(language)}
    assert "session" in cookies and "lang" in " ".join(cookies)
    for name, header in cookies.items():
        flags = {part.strip().lower() for part in header.split(";")}
        assert "secure" in flags, (name, header)
        assert "httponly" in flags, (name, header)
        assert "samesite=lax" in flags, (name, header)
    _check_headers(response)


def test_development_keeps_cookies_usable_over_plain_http(app_config, connection):
    app = create_app({**app_config, "ENV_NAME": "development"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
