"""Password hashing with argon2id at or above OWASP's minimum parameters.

Temporary passwords that officers print on login slips are random (10 characters from 55:
about 58 bits) and must be changed at first login; they are stored as an HMAC-SHA256 keyed
with the server's secret instead of argon2id, so that bringing in 50,000 members does not
spend 20 minutes hashing. A slow hash protects passwords people choose; a random 58-bit
one does not need it. A person's own password is always argon2id.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 at the least.
MEMORY_COST_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

# Verified against when an account does not exist, so that the response time does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """The argon2id hash of `password`."""
    return _hasher.hash(password)


TEMPORARY_PREFIX = "tmp-hmac-sha256$"


def _temporary_digest(password: str) -> str:
    key = hashlib.sha256(
        b"temporary-password:" + current_app.config["SECRET_KEY"].encode()
    ).digest()
    return hmac.new(key, password.encode(), hashlib.sha256).hexdigest()


def hash_temporary_password(password: str) -> str:
    """The stored form of a random temporary password (see the module docstring)."""
    return TEMPORARY_PREFIX + _temporary_digest(password)


def is_temporary(password_hash: str) -> bool:
    return password_hash.startswith(TEMPORARY_PREFIX)


def _argon2_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _is_argon2(password_hash: str | None) -> bool:
    return password_hash is not None and password_hash.startswith("$argon2")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches.

    Every call costs one argon2id verification, whatever is stored: no account (None), an
    account without a password yet (a marker), a temporary password (an HMAC), or a real
    hash. Otherwise the answer's time would tell which kind of account a login names."""
    if _is_argon2(password_hash):
        assert password_hash is not None
        return _argon2_verify(password_hash, password)
    _argon2_verify(_DUMMY_HASH, password)  # the same work as a real verification
    if password_hash is not None and is_temporary(password_hash):
        expected = password_hash.removeprefix(TEMPORARY_PREFIX)
        return hmac.compare_digest(expected, _temporary_digest(password))
    return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (a temporary
    password is replaced by the user's own, not rehashed)."""
    return not is_temporary(password_hash) and _hasher.check_needs_rehash(password_hash)
