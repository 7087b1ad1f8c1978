"""Stored password hashes meet OWASP's minimum for argon2id."""

import re

from learning.auth.passwords import hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_at_or_above_owasp_minimum():
    stored = hash_password("mật khẩu dài 123")
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    memory_kib, iterations, parallelism = map(int, match.groups())
    assert memory_kib >= 19 * 1024
    assert iterations >= 2
    assert parallelism >= 1


def test_verify_accepts_the_password_and_nothing_else():
    stored = hash_password("mật khẩu dài 123")
    assert verify_password(stored, "mật khẩu dài 123")
    assert not verify_password(stored, "mat khau dai 123")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_weaker_hash_is_flagged_for_rehash():
    weak = (
        "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA"
        "$qz0Jv5zJmPaa1E1kIcyQ+3WqMYNtPgzyTV5Mh3OixDk"
    )
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("x" * 10))
