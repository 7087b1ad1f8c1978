"""Browser tests: Playwright drives the system Chromium at phone size against gunicorn.

The app is served by a real gunicorn on a free loopback port, one for the whole session, on
its own database (a SQLite file, or a PostgreSQL schema of its own) holding the seeded data
of tests/seed.py, which is put back before each module.
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
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from learning.config import PROJECT_ROOT, normalise_database_url
from tests.conftest import TEST_DATABASE_URL, postgres_schema
from tests.processes import end_group
from tests.seed import copy, restore, seed

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


SECRET_KEY = "browser-test-secret"  # the live server's, and the seed's (tests/seed.py)

# The database behind each live server (base URL -> database URL), for tests that check what
# the server stored, not only what the page shows.
LIVE_DATABASES: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _empty_database(name: str, directory: Path) -> Iterator[str]:
    """A new database of the suite's kind: a SQLite file in `directory`, or a PostgreSQL
    schema of its own next to the suite's (dropped afterwards)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{directory / name}.sqlite3"
        return
    base = normalise_database_url(TEST_DATABASE_URL)
    with postgres_schema(base, f"{name}_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded database (tests/seed.py), made once per session."""
    _require_chromium()
    with _empty_database("seed", tmp_path_factory.mktemp("seed")) as url:
        seed(url, SECRET_KEY)
        yield url


def _wait_until_up(server: subprocess.Popen, base_url: str) -> None:
    deadline = time.monotonic() + 60  # a busy 2-core machine: the workers import the app
    while True:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def _live_site(
    seeded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """One gunicorn for every browser module: (its base URL, its environment). The modules
    share its configuration, and each gets fresh data from `live_server`, so none needs a
    server of its own (booting one cost seconds per module)."""
    with _empty_database("browser", tmp_path_factory.mktemp("live")) as url:
        copy(seeded_url, url)  # the server's own copy, which each module's restore resets
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "LEARNING_ENV": "development",
            "LEARNING_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        }
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(server, base_url)
            LIVE_DATABASES[base_url] = url
            yield base_url, env
        finally:
            LIVE_DATABASES.pop(base_url, None)
            end_group(server, 20)


@pytest.fixture(scope="module")
def live_server(seeded_url: str, _live_site: tuple[str, dict[str, str]]) -> str:
    """The base URL of gunicorn serving the app with the demo data and courses loaded, as
    they were seeded: what an earlier module wrote is gone (tests/seed.py `restore`)."""
    base_url, env = _live_site
    restore(seeded_url, env["DATABASE_URL"])
    return base_url


@pytest.fixture(scope="module")
def live_env(live_server: str, _live_site: tuple[str, dict[str, str]]) -> dict[str, str]:
    """The environment of the live server (its DATABASE_URL), for tests that run a `flask`
    command against the same data (e.g. the e-mail job)."""
    return _live_site[1]


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
