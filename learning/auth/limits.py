"""Login limits, after OWASP's Authentication Cheat Sheet: failed logins are counted per
account and per address, in a store every process shares, and a trusted device keeps its
own allowance.

- The account bucket is the account the typed login resolves to (a phone number in any
  form or a member code: alternating them guesses against one bucket); a login that names
  no account is counted under its normalised text.
- The address bucket counts judged failures only: a malformed post (CSRF failure, empty or
  invalid fields) never reaches the count, so one broken device behind a factory's shared
  address does not keep everyone there out. The address limit is generous (NAT).
- A full account bucket refuses further tries, without checking the password, until its
  window ends (a minute after 5 failures, an hour after 20): guessing slows to 20 an hour.
  The owner is not locked out from their usual device: a successful login leaves a signed
  device cookie, and a login from that device for that account is counted in the device's
  own bucket instead of the account's.
- Counts live in Redis when `REDIS_URL` is set (every server shares them); otherwise in the
  database's `login_failures` table, which every gunicorn process (and every server using
  the same database) shares. Fixed windows, like Flask-Limiter's default.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse_many
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning.auth.models import LoginFailure, User
from learning.auth.queries import login_key

DEVICE_COOKIE = "login_device"
clock = time.time  # the windows' clock (tests set it)
DEVICE_COOKIE_DAYS = 180


@dataclass(frozen=True)
class Buckets:
    """What one login attempt counts against."""

    address: str
    account: str
    device: str | None  # set when the request carries a device cookie for this account

    @property
    def owner_side(self) -> str:
        """The bucket a failure of this attempt is counted in besides the address: the
        trusted device's own, else the account's."""
        return self.device or self.account


def buckets_for(user: User | None, login: str, address: str, device_cookie: str | None) -> Buckets:
    """The buckets of an attempt to log in as `login` (resolved to `user`, if any)."""
    account = f"user:{user.id}" if user is not None else f"login:{login_key(login)}"
    device = read_device_cookie(device_cookie, user.id) if user is not None else None
    return Buckets(
        address=f"address:{address}",
        account=account,
        device=f"device:{device}" if device else None,
    )


def _limits(setting: str) -> list[RateLimitItem]:
    return list(parse_many(current_app.config[setting]))


def seconds_blocked(session: Session, buckets: Buckets) -> tuple[str, int] | None:
    """("address" | "account", seconds to wait) when this attempt may not be judged now,
    else None."""
    store = _store()
    now = int(clock())
    wait = store.wait(session, buckets.address, _limits("LOGIN_LIMIT_PER_ADDRESS"), now)
    if wait:
        return "address", wait
    wait = store.wait(session, buckets.owner_side, _limits("LOGIN_LIMIT_PER_ACCOUNT"), now)
    if wait:
        return "account", wait
    return None


def record_failure(session: Session, buckets: Buckets) -> None:
    """Count a judged failure in the address bucket and the account's (or device's)."""
    store = _store()
    now = int(clock())
    store.hit(session, buckets.address, _limits("LOGIN_LIMIT_PER_ADDRESS"), now)
    store.hit(session, buckets.owner_side, _limits("LOGIN_LIMIT_PER_ACCOUNT"), now)


def enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


# --- the trusted-device cookie ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def device_cookie_value(user: User) -> str:
    """A new signed device cookie for `user` (set at a successful login)."""
    return _serializer().dumps({"u": user.id, "d": secrets.token_urlsafe(12)})


def read_device_cookie(value: str | None, user_id: int) -> str | None:
    """The device id the cookie names, when it is genuine and was issued to `user_id`."""
    if not value or len(value) > 300:
        return None
    try:
        data = _serializer().loads(value)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id:
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


# --- stores ------------------------------------------------------------------------------


def _window(limit: RateLimitItem, now: int) -> tuple[int, int, int]:
    period = int(limit.get_expiry())
    start = now - now % period
    return period, start, start + period


class DatabaseStore:
    """Counts in the `login_failures` table, in the caller's session (the view commits)."""

    def wait(self, session: Session, bucket: str, limits: Sequence[RateLimitItem], now: int) -> int:
        """Seconds until `bucket` may fail again (0: it may now)."""
        wait = 0
        for limit in limits:
            period, start, end = _window(limit, now)
            hits = session.scalar(
                select(LoginFailure.hits).where(
                    LoginFailure.bucket == bucket,
                    LoginFailure.period == period,
                    LoginFailure.window_start == start,
                )
            )
            if (hits or 0) >= limit.amount:
                wait = max(wait, end - now)
        return wait

    def hit(self, session: Session, bucket: str, limits: Sequence[RateLimitItem], now: int) -> None:
        """Add one failure to each window of `bucket` (one statement each, race-free)."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for limit in limits:
            period, start, end = _window(limit, now)
            statement = insert(LoginFailure).values(
                bucket=bucket[:200], period=period, window_start=start, expires_at=end, hits=1
            )
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["bucket", "period", "window_start"],
                    set_={"hits": LoginFailure.hits + 1},
                )
            )
        if random.random() < 0.05:  # housekeeping now and then
            session.execute(delete(LoginFailure).where(LoginFailure.expires_at < now))


class RedisStore:
    """Counts in Redis (INCR with expiry), shared by every server."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.errors = redis.exceptions.RedisError

    def _key(self, bucket: str, period: int, start: int) -> str:
        return f"{self.prefix}login-failures:{bucket}:{period}:{start}"

    def wait(self, session: Session, bucket: str, limits: Sequence[RateLimitItem], now: int) -> int:
        """Seconds until `bucket` may fail again (0: it may now). With Redis unreachable,
        the database counts instead (logged): the limits keep holding."""
        windows = [(limit, *_window(limit, now)) for limit in limits]
        try:
            counts = self.client.mget([self._key(bucket, p, s) for _l, p, s, _e in windows])
        except self.errors as error:
            current_app.logger.error("login limits: Redis unreachable (%s)", error)
            return DatabaseStore().wait(session, bucket, limits, now)
        wait = 0
        for (limit, _period, _start, end), count in zip(windows, counts, strict=True):
            if int(count or 0) >= limit.amount:
                wait = max(wait, end - now)
        return wait

    def hit(self, session: Session, bucket: str, limits: Sequence[RateLimitItem], now: int) -> None:
        """Add one failure to each window of `bucket` (in the database if Redis is away)."""
        pipe = self.client.pipeline()
        for limit in limits:
            period, start, _end = _window(limit, now)
            key = self._key(bucket, period, start)
            pipe.incr(key)
            pipe.expire(key, period + 5)
        try:
            pipe.execute()
        except self.errors as error:
            current_app.logger.error("login limits: Redis unreachable (%s)", error)
            DatabaseStore().hit(session, bucket, limits, now)


def _store() -> DatabaseStore | RedisStore:
    stores = current_app.extensions.setdefault("login_limits", {})
    if "store" not in stores:
        url = current_app.config.get("REDIS_URL")
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        stores["store"] = RedisStore(url, prefix) if url else DatabaseStore()
    return stores["store"]


def minutes(seconds: int) -> int:
    """A wait in whole minutes, as the page says it (at least 1)."""
    return max(1, math.ceil(seconds / 60))
