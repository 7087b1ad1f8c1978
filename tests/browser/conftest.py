"""Browser tests: Playwright drives the system Chromium at phone size against gunicorn.

The app is served by a real gunicorn on a free loopback port, on its own database: a fresh
SQLite file, or the PostgreSQL test database (emptied again after the module).
Without /usr/bin/chromium the tests skip with the reason; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from learning.config import PROJECT_ROOT
from learning.db import build_engine
from learning.models import Base

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# What a page is expected to show within: 10 s, like the pages' default timeout (Playwright's
# own 5 s is short for a 2-core CI machine also running PostgreSQL and gunicorn).
expect.set_options(timeout=10_000)
PHONE_VIEWPORT = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium')"
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must install it", pytrace=False)
    pytest.skip(reason)


# The database behind each live server (base URL -> database URL), for tests that check what
# the server stored, not only what the page shows.
LIVE_DATABASES: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "learning", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _empty_tables(url: str) -> None:
    engine = build_engine(url)
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="module")
def live_env(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the live server (its DATABASE_URL), for tests that run a `flask`
    command against the same data (e.g. the e-mail job)."""
    if database_url.startswith("postgresql"):
        url = database_url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "browser-test-secret",
        "LEARNING_ENV": "development",
        "LEARNING_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
    }


@pytest.fixture(scope="module")
def live_server(database_url: str, live_env: dict[str, str]) -> Iterator[str]:
    """The base URL of gunicorn serving the app with the demo data and courses loaded."""
    _require_chromium()
    env = live_env
    url = env["DATABASE_URL"]
    port = _free_port()
    _flask(env, "db", "upgrade")
    _flask(env, "courses", "load")
    _flask(env, "demo")  # after the courses: the demo contest draws from their banks
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        LIVE_DATABASES[base_url] = url
        yield base_url
    finally:
        LIVE_DATABASES.pop(base_url, None)
        server.terminate()
        server.wait(timeout=20)
        if url == database_url:
            _empty_tables(url)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    """A fresh phone-sized page (its own cookies) pointed at the live server."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=live_server, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
