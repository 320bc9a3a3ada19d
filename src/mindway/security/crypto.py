"""Every cryptographic primitive Mindway uses, in one place (no hand-rolled modes).

Sealed values are AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce and associated
data that binds the value to where it belongs (table/column/row), in a versioned text format::

    mw1.<key id>.<base64url(nonce || ciphertext || tag)>

Web Push (RFC 8030) needs a VAPID key pair (RFC 8292): an ECDSA P-256 key kept as PKCS#8 PEM,
whose public half the browser receives as a base64url uncompressed point. Signing the VAPID
token and the message encryption (RFC 8291) are done by pywebpush, py-vapid and http-ece.

Keys are wrapped the same way by a master key (envelope encryption). Tokens are 256-bit
random strings (OWASP ASVS 7.2.3 asks for at least 128 bits); only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = "mw1"
KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A sealed value is malformed, was sealed under another key, or was tampered with."""


def new_key() -> bytes:
    """A fresh 256-bit key from the operating system's CSPRNG."""
    return AESGCM.generate_key(bit_length=256)


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, key_id: str, plaintext: bytes, associated_data: bytes) -> str:
    """Encrypt and authenticate ``plaintext`` under ``key``, bound to ``associated_data``."""
    if "." in key_id:
        raise ValueError("a key id may not contain '.'")
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, associated_data)
    return f"{FORMAT_VERSION}.{key_id}.{_b64e(nonce + body)}"


def sealed_key_id(sealed: str) -> str:
    """The id of the key that sealed ``sealed``."""
    parts = sealed.split(".")
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        raise DecryptionError("not a Mindway sealed value (unknown format or version)")
    return parts[1]


def open_sealed(key: bytes, sealed: str, associated_data: bytes) -> bytes:
    """Decrypt ``sealed``; raise :class:`DecryptionError` if anything does not match."""
    sealed_key_id(sealed)
    text = sealed.split(".")[2]
    try:
        raw = _b64d(text)
    except ValueError as exc:
        raise DecryptionError("sealed value is not valid base64") from exc
    if _b64e(raw) != text:  # the lenient decoder skips stray characters and ignores spare bits
        raise DecryptionError("sealed value is not canonical base64url")
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("sealed value is too short")
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except InvalidTag as exc:
        raise DecryptionError("sealed value failed authentication") from exc


def keyed_hash(key: bytes, data: bytes) -> str:
    """HMAC-SHA-256 of ``data`` as hex: audit chain links and pseudonyms."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_token() -> str:
    """An opaque 256-bit session or CSRF token."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 of a token, which is all the database keeps of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ValueError("key is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def new_vapid_private_pem() -> str:
    """A fresh ECDSA P-256 private key (RFC 8292 VAPID) as unencrypted PKCS#8 PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def vapid_public_key(private_pem: str) -> str:
    """The base64url uncompressed P-256 point of a VAPID private key, as browsers take it
    (``applicationServerKey``); :class:`ValueError` if the PEM is not a P-256 private key."""
    try:
        key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise ValueError("not an unencrypted PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("a VAPID key must be an ECDSA P-256 key")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64e(point)
