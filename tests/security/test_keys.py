"""Keys: generated into the data folder outside production, refused there in production."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from mindway.config import Settings
from mindway.errors import ConfigurationError
from mindway.security import crypto
from mindway.security.keys import Keyring, keys_dir, load_keyring, parse_master_keys


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_first_run_generates_private_key_files(tmp_path: Path) -> None:
    """Key files are readable by the service user only (0600 in a 0700 folder)."""
    settings = Settings(data_dir=tmp_path / "data")
    keyring = load_keyring(settings)
    folder = keys_dir(settings)
    assert folder == tmp_path / "data" / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("master_keys", "secret_key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert keyring.generated is True
    assert len(keyring.secret_key) == 32
    assert len(keyring.master_key(keyring.active_kid)) == 32
    assert sorted(p.name for p in folder.iterdir()) == ["master_keys", "secret_key"]


def test_key_files_are_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        settings = Settings(data_dir=tmp_path / "data")
        load_keyring(settings)
    finally:
        os.umask(old)
    folder = keys_dir(settings)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "master_keys").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


def test_the_same_keys_load_on_the_next_run(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_keyring(settings)
    second = load_keyring(Settings(data_dir=tmp_path))
    assert second == first


def test_two_data_dirs_get_different_keys(tmp_path: Path) -> None:
    one = load_keyring(Settings(data_dir=tmp_path / "one"))
    two = load_keyring(Settings(data_dir=tmp_path / "two"))
    assert one.secret_key != two.secret_key
    assert set(one.master_keys.values()).isdisjoint(two.master_keys.values())


@pytest.mark.parametrize("production", [False, True])
def test_damaged_key_file_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, production: bool
) -> None:
    settings = Settings(data_dir=tmp_path)
    load_keyring(settings)
    (keys_dir(settings) / "secret_key").write_text("not base64 at all!\n")
    if production:  # production still looks at the folder to refuse generated keys
        _random_env(monkeypatch)
    with pytest.raises(ConfigurationError, match="damaged"):
        load_keyring(Settings(data_dir=tmp_path, production=production))


def _random_env(monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    master, secret = crypto.new_key(), crypto.new_key()
    monkeypatch.setenv("MINDWAY_MASTER_KEYS", f"prod2026:{b64(master)}")
    monkeypatch.setenv("MINDWAY_SECRET_KEY", b64(secret))
    return master, secret


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, production=True)
    with pytest.raises(ConfigurationError, match="MINDWAY_MASTER_KEYS"):
        load_keyring(settings)
    assert not keys_dir(settings).exists(), "production must not generate keys"


@pytest.mark.parametrize("production", [False, True])
@pytest.mark.parametrize("missing", ["MINDWAY_MASTER_KEYS", "MINDWAY_SECRET_KEY"])
def test_half_the_keys_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str, production: bool
) -> None:
    """A key set in the environment is never silently replaced by generated ones."""
    _random_env(monkeypatch)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        load_keyring(Settings(data_dir=tmp_path, production=production))
    assert not keys_dir(Settings(data_dir=tmp_path)).exists()


def test_production_refuses_keys_generated_into_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Generated keys sit next to the database; production may not rely on them."""
    generated = load_keyring(Settings(data_dir=tmp_path))
    folder = keys_dir(Settings(data_dir=tmp_path))
    monkeypatch.setenv("MINDWAY_MASTER_KEYS", (folder / "master_keys").read_text())
    monkeypatch.setenv("MINDWAY_SECRET_KEY", (folder / "secret_key").read_text())
    # The same values work outside production...
    assert load_keyring(Settings(data_dir=tmp_path)).master_keys == generated.master_keys
    # ...but production refuses them.
    with pytest.raises(ConfigurationError, match="generated"):
        load_keyring(Settings(data_dir=tmp_path, production=True))


@pytest.mark.parametrize("which", ["master", "secret"])
def test_production_refuses_one_generated_key_among_fresh_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, which: str
) -> None:
    generated = load_keyring(Settings(data_dir=tmp_path))
    master, _secret = _random_env(monkeypatch)
    if which == "master":
        gen_master = generated.master_key(generated.active_kid)
        monkeypatch.setenv("MINDWAY_MASTER_KEYS", f"new:{b64(master)},old:{b64(gen_master)}")
    else:
        monkeypatch.setenv("MINDWAY_SECRET_KEY", b64(generated.secret_key))
    with pytest.raises(ConfigurationError, match="generated"):
        load_keyring(Settings(data_dir=tmp_path, production=True))


@pytest.mark.parametrize(
    ("master_keys", "secret_key"),
    [
        pytest.param(f"prod:{b64(bytes(32))}", None, id="all-zero master key"),
        pytest.param(f"prod:{b64(b'A' * 32)}", None, id="all-equal master key"),
        pytest.param(f"prod:{b64(b'0123' * 8)}", None, id="repeating master key"),
        pytest.param(None, b64(bytes(32)), id="all-zero secret key"),
        pytest.param(None, b64(b"\x01\x02" * 16), id="two-byte secret key"),
        pytest.param(f"prod:{b64(b'my own master key for the clinic')}", None, id="text master"),
        pytest.param(None, b64(b"change-me-change-me-change-me-00"), id="text secret key"),
        pytest.param(f"changeme:{b64(crypto.new_key())}", None, id="kid changeme"),
        pytest.param(f"placeholder-1:{b64(crypto.new_key())}", None, id="kid placeholder"),
        pytest.param(f"example:{b64(crypto.new_key())}", None, id="kid example"),
        pytest.param(
            f"prod:{b64(crypto.new_key())},CHANGE_ME:{b64(crypto.new_key())}",
            None,
            id="second kid CHANGE_ME",
        ),
    ],
)
def test_production_refuses_placeholder_keys(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    master_keys: str | None,
    secret_key: str | None,
) -> None:
    """Settings refuse placeholder secrets (fastapi full-stack template; OWASP ASVS 13.3)."""
    _random_env(monkeypatch)
    if master_keys is not None:
        monkeypatch.setenv("MINDWAY_MASTER_KEYS", master_keys)
    if secret_key is not None:
        monkeypatch.setenv("MINDWAY_SECRET_KEY", secret_key)
    with pytest.raises(ConfigurationError, match="placeholder"):
        load_keyring(Settings(data_dir=tmp_path, production=True))


def test_production_accepts_proper_random_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    master, secret = _random_env(monkeypatch)
    keyring = load_keyring(Settings(data_dir=tmp_path, production=True))
    assert keyring == Keyring({"prod2026": master}, "prod2026", secret, generated=False)
    assert not keys_dir(Settings(data_dir=tmp_path)).exists()


@pytest.mark.parametrize("chance_word", ["xxxx", "TODO", "Xxx0", "todo"])
def test_random_key_whose_base64_spells_a_word_is_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chance_word: str
) -> None:
    """About one random key in 800 spells 'xxx' or 'todo' in base64 by chance: no placeholder."""
    _random_env(monkeypatch)
    secret = base64.b64decode(chance_word) + crypto.new_key()[:29]
    assert chance_word in b64(secret)
    monkeypatch.setenv("MINDWAY_SECRET_KEY", b64(secret))
    keyring = load_keyring(Settings(data_dir=tmp_path, production=True))
    assert keyring.secret_key == secret


def test_production_accepts_many_random_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No properly random key is mistaken for a placeholder (start-up must not fail at random)."""
    for _ in range(1000):
        _random_env(monkeypatch)
        load_keyring(Settings(data_dir=tmp_path, production=True))


def test_several_master_keys_first_is_active(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    new, old = crypto.new_key(), crypto.new_key()
    _random_env(monkeypatch)
    monkeypatch.setenv("MINDWAY_MASTER_KEYS", f"k2027:{b64(new)}\nk2026:{b64(old)}\n")
    keyring = load_keyring(Settings(data_dir=tmp_path, production=True))
    assert keyring.active_kid == "k2027"
    assert keyring.master_key("k2026") == old
    with pytest.raises(ConfigurationError, match="not in the keyring"):
        keyring.master_key("k2025")


@pytest.mark.parametrize(
    ("master_keys", "message"),
    [
        ("", "no master key"),
        ("just-a-key-without-a-kid", "kid:base64key"),
        (f":{b64(bytes(range(32)))}", "kid:base64key"),
        (f"a.b:{b64(bytes(range(32)))}", "kid:base64key"),
        ("k1:not*base64", "not valid base64"),
        (f"k1:{b64(bytes(range(16)))}", "must be 32 bytes"),
        (f"k1:{b64(bytes(range(32)))},k1:{b64(bytes(range(1, 33)))}", "given twice"),
    ],
)
def test_malformed_master_keys_are_clear_configuration_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, master_keys: str, message: str
) -> None:
    _random_env(monkeypatch)
    monkeypatch.setenv("MINDWAY_MASTER_KEYS", master_keys)
    for production in (False, True):
        with pytest.raises(ConfigurationError, match=message):
            load_keyring(Settings(data_dir=tmp_path, production=production))


@pytest.mark.parametrize(
    ("secret_key", "message"),
    [("%%%%", "not valid base64"), (b64(bytes(range(31))), "must be 32 bytes")],
)
def test_malformed_secret_key_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret_key: str, message: str
) -> None:
    _random_env(monkeypatch)
    monkeypatch.setenv("MINDWAY_SECRET_KEY", secret_key)
    with pytest.raises(ConfigurationError, match=f"MINDWAY_SECRET_KEY.*{message}"):
        load_keyring(Settings(data_dir=tmp_path, production=True))


def test_parse_master_keys_round_trips_the_key_file_format(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    keyring = load_keyring(settings)
    parsed = parse_master_keys((keys_dir(settings) / "master_keys").read_text())
    assert parsed == keyring.master_keys
