"""Page CPU benchmark: what one request costs the server's CPU, in-process, next to a bare
Flask page rendering one small template in the same run.

    python -m bench.page_cpu [--requests 300]

Builds a SQLite database of its own (migrations, the courses, the demo), logs a demo worker
in, starts the labour-law final quiz and times, with the process's CPU clock, the question
page, the submit page, the home page and a lesson; then the same for a bare page. No network
and no other process: what it measures is Python (views, queries, templates, translations),
which is what the contest profile found the flow spends its CPU on.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections.abc import Callable

from flask import Flask, render_template_string

PHONE, PASSWORD = "0900000014", "demo-worker-2026"
COURSE = "phap-luat-lao-dong"


def _cpu_ms(call: Callable[[], object], requests: int) -> float:
    for _ in range(min(20, requests)):  # warm caches and compiled templates
        call()
    started = time.process_time()
    for _ in range(requests):
        call()
    return (time.process_time() - started) / requests * 1000


def _bare() -> Flask:
    app = Flask("bare")
    page = "<!doctype html><title>{{ title }}</title><ul>{% for n in items %}<li>{{ n }}</li>{% endfor %}</ul>"

    @app.get("/")
    def index() -> str:
        return render_template_string(page, title="bare", items=range(20))

    return app


def _learning_client():  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from learning import create_app

    app = create_app()
    runner = CliRunner()
    for args in (["db", "upgrade"], ["courses", "load"], ["demo"]):
        result = runner.invoke(app.cli, args, obj=None, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    login = {"csrf_token": token.group(1), "login": PHONE, "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    course = client.get(f"/courses/{COURSE}").text
    quiz_url = re.search(r'href="(/quizzes/\d+)"', course).group(1)
    intro = client.get(quiz_url).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', intro).group(1)
    started = client.post(f"{quiz_url}/start", data={"csrf_token": token})
    attempt_url = started.headers["Location"].split("?")[0]
    lesson_url = re.search(r'href="(/courses/[^"]+/lessons/[^"]+)"', course).group(1)
    return client, attempt_url, lesson_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        os.environ["LEARNING_INSTANCE_PATH"] = instance
        os.environ["DATABASE_URL"] = f"sqlite:///{instance}/bench.sqlite3"
        os.environ["RATELIMIT_ENABLED"] = "false"
        client, attempt_url, lesson_url = _learning_client()
        bare = _bare().test_client()
        pages = {
            "bare page (one small template)": lambda: bare.get("/"),
            "question page": lambda: client.get(f"{attempt_url}?page=2"),
            "submit page": lambda: client.get(f"{attempt_url}/summary"),
            "home page": lambda: client.get("/"),
            "lesson": lambda: client.get(lesson_url),
        }
        for call in pages.values():
            response = call()
            assert response.status_code == 200, response.status_code
        figures = {name: _cpu_ms(call, args.requests) for name, call in pages.items()}
    base = figures["bare page (one small template)"]
    print(f"{'page':34} {'CPU ms/request':>15} {'vs bare':>8}")
    for name, ms in figures.items():
        print(f"{name:34} {ms:15.2f} {ms / base:7.1f}×")


if __name__ == "__main__":
    main()
