"""Argon2id password hashing (RFC 9106) at the OWASP Password Storage Cheat Sheet minimum."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mindway.config import Settings
from mindway.errors import AuthenticationError, InvalidInput
from mindway.security import passwords
from mindway.services import accounts, auth
from mindway.services.runtime import Runtime
from mindway.store.models import Account
from tests.conftest import fast_settings

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
PASSWORD = "correct horse battery staple"


def test_default_settings_hash_with_owasp_argon2id_parameters(tmp_path: Path) -> None:
    """OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB (19456 KiB), t=2, p=1."""
    settings = Settings(data_dir=tmp_path)
    hashed = passwords.hash_password(settings, PASSWORD)
    assert hashed.startswith(OWASP_PREFIX), hashed
    assert passwords.verify_password(settings, hashed, PASSWORD)
    assert not passwords.verify_password(settings, hashed, PASSWORD + "!")
    assert not passwords.needs_rehash(settings, hashed)


def test_hashes_are_salted(tmp_path: Path) -> None:
    settings = fast_settings(tmp_path)
    one, two = (passwords.hash_password(settings, PASSWORD) for _ in range(2))
    assert one != two
    assert PASSWORD not in one


@pytest.mark.parametrize(
    "attempt",
    ["", "correct horse battery stapl", "Correct horse battery staple", PASSWORD + " ", "x" * 200],
)
def test_verify_refuses_wrong_passwords(tmp_path: Path, attempt: str) -> None:
    settings = fast_settings(tmp_path)
    hashed = passwords.hash_password(settings, PASSWORD)
    assert passwords.verify_password(settings, hashed, PASSWORD)
    assert not passwords.verify_password(settings, hashed, attempt)


@pytest.mark.parametrize("stored", ["", "!erased", "$argon2id$v=19$garbage", "plaintext"])
def test_verify_against_a_malformed_hash_is_false_not_an_error(tmp_path: Path, stored: str) -> None:
    assert not passwords.verify_password(fast_settings(tmp_path), stored, PASSWORD)


def test_needs_rehash_when_parameters_change(tmp_path: Path) -> None:
    cheap = fast_settings(tmp_path)
    stronger = cheap.model_copy(update={"argon2_time_cost": 3})
    more_memory = cheap.model_copy(update={"argon2_memory_kib": 2048})
    hashed = passwords.hash_password(cheap, PASSWORD)
    assert not passwords.needs_rehash(cheap, hashed)
    assert passwords.needs_rehash(stronger, hashed)
    assert passwords.needs_rehash(more_memory, hashed)
    # A hash made under other parameters still verifies (the parameters are in the hash).
    assert passwords.verify_password(stronger, hashed, PASSWORD)


def _stored_hash(rt: Runtime, username: str) -> str:
    with rt.transaction() as db:
        return db.scalars(select(Account.password_hash).where(Account.username == username)).one()


def test_login_rehashes_when_parameters_changed(rt: Runtime) -> None:
    """An old, cheaper hash is upgraded to the configured parameters at the next sign-in."""
    accounts.bootstrap_admin(rt, "admin", "Admin", PASSWORD)
    old = _stored_hash(rt, "admin")
    assert old.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    upgraded = Settings(data_dir=rt.settings.data_dir, database_url=rt.settings.database_url)
    rt_owasp = Runtime(upgraded, rt.keyring, rt.engine, rt.sessions)

    with pytest.raises(AuthenticationError):
        auth.login(rt_owasp, "admin", "wrong password here", "127.0.0.1")
    assert _stored_hash(rt, "admin") == old, "a failed sign-in must not rewrite the hash"

    auth.login(rt_owasp, "admin", PASSWORD, "127.0.0.1")
    new = _stored_hash(rt, "admin")
    assert new.startswith(OWASP_PREFIX), new
    assert passwords.verify_password(upgraded, new, PASSWORD)

    auth.login(rt_owasp, "admin", PASSWORD, "127.0.0.1")
    assert _stored_hash(rt, "admin") == new, "no rehash when the parameters already match"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "at least 12"),
        ("short", "at least 12"),
        ("elevenchars", "at least 12"),
        ("a" * 129, "at most 128"),
        ("aaaaaaaaaaaa", "different characters"),
        ("abcabcabcabc", "different characters"),
    ],
)
def test_strength_rules_refuse_weak_passwords(password: str, message: str) -> None:
    """NIST SP 800-63B 3.1.1.2: at least the minimum length; a bounded maximum for hashing work."""
    with pytest.raises(InvalidInput, match=message):
        passwords.check_strength(password)


@pytest.mark.parametrize(
    "password",
    ["twelve chars", "correct horse battery staple", "z" * 60 + "abcd", "\u00e9tagere 12345"],
)
def test_strength_rules_accept_long_passphrases(password: str) -> None:
    passwords.check_strength(password)


def test_burn_time_spends_a_real_verification(tmp_path: Path) -> None:
    settings = fast_settings(tmp_path).model_copy(update={"argon2_time_cost": 2})
    passwords.burn_time(settings, PASSWORD)
    key = (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    assert passwords._DUMMY[key].startswith("$argon2id$v=19$m=1024,t=2,p=1$")
