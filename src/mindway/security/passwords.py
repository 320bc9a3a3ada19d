"""Argon2id password hashing (RFC 9106) with the OWASP Password Storage Cheat Sheet minimum.

Hashes are checked in a worker thread (FastAPI runs sync endpoints off the event loop) and
re-hashed on login when the configured parameters change.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mindway.config import Settings
from mindway.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128  # bounds hashing work (OWASP ASVS 6.2.9 allows at least 64 characters)


def hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def check_strength(password: str) -> None:
    """Length rules of NIST SP 800-63B 3.1.1.2 / OWASP ASVS 6.2: at least 12, at most 128."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"a password may have at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        raise InvalidInput("a password needs more than three different characters")


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings).hash(password)


def verify_password(settings: Settings, stored_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher(settings).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: Settings, stored_hash: str) -> bool:
    return hasher(settings).check_needs_rehash(stored_hash)


_DUMMY: dict[tuple[int, int, int], str] = {}


def burn_time(settings: Settings, password: str) -> None:
    """Spend as long as a real check when the account does not exist (no user enumeration)."""
    params = (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    if params not in _DUMMY:
        _DUMMY[params] = hash_password(settings, "not-a-real-password-0000")
    verify_password(settings, _DUMMY[params], password)
