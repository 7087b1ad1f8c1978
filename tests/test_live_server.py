"""Proof under pressure, against a real gunicorn (2 workers x 4 threads) on the suite's
database kind: more parallel writers than threads, the database going away and coming back,
two servers sharing PostgreSQL and Redis, the two servers behind a real nginx configured
from deploy/nginx.conf (tests/nginx.py), and the short version of `make bench-faults`.

Starting gunicorn costs seconds, so the module shares one server and one database (a SQLite
file, or a PostgreSQL schema of its own), and each test has its own workers. On PostgreSQL
the server reaches the database through a TCP proxy that the outage test cuts. The fault run
goes last: it kills a worker. The long run (10,000 operations) is `make bench-faults`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import http.client
import os
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session

from learning import create_app
from learning import db as app_db
from learning.auth import limits as login_limits
from learning.auth.models import Role, User
from learning.config import PROJECT_ROOT, normalise_database_url
from learning.contests import services as contest_services
from learning.contests.models import Category
from learning.db import build_engine, utcnow
from learning.migrate import upgrade
from learning.org.models import UnitKind
from learning.org.services import create_unit
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz
from tests.conftest import TEST_DATABASE_URL, postgres_schema
from tests.faults import (
    Browser,
    Disconnected,
    Server,
    World,
    app_database_url,
    connection_name,
    csrf_token_of,
    free_port,
    prepare,
    run_faults,
    server_env,
)
from tests.nginx import NGINX, Nginx

WORKERS, THREADS = 2, 4
WRITERS = WORKERS * THREADS + 1
FAULT_USERS = 6
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Proxy:
    """A TCP forwarder from a loopback port to the database; `cut()` closes every
    connection and refuses new ones (the database is gone), `restore()` listens again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


class Live:
    """The shared server and what the tests need to reach it."""

    def __init__(
        self, world: World, server: Server, env: dict[str, str], proxy: Proxy | None, name: str
    ) -> None:
        self.world, self.server, self.env, self.proxy, self.name = world, server, env, proxy, name
        phones = world.phones
        self.writers = phones[:WRITERS]
        self.fault_users = phones[WRITERS : WRITERS + FAULT_USERS]
        self.contest_admin, self.two_server_user, self.limited_user = phones[-3:]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if TEST_DATABASE_URL:
        base = normalise_database_url(TEST_DATABASE_URL)
        database = postgres_schema(base, f"live_{os.getpid()}")
        url = database.__enter__()
    else:
        database = None
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    try:
        world = prepare(url, WRITERS + FAULT_USERS + 3)
        proxy = None
        app_url = url
        if url.startswith("postgresql"):
            parsed = make_url(url)
            proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
            proxy.restore()
            app_url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False
            )
        name = connection_name()
        # PROXY_COUNT=1 as in production: behind nginx the app takes the client's address from
        # the one X-Forwarded-For hop nginx adds; reached directly, there is no such header.
        extra = {"RATELIMIT_ENABLED": "true", "PROXY_COUNT": "1"}
        if url.startswith("postgresql") and _redis_available():
            extra["REDIS_URL"] = REDIS_URL
        env = server_env(app_database_url(app_url, name), **extra)
        with Server(env, workers=WORKERS, threads=THREADS) as server:
            yield Live(world, server, env, proxy, name)
        if proxy is not None:
            proxy.cut()
    finally:
        if database is not None:
            database.__exit__(None, None, None)


def test_more_parallel_writers_than_threads_lock_nothing_and_duplicate_nothing(live):
    world, server = live.world, live.server
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    pairs = []
    for phone in live.writers:
        first = Browser(server.port)
        first.log_in(phone, world.quiz_id)
        twin = Browser(server.port)  # the same person's second tab: the same session
        twin.cookie, twin.csrf = first.cookie, first.csrf
        pairs.append((first, twin))
    everyone = [browser for pair in pairs for browser in pair]
    barrier = threading.Barrier(len(everyone))
    attempts: dict[int, list[int]] = {}

    def note(status: int) -> None:
        with lock:
            statuses[status] += 1

    def writer(index: int) -> None:
        browser = everyone[index]
        barrier.wait()
        # Both tabs tap "start" at once: one attempt between them.
        status, _, headers = browser.request(
            "POST", f"/quizzes/{world.quiz_id}/start", {"csrf_token": browser.csrf}
        )
        note(status)
        attempt = int(headers["Location"].rsplit("/", 1)[1])
        with lock:
            attempts.setdefault(index // 2, []).append(attempt)
        barrier.wait()
        # Each tab answers half of the questions, all at once with everybody else.
        for position in range(1 + index % 2, world.questions + 1, 2):
            form = {"csrf_token": browser.csrf, "shown": position, f"answer-{position}": 1,
                    f"revision-{position}": 0}  # fmt: skip
            note(
                browser.request(
                    "POST", f"/attempts/{attempt}/save", form, accept="application/json"
                )[0]
            )
        barrier.wait()
        note(
            browser.request("POST", f"/attempts/{attempt}/submit", {"csrf_token": browser.csrf})[0]
        )

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(everyone))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert set(statuses) <= {200, 302}, statuses
    assert statuses[200] == WRITERS * world.questions  # every save acknowledged
    assert "database is locked" not in server.log()
    assert all(len(set(ids)) == 1 for ids in attempts.values()), sorted(attempts.items())
    engine = build_engine(world.url)
    with engine.connect() as connection:
        ids = [both[0] for both in attempts.values()]
        per_person = connection.execute(
            select(Attempt.user_id, func.count())
            .where(Attempt.id.in_(ids))
            .group_by(Attempt.user_id)
        ).all()
        owners = {uid for uid, _ in per_person}
        all_attempts = connection.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.user_id.in_(owners))
        )
        slots = connection.execute(
            select(AttemptSlot.attempt_id, AttemptSlot.position, AttemptSlot.selected).where(
                AttemptSlot.attempt_id.in_(ids)
            )
        ).all()
        states = set(connection.scalars(select(Attempt.status).where(Attempt.id.in_(ids))))
    engine.dispose()
    assert len(owners) == WRITERS and all_attempts == WRITERS  # no duplicate attempt
    assert len(slots) == WRITERS * world.questions
    assert len({(a, p) for a, p, _ in slots}) == len(slots)
    assert all(selected for _, _, selected in slots)
    assert states == {AttemptStatus.SUBMITTED}


def _wait_for(check, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Disconnected:
            pass
        time.sleep(0.2)
    return False


def test_database_outage_is_a_503_and_the_server_recovers_by_itself(live):
    if live.proxy is None:
        pytest.skip("PostgreSQL only; on SQLite: test_sqlite_file_going_away_is_a_503_and_recovers")
    browser = Browser(live.server.port)
    browser.log_in(live.fault_users[0], live.world.quiz_id)
    assert browser.request("GET", "/")[0] == 200
    live.proxy.cut()
    try:
        status, page, _ = browser.request("GET", "/")
        assert status == 503
        assert "Không kết nối được cơ sở dữ liệu" in page
        assert "Traceback" not in page
        assert live.server.healthz() == (503, {"status": "unavailable", "database": "down"})
        form = {"csrf_token": browser.csrf}
        assert browser.request("POST", f"/quizzes/{live.world.quiz_id}/start", form)[0] == 503
    finally:
        live.proxy.restore()
    assert _wait_for(lambda: live.server.healthz()[0] == 200)
    assert _wait_for(lambda: browser.request("GET", "/")[0] == 200)  # still logged in
    assert "Traceback" not in live.server.log()


def test_sqlite_file_going_away_is_a_503_and_recovers(tmp_path, app_config):
    """SQLite has no server to lose: the file goes (a disk unmounted, a file moved away).
    Connections opened before keep the old file, so the pool is emptied as a restarted
    worker's would be; then every request is a 503 until the file is back."""
    if TEST_DATABASE_URL:
        pytest.skip(
            "SQLite only; on PostgreSQL: test_database_outage_is_a_503_and_the_server_recovers_by_itself"
        )
    path = tmp_path / "gone.sqlite3"
    upgrade(f"sqlite:///{path}")
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{path}"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    moved = Path(str(path) + ".away")
    path.rename(moved)
    path.mkdir()  # what is there now cannot be opened as a database
    app.extensions["database"].engine.dispose()
    try:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["database"] == "down"
        page = client.get("/login")
        assert page.status_code in (200, 503)  # the login form itself needs no database
        login = client.post("/login", data={"login": "0912345678", "password": "x" * 10})
        assert login.status_code == 503 and "Traceback" not in login.text
    finally:
        path.rmdir()
        moved.rename(path)
    assert client.get("/healthz").status_code == 200


@pytest.fixture(scope="module")
def second(live) -> Iterator[Server]:
    """A second gunicorn instance on the same database (and Redis, if any), booted once."""
    with Server(live.env, workers=1, threads=4) as server:
        yield server


@pytest.fixture
def second_server(live, request) -> Server:
    if not live.world.url.startswith("postgresql"):
        pytest.skip("several servers share PostgreSQL: run with TEST_DATABASE_URL (CI does)")
    if "REDIS_URL" not in live.env:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must start it", pytrace=False)
        pytest.skip(f"several servers share Redis: none at {REDIS_URL}")
    return request.getfixturevalue("second")


@pytest.fixture(scope="module")
def front(live, second) -> Iterator[Nginx]:
    """nginx, configured from deploy/nginx.conf, in front of the module's two gunicorn
    instances (on SQLite too: two servers on one file count the login limits in it)."""
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed; .ci/run installs it", pytrace=False)
        pytest.skip("nginx is not installed (apt-get install nginx): the tests behind it skip")
    upstreams = [f"127.0.0.1:{live.server.port}", f"127.0.0.1:{second.port}"]
    with Nginx(upstreams, port=free_port()) as nginx:
        yield nginx


def at_start_of_a_minute() -> None:
    """Wait for the next minute when this one is half gone: the login limits count in fixed
    windows ("5 per minute"), and attempts that straddle a window's end are counted apart."""
    if time.time() % 60 > 30:
        time.sleep(61 - time.time() % 60)


def test_two_servers_share_sessions_limits_and_figures(live, second_server):
    import redis

    one, two = live.server, second_server
    world = live.world
    # A session started on one server is valid on the other.
    first = Browser(one.port)
    first.log_in(live.two_server_user, world.quiz_id)
    other = Browser(two.port)
    other.cookie, other.csrf = first.cookie, first.csrf
    assert other.request("GET", f"/quizzes/{world.quiz_id}")[0] == 200
    # A figure changed through one server is what the other shows (nothing is cached in a
    # process: there is no per-process cache to invalidate on this branch).
    engine = build_engine(world.url)
    with engine.connect() as connection:
        user_id = connection.scalar(
            select(User.id).where(User.phone == "+84" + live.two_server_user[1:])
        )
        limited_id = connection.scalar(
            select(User.id).where(User.phone == "+84" + live.limited_user[1:])
        )
    engine.dispose()
    before = other.request("GET", f"/transcript/{user_id}")[1]
    _status, _, headers = first.request(
        "POST", f"/quizzes/{world.quiz_id}/start", {"csrf_token": first.csrf}
    )
    attempt = headers["Location"].rsplit("/", 1)[1]
    first.request("POST", f"/attempts/{attempt}/submit", {"csrf_token": first.csrf})
    after = other.request("GET", f"/transcript/{user_id}")[1]
    assert after.count('<tr><th scope="row">') == before.count('<tr><th scope="row">') + 1
    # The account limit counts failed logins on both servers together (in Redis).
    store = redis.Redis.from_url(REDIS_URL)
    pattern = f"*login-failures:user:{limited_id}:*"
    for key in store.scan_iter(pattern):
        store.delete(key)
    try:
        at_start_of_a_minute()  # the six attempts in one window of "5 per minute"
        answers = []
        for n in range(6):
            browser = Browser((one, two)[n % 2].port)
            token = browser.request("GET", "/login")[1]
            answers.append(
                browser.request(
                    "POST",
                    "/login",
                    {
                        "login": live.limited_user,
                        "password": "wrong-password",
                        "csrf_token": csrf_token_of(token),
                    },
                )[0]
            )
        assert answers[:5] == [401] * 5
        assert answers[5] == 429
    finally:
        for key in store.scan_iter(pattern):
            store.delete(key)


def test_the_login_limit_holds_across_worker_processes(live, request):
    """Two gunicorn workers, and behind nginx two servers (on SQLite, no Redis): the
    failures of one account are counted together whichever process answers (each attempt on
    a new connection, spread by nginx over both servers). Without nginx: the one server."""
    front = request.getfixturevalue("front") if NGINX is not None else None
    port = front.port if front is not None else live.server.port
    at_start_of_a_minute()  # all ten attempts in one minute's window
    unknown = f"0918{os.getpid() % 1_000_000:06d}"  # an account nobody has: its own bucket
    written = [unknown, "+84" + unknown[1:], f"{unknown[:4]} {unknown[4:7]} {unknown[7:]}"]
    answers = []
    for n in range(10):
        browser = Browser(port)
        token = csrf_token_of(browser.request("GET", "/login")[1])
        if n % 2:  # nginx takes turns: one more request, and the posts alternate servers
            browser.request("GET", "/healthz")
        answers.append(
            browser.request(
                "POST",
                "/login",
                {"login": written[n % 3], "password": "wrong-password", "csrf_token": token},
            )[0]
        )
    assert answers == [401] * 5 + [429] * 5, answers
    if front is not None:
        upstreams = {_upstream(line) for line in front.logged('"POST /login ', 10)}
        assert upstreams >= set(front.upstreams), upstreams  # both servers judged some


def _upstream(line: str) -> str:
    """The instance that answered a request in nginx's access log ("-": nginx itself)."""
    return line.split(" upstream=", 1)[1].split(" ", 1)[0].rstrip(",")


def _loopback_address(offset: int) -> str:
    """A loopback address of this test process's own (Linux answers on all of 127/8), so
    that the per-address buckets of runs sharing a Redis never meet."""
    pid = os.getpid()
    return f"127.{(pid >> 8) % 250 + 2}.{pid % 256}.{offset}"


def test_behind_nginx_a_session_holds_on_both_servers(live, front):
    browser = Browser(front.port)
    browser.log_in(live.two_server_user, live.world.quiz_id)
    path = f"/quizzes/{live.world.quiz_id}?session-check={os.getpid()}"
    statuses = [browser.request("GET", path)[0] for _ in range(6)]
    assert statuses == [200] * 6  # never sent back to the login page by either server
    served = [_upstream(line) for line in front.logged(f"GET {path} ", 6)]
    assert len(served) == 6 and set(served) == set(front.upstreams), served


def test_behind_nginx_the_address_limit_counts_the_client_not_nginx(live, front):
    """With PROXY_COUNT=1 the app keys the per-address login limit on the address nginx
    puts in X-Forwarded-For: a client whose address has used up its failures is refused,
    even when it forges the header; another address behind the same nginx is not."""
    if time.time() % 60 > 50:  # the bucket filled and tested in one minute's window
        time.sleep(61 - time.time() % 60)
    full, other = _loopback_address(1), _loopback_address(2)
    app = create_app({"DATABASE_URL": live.world.url, "REDIS_URL": live.env.get("REDIS_URL"),
                      "SECRET_KEY": "fill", "ENV_NAME": "development"})  # fmt: skip
    with app.app_context():
        session = app_db.session
        per_address = login_limits._limits("LOGIN_LIMIT_PER_ADDRESS")
        store, now = login_limits._store(), int(login_limits.clock())
        for _ in range(max(limit.amount for limit in per_address)):
            store.hit(session, f"address:{full}", per_address, now)
        session.commit()
    app.extensions["database"].engine.dispose()
    unknown = f"0917{os.getpid() % 1_000_000:06d}"  # nobody's account: its own bucket

    def attempt(source: str, forged: str | None = None) -> int:
        browser = Browser(front.port, source=source)
        token = csrf_token_of(browser.request("GET", "/login")[1])
        headers = {"X-Forwarded-For": forged} if forged else None
        form = {"login": unknown, "password": "wrong-password", "csrf_token": token}
        return browser.request("POST", "/login", form, headers=headers)[0]

    assert attempt(full) == 429
    assert attempt(full, forged="203.0.113.7") == 429
    assert attempt(other) == 401


def test_behind_nginx_static_files_come_from_disk_and_the_service_worker_from_the_app(front):
    page = front.get("/login")[1].decode()
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', page)
    assert css is not None, "the page links its stylesheet by digest"
    status, body, headers = front.get(css.group(1), {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (PROJECT_ROOT / "static" / "css" / "app.css").read_bytes()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    # The app answers nothing without its Content-Security-Policy: nginx sent this.
    assert "content-security-policy" not in headers
    assert front.get("/static/css/app.css")[2]["cache-control"] == "no-cache"  # unversioned
    status, body, headers = front.get("/sw.js")
    assert status == 200 and b"addEventListener" in body
    assert headers["cache-control"] == "no-cache" and "content-security-policy" in headers
    assert {_upstream(line) for line in front.logged(f"GET {css.group(1)} ", 1)} == {"-"}
    assert {_upstream(line) for line in front.logged("GET /static/css/app.css ", 1)} == {"-"}
    sw_lines = front.logged("GET /sw.js ", 1)
    assert sw_lines and {_upstream(line) for line in sw_lines} <= set(front.upstreams)


def test_behind_nginx_a_file_too_large_is_refused_by_the_app_in_its_language(front):
    """nginx lets through what the app's own limit (16 MiB) refuses, so the refusal is the
    app's page; it stops only what is far too large."""

    def post(size: int) -> tuple[int, str, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", front.port, timeout=60)
        try:
            connection.request(
                "POST",
                "/login",
                body=b"a=" + b"x" * (size - 2),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            return (
                response.status,
                response.read().decode("utf-8", "replace"),
                dict((k.lower(), v) for k, v in response.getheaders()),
            )
        finally:
            connection.close()

    status, page, headers = post(16 * 1024 * 1024 + 4096)
    assert status == 413 and "content-security-policy" in headers, page[:300]
    assert "Tệp quá lớn" in page
    status, page, headers = post(18 * 1024 * 1024)
    assert status == 413 and "content-security-policy" not in headers  # nginx's own


def test_no_acknowledged_answer_is_lost_when_a_worker_dies_and_connections_drop(live):
    is_postgres = live.world.url.startswith("postgresql")
    report = run_faults(
        "PostgreSQL" if is_postgres else "SQLite",
        live.world,
        live.server,
        live.fault_users,
        300,
        live.name,
    )
    print("\n".join(report.lines()))
    assert report.workers_killed == 1
    if is_postgres:
        assert report.connections_terminated and report.connections_terminated >= 1
    assert report.counts["save acknowledged"] >= 250
    assert report.counts["submit acknowledged"] >= 1
    assert report.unfinished == FAULT_USERS
    assert report.ok, "\n".join(report.lines())


def test_two_servers_agree_on_a_rounds_live_counter_and_forget_it_together(live, second_server):
    """The live counter of an open round is cached in Redis: both servers show the same
    figures, and when an officer corrects an entrant's unit through one server, the other
    counts again at once instead of showing the old unit for the rest of the cache's life."""
    one, two = live.server, second_server
    engine = build_engine(live.world.url)
    with Session(engine) as session:
        admin = session.scalar(select(User).where(User.phone == "+84" + live.contest_admin[1:]))
        admin.role = Role.ADMIN
        worker = session.scalar(select(User).where(User.phone == "+84" + live.two_server_user[1:]))
        right_unit = create_unit(
            session, code="CS-DUNG", name="CĐCS Đơn vị Đúng", kind=UnitKind.GRASSROOTS
        )
        course_id = session.scalar(select(Quiz.course_id).where(Quiz.id == live.world.quiz_id))
        contest = contest_services.save_contest(
            session,
            admin,
            contest_services.ContestData(
                title="Cuộc thi hai máy chủ",
                rules="",
                allows_registration=True,
                is_published=True,
                prize_count=3,
                award_min_members=1,
                suspicious_percent=20,
            ),
        )
        now = utcnow()
        round_ = contest_services.save_round(
            session,
            admin,
            contest,
            contest_services.RoundData(
                opens_at=now - dt.timedelta(hours=1),
                closes_at=now + dt.timedelta(hours=1),
                course_ids=[course_id],
                question_count=3,
                confirm_exposed=True,
            ),
        )
        entrant = contest_services.enter(
            session, contest, worker, unit_id=worker.unit_id, category=Category.MEMBER
        )
        contest_services.start(session, worker, round_, now)
        session.commit()
        contest_id, entrant_id, right_unit_id = contest.id, entrant.id, right_unit.id
    engine.dispose()
    page = f"/contests/{contest_id}"

    def counters(server: Server) -> str:
        html = Browser(server.port).request("GET", page)[1]
        return html[html.index('class="card counters"') :].split("</section>", 1)[0]

    first_view = counters(two)
    assert "CĐCS Công ty Thử Lỗi" in first_view and "<strong>1</strong>" in first_view
    assert counters(one) == first_view
    officer = Browser(one.port)
    officer.log_in(live.contest_admin, live.world.quiz_id)
    status, _, _ = officer.request(
        "POST",
        f"/contests/{contest_id}/entrants/{entrant_id}",
        {"unit": right_unit_id, "category": "member", "csrf_token": officer.csrf},
    )
    assert status == 302
    corrected = counters(two)  # well within the cache's 15 seconds
    assert "CĐCS Đơn vị Đúng" in corrected and "CĐCS Công ty Thử Lỗi" not in corrected
    assert counters(one) == corrected
