"""Quiz engine benchmark: start, save and submit under gunicorn, next to a bare endpoint
doing one INSERT on the same database, measured in the same run.

    python -m bench.quiz_engine [--users 120] [--concurrency 16] [--databases sqlite,postgres]

PostgreSQL is taken from TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1/test) and
used in a schema of its own, dropped afterwards. Prints requests per second, latency
percentiles and errors for each phase, and the ratio to the bare endpoint.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from sqlalchemy import text

from bench.databases import LABELS, database
from bench.http import Client, Measure, run
from learning.config import PROJECT_ROOT
from learning.db import build_engine
from tests.faults import COURSE, PASSWORD, csrf_token_of, make_users


def _serve(module: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "--access-logfile", "/dev/null", module],
        cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    path = "/healthz" if module == "wsgi:app" else "/"
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process  # the bare app answers 404/405 on GET: it is up
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{module} did not start")


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "learning", *args],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def bench_database(label: str, url: str, users: int, concurrency: int) -> list[Measure]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LEARNING_ENV": "development",
           "RATELIMIT_ENABLED": "false", "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2"),
           "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "8"),
           "LEARNING_INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-")}  # fmt: skip
    _flask(env, "db", "upgrade")
    _flask(env, "demo")
    _flask(env, "courses", "load")
    phones = make_users(url, users)
    engine = build_engine(url)
    with engine.connect() as connection:
        quiz_id = connection.scalar(
            text(
                "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id "
                "WHERE c.slug = :slug AND q.kind = 'course_final'"
            ),
            {"slug": COURSE},
        )
        questions = connection.scalar(
            text("SELECT question_count FROM quizzes WHERE id = :id"), {"id": quiz_id}
        )
    engine.dispose()
    app_port, bare_port = 18000 + os.getpid() % 1000, 19000 + os.getpid() % 1000
    servers = [_serve("wsgi:app", app_port, env), _serve("bench.bare_app:app", bare_port, env)]
    try:
        clients = [Client("127.0.0.1", app_port) for _ in phones]

        def login(client: Client, phone: str) -> bool:
            login_page = client.request("GET", "/login")[1]
            status, _, _ = client.request(
                "POST",
                "/login",
                {"login": phone, "password": PASSWORD, "csrf_token": csrf_token_of(login_page)},
            )
            client.csrf = csrf_token_of(client.request("GET", f"/quizzes/{quiz_id}")[1])
            return status == 302

        run(
            "log in (not measured)",
            [lambda c=c, p=p: login(c, p) for c, p in zip(clients, phones, strict=True)],
            concurrency,
        )
        attempts: dict[int, int] = {}

        def start(index: int) -> bool:
            client = clients[index]
            status, _, headers = client.request(
                "POST", f"/quizzes/{quiz_id}/start", {"csrf_token": client.csrf}
            )
            attempts[index] = int(headers.get("Location", "/0").rsplit("/", 1)[1])
            return status == 302

        def save(index: int, position: int) -> bool:
            client = clients[index]
            status, _, _ = client.request(
                "POST",
                f"/attempts/{attempts[index]}/save",
                {
                    "csrf_token": client.csrf,
                    "shown": position,
                    f"answer-{position}": 1,
                    f"revision-{position}": 0,
                },
                accept="application/json",
            )
            return status == 200

        def submit(index: int) -> bool:
            client = clients[index]
            status, _, headers = client.request(
                "POST", f"/attempts/{attempts[index]}/submit", {"csrf_token": client.csrf}
            )
            return status == 302 and headers.get("Location", "").endswith("/result")

        bare_clients = [Client("127.0.0.1", bare_port) for _ in range(concurrency)]

        def bare(index: int) -> bool:
            return bare_clients[index % concurrency].request("POST", "/bare", {})[0] == 200

        count = users * 4
        results = [
            run(f"{label}: bare INSERT", [lambda i=i: bare(i) for i in range(count)], concurrency),
            run(
                f"{label}: start attempt", [lambda i=i: start(i) for i in range(users)], concurrency
            ),
            run(
                f"{label}: save answer",
                [
                    lambda i=i, p=p: save(i, p)
                    for p in range(1, questions + 1)
                    for i in range(users)
                ],
                concurrency,
            ),
            run(f"{label}: submit", [lambda i=i: submit(i) for i in range(users)], concurrency),
        ]
        return results
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    if args.users < 1 or args.concurrency < 1:
        parser.error("--users and --concurrency must be at least 1")
    print(
        f"quiz engine benchmark: {args.users} users, concurrency {args.concurrency}, "
        f"gunicorn {os.environ.get('GUNICORN_WORKERS', '2')} workers x "
        f"{os.environ.get('GUNICORN_THREADS', '8')} threads"
    )
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use sqlite and/or postgres")
        with database(kind, "bench-quiz") as url:
            results = bench_database(LABELS[kind], url, args.users, args.concurrency)
        baseline = results[0]
        for measure in results:
            print(measure.line(baseline))


if __name__ == "__main__":
    main()
