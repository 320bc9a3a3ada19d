"""Where Mindway's keys come from: the environment in production, the data folder otherwise.

Three secrets: the master keys (key-encryption keys that wrap every data key), the secret key
(audit HMAC chain, pseudonyms) and the VAPID key that signs Web Push requests (RFC 8292,
``vapid_private.pem``). Outside production they are generated on first run into
``<data dir>/keys/`` with mode 0600; production refuses generated or placeholder keys.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mindway.config import Settings
from mindway.errors import ConfigurationError
from mindway.security import crypto

PLACEHOLDER_SUBJECTS = ("mailto:admin@localhost", "mailto:admin@example.com")
PLACEHOLDER_WORDS = ("change", "placeholder", "example", "secret", "default", "xxx", "todo")


@dataclass(frozen=True)
class Keyring:
    """The master keys by id (the active one first) and the secret key."""

    master_keys: dict[str, bytes]
    active_kid: str
    secret_key: bytes
    generated: bool

    def master_key(self, kid: str) -> bytes:
        try:
            return self.master_keys[kid]
        except KeyError as exc:
            raise ConfigurationError(f"master key {kid!r} is not in the keyring") from exc


@dataclass(frozen=True)
class VapidKey:
    """The Web Push server key (RFC 8292): PEM for signing, the public point for browsers."""

    private_pem: str = field(repr=False)
    public_key: str  # base64url uncompressed P-256 point (the browser's applicationServerKey)
    subject: str  # "mailto:" or "https:" contact for push services


def keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)
    os.chmod(path, 0o600)


def parse_master_keys(text: str) -> dict[str, bytes]:
    """Parse ``kid:base64,kid:base64`` (one per line also works); the first is active."""
    keys: dict[str, bytes] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, value = item.partition(":")
        if not sep or not kid or "." in kid:
            raise ConfigurationError("master keys must look like 'kid:base64key,...'")
        if kid in keys:  # the later value would silently replace the earlier one
            raise ConfigurationError(f"master key id {kid!r} is given twice")
        try:
            keys[kid] = crypto.decode_key(value)
        except ValueError as exc:
            raise ConfigurationError(f"master key {kid!r}: {exc}") from exc
    if not keys:
        raise ConfigurationError("no master key given")
    return keys


def format_master_keys(keys: dict[str, bytes]) -> str:
    return "\n".join(f"{kid}:{crypto.encode_key(key)}" for kid, key in keys.items()) + "\n"


def _looks_like_placeholder(label: str, key: bytes) -> bool:
    """A placeholder label, or key bytes no CSPRNG gives: few distinct values or all text.

    Words are looked for in labels only: random base64 contains "xxx" or "todo" by chance.
    """
    lowered = label.lower()
    return (
        any(word in lowered for word in PLACEHOLDER_WORDS)
        or len(set(key)) < 8
        or all(32 <= byte < 127 for byte in key)
    )


def _from_environment(settings: Settings) -> Keyring:
    assert settings.master_keys is not None and settings.secret_key is not None
    raw_master = settings.master_keys.get_secret_value()
    masters = parse_master_keys(raw_master)
    raw_secret = settings.secret_key.get_secret_value()
    try:
        secret = crypto.decode_key(raw_secret)
    except ValueError as exc:
        raise ConfigurationError(f"MINDWAY_SECRET_KEY: {exc}") from exc
    if settings.production:
        for kid, key in masters.items():
            if _looks_like_placeholder(kid, key):
                raise ConfigurationError(f"master key {kid!r} looks like a placeholder")
        if _looks_like_placeholder("", secret):
            raise ConfigurationError("MINDWAY_SECRET_KEY looks like a placeholder")
        generated = _generated_values(settings)
        if set(masters.values()) & generated or secret in generated:
            raise ConfigurationError("production may not use keys generated into the data folder")
    return Keyring(masters, next(iter(masters)), secret, generated=False)


def _generated_values(settings: Settings) -> set[bytes]:
    folder = keys_dir(settings)
    values: set[bytes] = set()
    master_file, secret_file = folder / "master_keys", folder / "secret_key"
    if master_file.exists():
        values |= set(parse_master_keys(master_file.read_text()).values())
    if secret_file.exists():
        try:
            values.add(crypto.decode_key(secret_file.read_text()))
        except ValueError as exc:
            raise ConfigurationError(f"key file in {folder} is damaged: {exc}") from exc
    return values


def _generated(settings: Settings) -> Keyring:
    folder = keys_dir(settings)
    master_file, secret_file = folder / "master_keys", folder / "secret_key"
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # holds health data
        if not master_file.exists():
            _write_private(master_file, format_master_keys({_new_kid(): crypto.new_key()}))
        if not secret_file.exists():
            _write_private(secret_file, crypto.encode_key(crypto.new_key()) + "\n")
        masters = parse_master_keys(master_file.read_text())
        secret = crypto.decode_key(secret_file.read_text())
    except OSError as exc:
        raise ConfigurationError(f"cannot create or read keys in {folder}: {exc}") from exc
    except ValueError as exc:
        raise ConfigurationError(f"key file in {folder} is damaged: {exc}") from exc
    return Keyring(masters, next(iter(masters)), secret, generated=True)


def _new_kid() -> str:
    return "k" + uuid.uuid4().hex[:12]


def load_keyring(settings: Settings) -> Keyring:
    """The keyring for ``settings``; raises :class:`ConfigurationError` if it is unsafe."""
    if (settings.master_keys is None) != (settings.secret_key is None):
        raise ConfigurationError(
            "set both MINDWAY_MASTER_KEYS and MINDWAY_SECRET_KEY, or neither (generated keys)"
        )
    if settings.master_keys is not None and settings.secret_key is not None:
        return _from_environment(settings)
    if settings.production:
        raise ConfigurationError(
            "production mode needs MINDWAY_MASTER_KEYS and MINDWAY_SECRET_KEY; "
            "generated keys are refused"
        )
    return _generated(settings)


def add_generated_master_key(settings: Settings) -> Keyring:
    """Put a new active master key in front of the generated keyring (for ``keys rotate``)."""
    if settings.master_keys is not None:
        raise ConfigurationError(
            "master keys come from MINDWAY_MASTER_KEYS: put the new key first there, then rotate"
        )
    current = _generated(settings)
    keys = {_new_kid(): crypto.new_key(), **current.master_keys}
    _write_private(keys_dir(settings) / "master_keys", format_master_keys(keys))
    return _generated(settings)


def retire_master_keys(settings: Settings, keep: list[str]) -> None:
    """Drop every generated master key not in ``keep`` (which lists the active one first)."""
    if settings.master_keys is not None:
        return
    current = _generated(settings)
    _write_private(
        keys_dir(settings) / "master_keys",
        format_master_keys({kid: current.master_key(kid) for kid in keep}),
    )


def _vapid_from_pem(pem: str, subject: str, origin: str) -> VapidKey:
    try:
        public = crypto.vapid_public_key(pem)
    except ValueError as exc:
        raise ConfigurationError(f"{origin}: {exc}") from exc
    return VapidKey(pem, public, subject)


def load_vapid_key(settings: Settings) -> VapidKey:
    """The VAPID key from ``MINDWAY_VAPID_PRIVATE_KEY``, or generated into the keys folder
    (``vapid_private.pem``, 0600) outside production; production refuses to run without its
    own key and a real ``MINDWAY_VAPID_SUBJECT``."""
    subject = settings.vapid_subject.strip()
    if not subject.startswith(("mailto:", "https://")):
        raise ConfigurationError("MINDWAY_VAPID_SUBJECT must be a mailto: or https:// URL")
    path = keys_dir(settings) / "vapid_private.pem"
    if settings.vapid_private_key is not None:
        pem = settings.vapid_private_key.get_secret_value().strip() + "\n"
        key = _vapid_from_pem(pem, subject, "MINDWAY_VAPID_PRIVATE_KEY")
        if settings.production:
            if subject in PLACEHOLDER_SUBJECTS or subject.endswith("@localhost"):
                raise ConfigurationError("production needs a real MINDWAY_VAPID_SUBJECT")
            generated = _generated_vapid_public(path)
            if generated is not None and generated == key.public_key:
                raise ConfigurationError(
                    "production may not use the VAPID key generated into the data folder"
                )
        return key
    if settings.production:
        raise ConfigurationError(
            "production mode needs MINDWAY_VAPID_PRIVATE_KEY; generated keys are refused"
        )
    try:
        if not path.exists():
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_private(path, crypto.new_vapid_private_pem())
        pem = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot create or read {path}: {exc}") from exc
    return _vapid_from_pem(pem, subject, f"key file {path}")


def _generated_vapid_public(path: Path) -> str | None:
    try:
        return crypto.vapid_public_key(path.read_text()) if path.exists() else None
    except (OSError, ValueError):
        return None
