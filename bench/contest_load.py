"""The contest rush: a locust load test of a round's last hour, against gunicorn and
PostgreSQL on loopback, next to a bare Flask endpoint doing one INSERT on the same database
in the same run.

    python -m bench.contest_load [--users 300] [--databases postgres] [--nginx]
                                                                          (make bench-contest)

PostgreSQL is taken from TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1/test) in
a schema of its own, dropped afterwards. The database gets the courses and the demo contest
(a round of 20 questions drawn from all four courses' banks, with the prediction question),
and `--users` entrants with accounts. Then, for each of the bare endpoint and the contest
flow, locust spawns `--users` virtual workers that wait at a barrier and are released
together (bench/contest_locust.py). Printed: requests, throughput, p50/p95/p99 latency and
errors of both, the ratio of the flow's throughput to the bare endpoint's, and the checks
made in the database afterwards: one attempt per worker (no duplicates), each submitted
with its prediction, and the time to rank the round.

Both servers run gunicorn as gunicorn.conf.py sets it up (GUNICORN_WORKERS processes, one
per core by default, of GUNICORN_THREADS threads, 4 by default), and, as behind a reverse
proxy without a pool of upstream connections (a connection per request), without keep-alive:
`--keep-alive SECONDS` lets the load generator's clients keep their connections to gunicorn
instead. gunicorn's processes then split the connections unevenly when all arrive at
once (measured: 56, 119, 121 and 4 of 300), and the busiest process sets the pace.

`--nginx` puts a real nginx, configured from deploy/nginx.conf (tests/nginx.py renders it),
in front of each of the two servers, so that the ratio compares like with like: the clients
keep their connections to nginx (as browsers do), and nginx keeps a pool of connections to
gunicorn, whose keep-alive is then 5 s (gunicorn.conf.py's default; `--keep-alive` sets it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time

from sqlalchemy import func, insert, select, update

from bench.databases import LABELS, database
from bench.quiz_engine import _flask, _serve
from learning.auth.models import Role, User
from learning.auth.passwords import hash_password
from learning.config import PROJECT_ROOT
from learning.contests.models import Category, Contest, Entrant, Prediction, Round
from learning.db import build_engine, utcnow
from learning.demo import DEMO_CONTEST_TITLE
from learning.org.models import Unit
from learning.quizzes.models import Attempt, AttemptStatus, Quiz
from learning.text import fold
from tests.faults import PASSWORD, free_port
from tests.nginx import NGINX, Nginx

UNIT_CODES = ["CS-TANPHAT", "CS-KIMTHANH", "CS-HOABAN", "CS-MAYTRANG", "CS-THHOAMAI"]


def _entrants(url: str, count: int) -> tuple[int, int, list[str]]:
    """`count` worker accounts entered in the demo contest; (round id, questions, logins)."""
    engine = build_engine(url)
    phones = [f"+8496{n:07d}" for n in range(count)]
    password_hash = hash_password(PASSWORD)
    now = utcnow()
    with engine.begin() as connection:
        units = [connection.scalar(select(Unit.id).where(Unit.code == c)) for c in UNIT_CODES]
        contest_id = connection.scalar(
            select(Contest.id).where(Contest.title == DEMO_CONTEST_TITLE)
        )
        round_id, _quiz_id, questions = connection.execute(
            select(Round.id, Round.quiz_id, Quiz.question_count)
            .join(Quiz, Quiz.id == Round.quiz_id)
            .where(Round.contest_id == contest_id, Round.number == 1)
        ).one()
        connection.execute(
            insert(User),
            [
                {
                    "full_name": f"Thí sinh {n}",
                    "name_folded": fold(f"Thí sinh {n}"),
                    "phone": phone,
                    "unit_id": units[n % len(units)],
                    "role": Role.WORKER,
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "is_active": True,
                    "is_pending": False,
                    "session_token": f"t{n}",
                    "created_at": now,
                }
                for n, phone in enumerate(phones)
            ],
        )
        ids = dict(
            connection.execute(select(User.phone, User.id).where(User.phone.in_(phones))).all()
        )
        categories = list(Category)
        connection.execute(
            insert(Entrant),
            [
                {
                    "contest_id": contest_id,
                    "user_id": ids[phone],
                    "unit_id": units[n % len(units)],
                    "declared_unit_id": units[n % len(units)],
                    "category": categories[n % 3],
                    "declared_category": categories[n % 3],
                    "created_at": now,
                }
                for n, phone in enumerate(phones)
            ],
        )
    engine.dispose()
    return round_id, questions, ["0" + phone[3:] for phone in phones]


def _locust(kind: str, *args: str) -> dict:
    process = subprocess.run(
        [sys.executable, "-m", "bench.contest_locust", kind, *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if process.returncode != 0 or not process.stdout.strip():
        sys.stderr.write(process.stderr[-4000:])
        raise RuntimeError(f"locust ({kind}) failed")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _line(name: str, r: dict, baseline: dict | None) -> str:
    rps = r["requests"] / r["seconds"] if r["seconds"] else 0.0
    base = baseline["requests"] / baseline["seconds"] if baseline else rps
    return (
        f"{name:<26} {r['requests']:>6} req {rps:>8.1f} req/s {rps / base:5.2f}x of bare  "
        f"p50 {r['p50']:>6.0f} ms  p95 {r['p95']:>6.0f} ms  p99 {r['p99']:>6.0f} ms  "
        f"errors {r['failures']}"
    )


def bench_database(kind: str, url: str, users: int, keep_alive: int, nginx: bool = False) -> bool:
    label = LABELS[kind]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LEARNING_ENV": "development",
           "RATELIMIT_ENABLED": "false", "GUNICORN_ACCESS_LOG": "/dev/null",
           "GUNICORN_KEEPALIVE": str(keep_alive),
           "LEARNING_INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-")}  # fmt: skip
    _flask(env, "db", "upgrade")
    _flask(env, "courses", "load")
    _flask(env, "demo")
    round_id, questions, phones = _entrants(url, users)
    phone_file = os.path.join(env["LEARNING_INSTANCE_PATH"], "phones.txt")
    with open(phone_file, "w", encoding="ascii") as handle:
        handle.write("\n".join(phones))
    app_port, bare_port = 18500 + os.getpid() % 1000, 19500 + os.getpid() % 1000
    servers = [_serve("wsgi:app", app_port, env), _serve("bench.bare_app:app", bare_port, env)]
    proxies: list[Nginx] = []
    per_user = 5 + questions  # requests one worker makes in the flow, once logged in
    try:
        if nginx:
            for port in (app_port, bare_port):
                proxy = Nginx([f"127.0.0.1:{port}"], port=free_port(), connections=4096)
                proxies.append(proxy)
                proxy.start()
            app_port, bare_port = proxies[0].port, proxies[1].port
        bare_args = ["--host", f"http://127.0.0.1:{bare_port}", "--users", str(users),
                     "--requests", str(per_user)]  # fmt: skip
        # The bare endpoint before and after the flow: the machine's other load drifts, and
        # the baseline is the mean of the two.
        bare_before = _locust("bare", *bare_args)
        flow = _locust(
            "flow",
            "--host",
            f"http://127.0.0.1:{app_port}",
            "--users",
            str(users),
            "--round",
            str(round_id),
            "--questions",
            str(questions),
            "--phones",
            phone_file,
            "--password",
            PASSWORD,
        )
        bare_after = _locust("bare", *bare_args)
    finally:
        for proxy in proxies:
            proxy.stop()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"{label}: {users} virtual workers released together (bare; log in; then the quiz "
        "flow: open the round, start, first question, a save per question, predict, submit)"
    )
    bare = {
        **bare_before,
        "requests": bare_before["requests"] + bare_after["requests"],
        "seconds": bare_before["seconds"] + bare_after["seconds"],
        "failures": bare_before["failures"] + bare_after["failures"],
        "problems": bare_before["problems"] + bare_after["problems"],
    }
    print(_line(f"{label}: bare INSERT, before", bare_before, None))
    print(_line(f"{label}: bare INSERT, after", bare_after, None))
    print(_line(f"{label}: bare INSERT, both", bare, None))
    print(_line(f"{label}: log in (argon2id)", flow["login"], bare))
    print(_line(f"{label}: quiz flow", flow, bare))
    for name, stats in sorted(flow["by_name"].items()):
        print(
            f"    {name:<22} {stats['requests']:>6} req  p50 {stats['p50']:>6.0f} ms  "
            f"p95 {stats['p95']:>6.0f} ms  p99 {stats['p99']:>6.0f} ms  "
            f"errors {stats['failures']}"
        )
    for problem in flow["problems"] + bare["problems"]:
        print(f"    problem: {problem}")
    engine = build_engine(url)
    with engine.begin() as connection:
        quiz_id = connection.scalar(select(Round.quiz_id).where(Round.id == round_id))
        duplicates = connection.scalar(
            select(func.count()).select_from(
                select(Attempt.user_id)
                .where(Attempt.quiz_id == quiz_id)
                .group_by(Attempt.user_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        submitted = connection.scalar(
            select(func.count()).where(
                Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.SUBMITTED
            )
        )
        predictions = connection.scalar(select(func.count()).where(Prediction.round_id == round_id))
        # Close the round, then rank it as `contests close-due` would.
        connection.execute(
            update(Quiz)
            .where(Quiz.id == quiz_id)
            .values(closes_at=utcnow() - dt.timedelta(minutes=5))
        )
    engine.dispose()
    env_close = {**env}
    began = time.perf_counter()
    _flask(env_close, "contests", "close-due")
    ranking_seconds = time.perf_counter() - began
    ratio = (flow["requests"] / flow["seconds"]) / (bare["requests"] / bare["seconds"])
    print(
        f"{label}: attempts submitted {submitted}/{users}, duplicate attempts {duplicates}, "
        f"predictions stored {predictions}; ranking the round: {ranking_seconds:.1f} s "
        f"(the whole `flask contests close-due` command)"
    )
    held = (
        flow["failures"] + flow["login"]["failures"] == 0
        and duplicates == 0
        and submitted == users
        and ratio >= 0.3
    )
    print(
        f"{label}: bars (0 errors, 0 duplicates, flow >= 0.3x bare): "
        f"{'HELD' if held else 'NOT HELD'} ({ratio:.2f}x)"
    )
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--databases", default="postgres")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=None,
        metavar="SECONDS",
        help="gunicorn's keep-alive (default 0: a connection per request, as "
        "behind a proxy; with --nginx 5, nginx's pool of connections)",
    )
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="put nginx (deploy/nginx.conf) in front of both servers",
    )
    args = parser.parse_args()
    if args.users < 1:
        parser.error("--users must be at least 1")
    if args.nginx and NGINX is None:
        parser.error("--nginx: nginx is not installed (apt-get install nginx)")
    if args.keep_alive is None:
        args.keep_alive = 5 if args.nginx else 0
    if args.keep_alive < 0:
        parser.error("--keep-alive must be 0 or more seconds")
    connections = (
        f"keep-alive {args.keep_alive} s"
        if args.keep_alive
        else "a connection per request, as behind a proxy"
    )
    if args.nginx:
        connections = (
            f"behind nginx (deploy/nginx.conf; clients keep their connections to "
            f"nginx; gunicorn keep-alive {args.keep_alive} s)"
        )
    print(
        f"contest rush: {args.users} virtual workers (locust), gunicorn "
        f"{os.environ.get('GUNICORN_WORKERS', os.cpu_count())} workers x "
        f"{os.environ.get('GUNICORN_THREADS', '4')} threads, {connections}, "
        f"{os.cpu_count()} cores"
    )
    held = True
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use postgres and/or sqlite")
        with database(kind, "bench-contest") as url:
            held = bench_database(kind, url, args.users, args.keep_alive, args.nginx) and held
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
