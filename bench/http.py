"""A small load generator for loopback benchmarks: worker threads with keep-alive
connections, a bounded number of requests, requests per second and latency percentiles."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Client:
    """One simulated user: a keep-alive connection and a cookie jar of one session."""

    host: str
    port: int
    cookie: str = ""
    csrf: str = ""

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        # One user does one thing at a time, like a phone's browser: requests queue here.
        self.lock = threading.Lock()

    def request(
        self, method: str, path: str, form: dict | None = None, accept: str = "text/html"
    ) -> tuple[int, str, dict[str, str]]:
        with self.lock:
            return self._request(method, path, form, accept)

    def _request(
        self, method: str, path: str, form: dict | None, accept: str
    ) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(form or {}, doseq=True) if form is not None else None
        headers = {"Accept": accept, "Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            # The server closed the keep-alive connection between two requests: reconnect.
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


@dataclass
class Measure:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self, baseline: Measure | None = None) -> str:
        ratio = f"{self.rps / baseline.rps:5.2f}x" if baseline and baseline.rps else "  1.00x"
        median = statistics.median(self.latencies) * 1000 if self.latencies else 0.0
        return (
            f"{self.name:<28} {self.requests:>6} req {self.rps:>8.1f} req/s  {ratio} of bare  "
            f"p50 {median:6.1f} ms  p95 {self.percentile(95):6.1f} ms  "
            f"p99 {self.percentile(99):6.1f} ms  errors {self.errors}"
        )


def run(name: str, jobs: list[Callable[[], bool]], concurrency: int) -> Measure:
    """Run the jobs (each returns True on success) on `concurrency` threads."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    latencies: list[float] = []
    errors = 0

    def worker() -> None:
        nonlocal errors
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            began = time.perf_counter()
            ok = False
            try:
                ok = job()
            except Exception:
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Measure(name, len(jobs), time.perf_counter() - started, latencies, errors)
