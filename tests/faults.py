"""Fault run: answer saves and submits through gunicorn while a worker process is killed with
SIGKILL and (on PostgreSQL) the app's database connections are terminated; afterwards every
save the server acknowledged is in the database, no attempt was graded twice, and every
unfinished attempt resumes.

tests/test_live_server.py runs a short run in the suite; `make bench-faults`
(`python -m bench.faults`) runs 10,000 operations on both databases. The same module serves
the suite's other live-server tests and the benchmarks: `Server` (gunicorn on a free port,
always killed), `prepare` (a migrated database with the courses and N workers, made by
`make_users`), `Browser` (a phone's keep-alive connection and cookie).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from learning.auth.models import Role, User
from learning.auth.passwords import hash_password
from learning.config import PROJECT_ROOT
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.db import build_engine, utcnow
from learning.migrate import upgrade
from learning.org.models import Unit, UnitKind
from learning.org.services import create_unit
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz, QuizKind
from learning.text import fold
from tests.processes import end_group

APPLICATION_NAME = "learning-fault-run"
UNIT_CODE = "CS-FAULTS"
PASSWORD = "bench-password-1"
COURSE = "phap-luat-lao-dong"


def make_users(url: str, count: int, unit_code: str = "CS-TANPHAT") -> list[str]:
    """`count` workers in the unit `unit_code`, all with PASSWORD; their phones as typed."""
    engine = build_engine(url)
    phones = [f"+8497{n:07d}" for n in range(count)]
    password_hash = hash_password(PASSWORD)
    with engine.begin() as connection:
        unit_id = connection.scalar(select(Unit.id).where(Unit.code == unit_code))
        connection.execute(
            insert(User),
            [
                {
                    "full_name": f"Người thử {n}",
                    "name_folded": fold(f"Người thử {n}"),
                    "phone": phone,
                    "unit_id": unit_id,
                    "role": Role.WORKER,
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "is_active": True,
                    "session_token": f"t{n}",
                    "created_at": utcnow(),
                }
                for n, phone in enumerate(phones)
            ],
        )
    engine.dispose()
    return ["0" + phone[3:] for phone in phones]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_database_url(url: str, name: str) -> str:
    """`url` with a PostgreSQL application name that lets the run find the app's
    connections (and only those) to terminate them."""
    if not url.startswith("postgresql"):
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name={name}"


def server_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of an app server (or `flask` command) on `url`."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "fault-run-secret",
        "LEARNING_ENV": "development",
        "RATELIMIT_ENABLED": "false",
        "LEARNING_INSTANCE_PATH": tempfile.mkdtemp(prefix="fault-instance-"),
        **extra,
    }


class Server:
    """gunicorn serving the app on a free loopback port, in a process group of its own so
    that stopping it (always, even when a test fails) kills the master and every worker."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> None:
        self.env = env
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._log, stderr=self._log,
            start_new_session=True,
        )  # fmt: skip
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until every worker has booted and /healthz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()[-2000:]}")
            if len(self.worker_pids()) >= self.workers and self.healthz()[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log()[-2000:]}")

    def healthz(self) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError):
            return 0, {}
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts another); return its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def log(self) -> str:
        return Path(self._log.name).read_text("utf-8", "replace")

    def stop(self) -> None:
        if self.process is None:
            return
        end_group(self.process, 20)
        self.process = None


@dataclass
class World:
    """A prepared database: its URL, the workers' logins and the quiz they take."""

    url: str
    phones: list[str]
    quiz_id: int
    questions: int


def prepare(url: str, users: int) -> World:
    """Migrate `url`, load the labour-law course, add one unit and `users` workers, and make
    the course's final quiz untimed with unlimited attempts (a long run outlives any limit).
    In-process: a few seconds, where `flask demo` and `flask courses load` take fifteen."""
    upgrade(url)
    engine = build_engine(url)
    with Session(engine) as session:
        load_course(session, read_course(PROJECT_ROOT / "courses" / COURSE))
        create_unit(session, code=UNIT_CODE, name="CĐCS Công ty Thử Lỗi", kind=UnitKind.GRASSROOTS)
        session.commit()
    engine.dispose()
    phones = make_users(url, users, unit_code=UNIT_CODE)
    engine = build_engine(url)
    with engine.begin() as connection:
        quiz_id = connection.scalar(
            select(Quiz.id)
            .join(Course, Course.id == Quiz.course_id)
            .where(Course.slug == COURSE, Quiz.kind == QuizKind.COURSE_FINAL)
        )
        connection.execute(
            update(Quiz)
            .where(Quiz.id == quiz_id)
            .values(time_limit_seconds=None, attempts_allowed=0, min_wait_seconds=0)
        )
        questions = connection.scalar(select(Quiz.question_count).where(Quiz.id == quiz_id))
    engine.dispose()
    return World(url, phones, quiz_id, questions)


class Disconnected(Exception):
    """The request got no answer: the connection broke (a killed worker) or timed out."""


class Browser:
    """One worker's phone: one keep-alive connection and a session cookie. Unlike the
    benchmark client it never resends a request whose answer was lost; it reconnects for the
    next one, as a browser does after a network error."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.port = port
        self.source = source  # the loopback address it connects from (127.0.0.1 if None)
        self.cookie = ""
        self.csrf = ""
        self._connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, Any] | None = None,
        accept: str = "text/html",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(form or {}) if method == "POST" else None
        headers = {"Accept": accept, **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        reused = self._connection is not None
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                "127.0.0.1",
                self.port,
                timeout=60,
                source_address=(self.source, 0) if self.source else None,
            )
        try:
            try:
                self._connection.request(method, path, body=body, headers=headers)
            except OSError:
                if not reused:
                    raise
                # The server had closed the idle keep-alive connection: the request never
                # left, so sending it on a new connection is safe (browsers do the same).
                self._connection.close()
                self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
            data = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            self._connection = None
            raise Disconnected(str(error)) from error
        found = dict(response.getheaders())
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self._connection.close()
            self._connection = None
        return response.status, data, found

    def log_in(self, phone: str, quiz_id: int, tries: int = 20) -> None:
        for _ in range(tries):
            try:
                self.csrf = csrf_token_of(self.request("GET", "/login")[1])
                status, _, _ = self.request(
                    "POST",
                    "/login",
                    {"login": phone, "password": PASSWORD, "csrf_token": self.csrf},
                )
                page = self.request("GET", f"/quizzes/{quiz_id}")
                if status == 302 and page[0] == 200:
                    self.csrf = csrf_token_of(page[1])
                    return
            except (Disconnected, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{phone} could not log in")


def csrf_token_of(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not match:
        raise ValueError("no CSRF token on the page")
    return match.group(1)


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged."""

    counts: Counter[str] = field(default_factory=Counter)
    # (attempt, position) -> (revision, displayed choice) of the last acknowledged save
    acked: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # (attempt, position) -> whether the last save sent there was acknowledged
    last_acked: dict[tuple[int, int], bool] = field(default_factory=dict)
    submitted: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    @property
    def operations(self) -> int:
        return self.counts["save sent"] + self.counts["submit sent"]


def _start(browser: Browser, world: World, ledger: Ledger) -> int:
    for _ in range(50):
        try:
            status, _, headers = browser.request(
                "POST", f"/quizzes/{world.quiz_id}/start", {"csrf_token": browser.csrf}
            )
            if status == 302 and "/attempts/" in headers.get("Location", ""):
                return int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
            ledger.add(f"start answered {status}")
        except Disconnected:
            ledger.add("start disconnected")
        time.sleep(0.1)
    raise RuntimeError("could not start an attempt")


def _save(
    browser: Browser,
    attempt: int,
    position: int,
    revisions: dict[int, int],
    choices: dict[int, int],
    ledger: Ledger,
) -> None:
    choice = choices.get(position, 0) % 2 + 1  # always a change, so always a new revision
    key = (attempt, position)
    form = {"csrf_token": browser.csrf, "shown": position, f"answer-{position}": choice,
            f"revision-{position}": revisions.get(position, 0)}  # fmt: skip
    ledger.add("save sent")
    try:
        status, body, _ = browser.request(
            "POST", f"/attempts/{attempt}/save", form, accept="application/json"
        )
    except Disconnected:
        ledger.add("save disconnected")
        with ledger.lock:
            ledger.last_acked[key] = False
        return
    if status in (200, 409):
        answer = json.loads(body)
        revision = answer["revisions"].get(str(position))
        if revision is not None:
            revisions[position] = revision  # a stale page learns the current revision
        if position in answer["saved"]:
            ledger.add("save acknowledged")
            choices[position] = choice
            with ledger.lock:
                ledger.acked[key] = (revision, choice)
                ledger.last_acked[key] = True
            return
        ledger.add("save stale")
    else:
        ledger.add(f"save answered {status}")
    with ledger.lock:
        ledger.last_acked[key] = False


def _submit(browser: Browser, attempt: int, ledger: Ledger) -> None:
    """Submit until the server acknowledges it (a lost answer is sent again, as a person
    taps again): submitting is idempotent."""
    for _ in range(50):
        ledger.add("submit sent")
        try:
            status, _, headers = browser.request(
                "POST", f"/attempts/{attempt}/submit", {"csrf_token": browser.csrf}
            )
        except Disconnected:
            ledger.add("submit disconnected")
            time.sleep(0.1)
            continue
        if status == 302 and headers.get("Location", "").endswith("/result"):
            ledger.add("submit acknowledged")
            with ledger.lock:
                ledger.submitted.add(attempt)
            return
        ledger.add(f"submit answered {status}")
        time.sleep(0.1)
    raise RuntimeError(f"attempt {attempt} could not be submitted")


def _worker_loop(browser: Browser, world: World, ledger: Ledger, budget: int) -> None:
    """Attempts of one worker: start, answer every question and change some answers, submit
    (and now and then submit again); the last attempt is left unfinished, to be resumed."""
    rng = random.Random(browser.port ^ id(browser))
    while True:
        attempt = _start(browser, world, ledger)
        revisions: dict[int, int] = {}
        choices: dict[int, int] = {}
        # Every question once, in the order a person might, then a quarter changed again.
        order = rng.sample(range(1, world.questions + 1), world.questions)
        for position in order + order[: max(1, world.questions // 4)]:
            _save(browser, attempt, position, revisions, choices, ledger)
        if ledger.operations >= budget:
            return  # left in progress
        _submit(browser, attempt, ledger)
        if rng.random() < 0.2:
            _submit(browser, attempt, ledger)  # a second tap: must not grade again


def _terminate_app_connections(url: str, name: str) -> int:
    engine = build_engine(url)
    with engine.begin() as connection:
        killed = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    engine.dispose()
    return int(killed or 0)


@dataclass
class Report:
    """What a fault run did and what it found."""

    database: str
    seconds: float
    counts: Counter[str]
    workers_killed: int
    connections_terminated: int | None
    lost_saves: int
    wrong_answers: int
    unsubmitted: int
    regraded: int
    misgraded: int
    duplicate_in_progress: int
    unfinished: int
    resumed: int
    locked_errors: int
    tracebacks: int

    @property
    def ok(self) -> bool:
        return not (
            self.lost_saves
            or self.wrong_answers
            or self.unsubmitted
            or self.regraded
            or self.misgraded
            or self.duplicate_in_progress
            or self.locked_errors
            or self.resumed != self.unfinished
        )

    def lines(self) -> list[str]:
        c = self.counts
        terminated = (
            "n/a (SQLite)" if self.connections_terminated is None else self.connections_terminated
        )
        return [
            f"{self.database}: {c['save sent'] + c['submit sent']} saves and submits in "
            f"{self.seconds:.1f} s; 1 worker SIGKILLed ({self.workers_killed} killed), "
            f"database connections terminated: {terminated}",
            f"  saves: {c['save sent']} sent, {c['save acknowledged']} acknowledged, "
            f"{c['save stale']} stale, {c['save disconnected']} lost in transit, "
            f"other answers {sorted((k, v) for k, v in c.items() if k.startswith('save answered'))}",
            f"  submits: {c['submit sent']} sent, {c['submit acknowledged']} acknowledged, "
            f"{c['submit disconnected']} lost in transit, "
            f"other answers {sorted((k, v) for k, v in c.items() if k.startswith('submit answered'))}",
            f"  acknowledged saves missing from the database: {self.lost_saves}; "
            f"stored answer differs from the last acknowledged: {self.wrong_answers}",
            f"  acknowledged submits not submitted: {self.unsubmitted}; graded again by a later "
            f"submit: {self.regraded}; score not the sum of marks: {self.misgraded}",
            f"  two unfinished attempts of one person: {self.duplicate_in_progress}; "
            f"unfinished attempts resumed: {self.resumed} of {self.unfinished}",
            f"  'database is locked' in the server log: {self.locked_errors}; "
            f"tracebacks logged: {self.tracebacks}",
        ]


def connection_name() -> str:
    """An application name for one run's database connections."""
    return f"{APPLICATION_NAME}-{os.getpid()}-{threading.get_ident() % 10_000}"


def fault_run(
    label: str, url: str, *, operations: int, users: int, workers: int = 2, threads: int = 4
) -> Report:
    """Run `operations` saves and submits by `users` workers on a fresh database `url`,
    killing one gunicorn worker at 30% and terminating the database connections at 60%."""
    world = prepare(url, users)
    name = connection_name()
    env = server_env(app_database_url(url, name))
    with Server(env, workers=workers, threads=threads) as server:
        return run_faults(label, world, server, world.phones, operations, name)


def run_faults(
    label: str, world: World, server: Server, phones: list[str], operations: int, name: str
) -> Report:
    """The fault run on a running server whose database connections are named `name`: the
    workers with `phones` save and submit until `operations` are sent."""
    url = world.url
    is_postgres = url.startswith("postgresql")
    ledger = Ledger()
    killed, terminated = 0, None
    browsers = [Browser(server.port) for _ in phones]
    logins = [
        threading.Thread(target=b.log_in, args=(p, world.quiz_id))
        for b, p in zip(browsers, phones, strict=True)
    ]
    for thread in logins:
        thread.start()
    for thread in logins:
        thread.join()
    started = time.perf_counter()
    failures: list[BaseException] = []

    def loop(browser: Browser) -> None:
        try:
            _worker_loop(browser, world, ledger, operations)
        except BaseException as error:
            failures.append(error)

    threads_ = [threading.Thread(target=loop, args=(b,)) for b in browsers]
    for thread in threads_:
        thread.start()
    while any(t.is_alive() for t in threads_):
        if not killed and ledger.operations >= operations * 0.3:
            server.kill_worker()
            killed = 1
        if is_postgres and terminated is None and ledger.operations >= operations * 0.6:
            terminated = _terminate_app_connections(url, name)
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    server.wait_ready()
    report = _check(label, world, browsers, phones, ledger)
    log = server.log()
    report.seconds, report.workers_killed = seconds, killed
    report.connections_terminated = terminated if is_postgres else None
    report.locked_errors = log.count("database is locked")
    report.tracebacks = log.count("Traceback")
    return report


def _check(
    label: str, world: World, browsers: list[Browser], phones: list[str], ledger: Ledger
) -> Report:
    engine = build_engine(world.url)
    with engine.connect() as connection:
        ids = dict(connection.execute(select(User.phone, User.id)).all())
    browser_of = {
        ids["+84" + phone[1:]]: browser for browser, phone in zip(browsers, phones, strict=True)
    }
    with engine.connect() as connection:
        slots = {
            (row.attempt_id, row.position): row
            for row in connection.execute(
                select(
                    AttemptSlot.attempt_id,
                    AttemptSlot.position,
                    AttemptSlot.revision,
                    AttemptSlot.selected,
                    AttemptSlot.choice_order,
                    AttemptSlot.mark,
                )
            )
        }
    with Session(engine) as session:
        attempts = {
            a.id: a for a in session.scalars(select(Attempt).where(Attempt.user_id.in_(browser_of)))
        }
    lost = wrong = 0
    for key, (revision, choice) in ledger.acked.items():
        slot = slots.get(key)
        if slot is None or slot.revision < revision:
            lost += 1
        elif ledger.last_acked.get(key) and (
            slot.revision != revision or slot.selected != [slot.choice_order[choice - 1]]
        ):
            wrong += 1
    unsubmitted = sum(
        1 for a in ledger.submitted if attempts[a].status is not AttemptStatus.SUBMITTED
    )
    misgraded = 0
    for attempt in attempts.values():
        if attempt.status is AttemptStatus.SUBMITTED:
            marks = [s.mark for k, s in slots.items() if k[0] == attempt.id]
            # Marks and the score are each stored rounded to 6 places.
            if abs(sum(float(m or 0) for m in marks) - float(attempt.score or 0)) > 1e-4:
                misgraded += 1
    in_progress = Counter(
        a.user_id for a in attempts.values() if a.status is AttemptStatus.IN_PROGRESS
    )
    # Every submitted attempt, submitted again: the grade and its time must not move.
    before = {a.id: (a.submitted_at, a.score) for a in attempts.values() if a.submitted_at}
    owners = {a.id: a.user_id for a in attempts.values()}
    for attempt_id in before:
        browser_of[owners[attempt_id]].request(
            "POST",
            f"/attempts/{attempt_id}/submit",
            {"csrf_token": browser_of[owners[attempt_id]].csrf},
        )
    resumed = 0
    for user_id in in_progress:
        browser = browser_of[user_id]
        status, _, headers = browser.request(
            "POST", f"/quizzes/{world.quiz_id}/start", {"csrf_token": browser.csrf}
        )
        location = headers.get("Location", "")
        current = [
            a.id
            for a in attempts.values()
            if a.user_id == user_id and a.status is AttemptStatus.IN_PROGRESS
        ]
        if (
            status == 302
            and location.endswith(f"/attempts/{current[0]}")
            and browser.request("GET", location)[0] == 200
        ):
            resumed += 1
    with engine.connect() as connection:
        after = {
            row.id: (row.submitted_at, row.score)
            for row in connection.execute(select(Attempt.id, Attempt.submitted_at, Attempt.score))
        }
    engine.dispose()
    regraded = sum(1 for a, graded in before.items() if after[a] != graded)
    return Report(
        database=label,
        seconds=0.0,
        counts=ledger.counts,
        workers_killed=0,
        connections_terminated=None,
        lost_saves=lost,
        wrong_answers=wrong,
        unsubmitted=unsubmitted,
        regraded=regraded,
        misgraded=misgraded,
        duplicate_in_progress=sum(1 for n in in_progress.values() if n > 1),
        unfinished=len(in_progress),
        resumed=resumed,
        locked_errors=0,
        tracebacks=0,
    )
