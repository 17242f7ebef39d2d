"""Password and PIN hashing with Argon2id; verification never leaks timing."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_secret(secret: str) -> str:
    return _hasher().hash(secret)


def verify_secret(stored: str | None, given: str) -> bool:
    """Whether ``given`` matches; a missing hash still costs a hash, so timing says nothing."""
    try:
        if stored is None:
            _hasher().hash(given)
            return False
        return _hasher().verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False
