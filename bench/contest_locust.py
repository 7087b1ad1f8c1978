"""The load generator of the contest rush (run by bench/contest_load.py in a process of its
own, since locust patches the standard library for gevent): `users` virtual workers are
spawned, wait at a barrier, and are released together.

    python -m bench.contest_locust flow --host URL --users 300 --round ID --phones FILE
    python -m bench.contest_locust bare --host URL --users 300 --requests 26

`flow`: the workers log in together; once all are logged in (people wait for the round to
open, logged in), they are released together again, and each opens the round, starts,
opens the first question, saves an answer to every question (as the attempt page's
background save does), opens the submit page (where the prediction is asked) and submits
with a prediction. `bare`: each worker POSTs to the bare INSERT endpoint as many times as a
flow makes requests after logging in. Prints one JSON object: requests, failures, seconds
from release to the last worker's end and percentiles, of the quiz flow (and, apart, of
logging in) or of the bare endpoint.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import urllib.parse

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser
from locust.stats import StatsEntry

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Rush:
    """The barrier and the bookkeeping shared by the workers of one run."""

    def __init__(self, users: int) -> None:
        self.users = users
        self.arrived = 0
        self.finished = 0
        self.released = Event()
        self.released_at = 0.0
        # The flow's second barrier: everyone logged in waits for the round to "open".
        self.logged_in = 0
        self.opened = Event()
        self.opened_at = 0.0
        self.ended_at = 0.0
        self.problems: list[str] = []
        self.environment: Environment | None = None

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.users:
            self.released_at = time.perf_counter()
            self.released.set()
        self.released.wait()

    def open_round(self) -> None:
        self.logged_in += 1
        if self.logged_in == self.users:
            self.opened_at = time.perf_counter()
            self.opened.set()
        self.opened.wait()

    def finish(self) -> None:
        self.finished += 1
        if self.finished == self.users:
            self.ended_at = time.perf_counter()
            assert self.environment is not None and self.environment.runner is not None
            gevent.spawn(self.environment.runner.quit)


RUSH: Rush
SETTINGS: dict = {}


def _form(data: dict) -> str:
    return urllib.parse.urlencode(data, doseq=True)


def _check(response, expected: int, what: str, location: str | None = None) -> bool:  # type: ignore[no-untyped-def]
    ok = response.status_code == expected
    if ok and location is not None:
        ok = location in (response.headers.get("Location") or "")
    if not ok:
        message = f"{what}: {response.status_code} {response.headers.get('Location', '')}"
        response.failure(message)
        if len(RUSH.problems) < 20:
            RUSH.problems.append(message)
    else:
        response.success()
    return ok


class FlowUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def flow(self) -> None:
        phone = SETTINGS["phones"].pop()
        round_id = SETTINGS["round"]
        RUSH.arrive()
        logged_in = False
        try:
            logged_in = self._log_in(phone)
        finally:
            RUSH.open_round()
        try:
            if logged_in:
                self._flow(round_id)
        finally:
            RUSH.finish()
        raise StopUser()

    def _log_in(self, phone: str) -> bool:
        c = self.client
        with c.get("/login", name="GET /login", catch_response=True) as r:
            if not _check(r, 200, "login page"):
                return False
            token = TOKEN.search(r.text).group(1)
        with c.post(
            "/login",
            name="POST /login",
            data=_form({"login": phone, "password": SETTINGS["password"], "csrf_token": token}),
            headers=FORM,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            return _check(r, 302, "log in")

    def _flow(self, round_id: int) -> None:
        c = self.client
        with c.get(f"/rounds/{round_id}", name="GET round", catch_response=True) as r:
            if not _check(r, 200, "round page"):
                return
            token = TOKEN.search(r.text).group(1)
        with c.post(
            f"/rounds/{round_id}/start",
            name="POST start",
            headers=FORM,
            data=_form({"csrf_token": token}),
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not _check(r, 302, "start", "/attempts/"):
                return
            attempt = int(r.headers["Location"].rsplit("/", 1)[1])
        with c.get(f"/attempts/{attempt}", name="GET question", catch_response=True) as r:
            if not _check(r, 200, "question page"):
                return
        for position in range(1, SETTINGS["questions"] + 1):
            data = {"csrf_token": token, "shown": position, f"answer-{position}": 1,
                    f"revision-{position}": 0, "page": position}  # fmt: skip
            with c.post(
                f"/attempts/{attempt}/save",
                name="POST save",
                data=_form(data),
                headers={**FORM, "Accept": "application/json"},
                catch_response=True,
            ) as r:
                if not _check(r, 200, "save"):
                    return
        finish = f"/contest-attempts/{attempt}/finish"
        with c.get(finish, name="GET predict", catch_response=True) as r:
            if not _check(r, 200, "submit page"):
                return
        data = {"csrf_token": token, "prediction": random.randint(0, 300)}
        with c.post(
            finish,
            name="POST submit",
            data=_form(data),
            headers=FORM,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            _check(r, 302, "submit", f"/rounds/{round_id}")


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def bare(self) -> None:
        RUSH.arrive()
        try:
            for _ in range(SETTINGS["requests"]):
                with self.client.post(
                    "/bare", name="POST bare", data="", headers=FORM, catch_response=True
                ) as r:
                    _check(r, 200, "bare")
        finally:
            RUSH.finish()
        raise StopUser()


def main() -> None:
    global RUSH
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["flow", "bare"])
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--round", type=int, default=0)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--phones", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--requests", type=int, default=26)
    args = parser.parse_args()
    RUSH = Rush(args.users)
    SETTINGS.update(
        round=args.round, questions=args.questions, password=args.password, requests=args.requests
    )
    if args.kind == "flow":
        with open(args.phones, encoding="ascii") as handle:
            SETTINGS["phones"] = handle.read().split()
    user_class = FlowUser if args.kind == "flow" else BareUser
    user_class.host = args.host
    environment = Environment(user_classes=[user_class], host=args.host)
    RUSH.environment = environment
    runner = environment.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    runner.greenlet.join()
    stats = environment.stats

    def figures(names: set[str], seconds: float) -> dict:
        # Requests of the named kinds only, with their percentiles, over `seconds`.
        entry = StatsEntry(stats, "part", "", use_response_times_cache=False)
        for (name, _method), one in stats.entries.items():
            if name in names:
                entry.extend(one)
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "seconds": seconds,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }

    login = {"GET /login", "POST /login"}
    everything = {name for name, _method in stats.entries}
    end = RUSH.ended_at or time.perf_counter()
    if args.kind == "flow":
        result = figures(everything - login, end - RUSH.opened_at)
        result["login"] = figures(login, RUSH.opened_at - RUSH.released_at)
    else:
        result = figures(everything, end - RUSH.released_at)
    result["by_name"] = {
        name: {
            "requests": s.num_requests,
            "failures": s.num_failures,
            "p50": s.get_response_time_percentile(0.5),
            "p95": s.get_response_time_percentile(0.95),
            "p99": s.get_response_time_percentile(0.99),
        }
        for (name, _method), s in stats.entries.items()
    }
    result["problems"] = RUSH.problems
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
