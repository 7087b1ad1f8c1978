"""A short-lived cache for figures many people look at while a round is open (the live
counters): through Redis when REDIS_URL is set, so that every app server shares one value
and one count per TTL runs for all of them; else a per-process dict, which is right for the
single-server SQLite case (each process counts at most once per TTL)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

_local: dict[str, tuple[float, Any]] = {}
_local_lock = threading.Lock()
_clients: dict[str, Any] = {}


def _redis() -> Any | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5)
    return client


def cached(key: str, ttl_seconds: int, compute: Callable[[], Any]) -> Any:
    """`compute()`'s value (JSON-able), computed at most once per `ttl_seconds` per key.
    A Redis that does not answer is treated as a miss: the page still shows, only slower."""
    client = _redis()
    if client is not None:
        try:
            hit = client.get(key)
            if hit is not None:
                return json.loads(hit)
        except Exception:  # a cache outage must not take pages down
            client = None
        value = compute()
        if client is not None:
            with contextlib.suppress(Exception):
                client.set(key, json.dumps(value), ex=ttl_seconds)
        return value
    now = time.monotonic()
    with _local_lock:
        hit = _local.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    value = compute()
    with _local_lock:
        _local[key] = (now + ttl_seconds, value)
    return value


def forget(key: str) -> None:
    """Drop a cached value: in Redis for every app server, and in this process. (Without
    Redis, other processes keep theirs until it expires, a few seconds at most.)"""
    client = _redis()
    if client is not None:
        with contextlib.suppress(Exception):
            client.delete(key)
    with _local_lock:
        _local.pop(key, None)


def clear() -> None:
    """Forget the per-process values (tests)."""
    with _local_lock:
        _local.clear()
