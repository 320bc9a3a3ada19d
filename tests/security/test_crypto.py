"""Sealed values: AES-256-GCM (NIST SP 800-38D) in the ``mw1.<kid>.<base64url>`` format."""

from __future__ import annotations

import base64
import re

import pytest

from mindway.security import crypto
from mindway.security.crypto import DecryptionError, open_sealed, seal

KEY = bytes(range(32))
AD = b"clinical_note/body/6f1c1d8e-0000-4000-8000-000000000001"
FORMAT = re.compile(r"^mw1\.(?P<kid>[^.]+)\.(?P<body>[A-Za-z0-9_-]+)$")


def body_bytes(sealed: str) -> bytes:
    text = sealed.split(".")[2]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def with_body(sealed: str, raw: bytes) -> str:
    version, kid, _ = sealed.split(".")
    return f"{version}.{kid}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


def test_round_trip() -> None:
    for plaintext in (b"", b"x", "Zanzibar-nightmares-7731 \u00e9\u4e2d".encode(), bytes(5000)):
        assert open_sealed(KEY, seal(KEY, "k1", plaintext, AD), AD) == plaintext


def test_format_is_versioned_with_key_id() -> None:
    sealed = seal(KEY, "kabc123", b"hello", AD)
    match = FORMAT.match(sealed)
    assert match is not None, sealed
    assert match["kid"] == "kabc123"
    assert crypto.sealed_key_id(sealed) == "kabc123"
    # 96-bit nonce, ciphertext as long as the plaintext, 128-bit tag (SP 800-38D 5.2.1.1).
    assert len(body_bytes(sealed)) == 12 + len(b"hello") + 16
    assert b"hello" not in body_bytes(sealed)


def test_key_id_may_not_contain_the_separator() -> None:
    with pytest.raises(ValueError):
        seal(KEY, "k.1", b"x", AD)


def test_random_nonce_same_plaintext_gives_different_ciphertexts() -> None:
    """A nonce is never reused under one key (SP 800-38D 8.2); equal values do not look equal."""
    sealed = {seal(KEY, "k1", b"same plaintext", AD) for _ in range(50)}
    assert len(sealed) == 50
    assert len({body_bytes(s)[:12] for s in sealed}) == 50


def test_tampering_with_any_byte_fails() -> None:
    sealed = seal(KEY, "k1", b"PHQ-9 item 9: 2", AD)
    raw = body_bytes(sealed)
    for i in range(len(raw)):
        for flip in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[i] ^= flip
            with pytest.raises(DecryptionError):
                open_sealed(KEY, with_body(sealed, bytes(tampered)), AD)


def test_truncated_or_extended_ciphertext_fails() -> None:
    sealed = seal(KEY, "k1", b"some text", AD)
    raw = body_bytes(sealed)
    for altered in (raw[:-1], raw[:-16], raw + b"\x00", raw[:12] + raw[13:]):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, with_body(sealed, altered), AD)


def test_the_stored_text_cannot_be_altered_without_detection() -> None:
    """Every character of the stored text counts: the base64 is decoded strictly (RFC 4648 3.5)."""
    sealed = seal(KEY, "k1", b"x" * 7, AD)
    prefix = "mw1.k1."
    body = sealed[len(prefix) :]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=!. \n"
    for i in range(len(body)):
        for ch in alphabet:
            if ch == body[i]:
                continue
            altered = prefix + body[:i] + ch + body[i + 1 :]
            with pytest.raises(DecryptionError):
                open_sealed(KEY, altered, AD)
    for extra in ("=", "==", " ", "\n", "!"):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, sealed + extra, AD)


def test_other_associated_data_fails() -> None:
    """A value copied to another row or column does not open there."""
    sealed = seal(KEY, "k1", b"1985-03-14", b"patient/birth_date/row-A")
    assert open_sealed(KEY, sealed, b"patient/birth_date/row-A") == b"1985-03-14"
    for other in (b"patient/birth_date/row-B", b"patient/given_name/row-A", b""):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, sealed, other)


def test_wrong_key_fails() -> None:
    sealed = seal(KEY, "k1", b"secret", AD)
    with pytest.raises(DecryptionError):
        open_sealed(crypto.new_key(), sealed, AD)


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "plain text",
        "mw1",
        "mw1.k1",
        "mw1.k1.",
        "mw2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "MW1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mw1.k1.AAAA.AAAA",
        "mw1.k1.A",
        "mw1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mw1.k1.****************************************",
        "mw1.k1.\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
        "mw1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x00",
    ],
)
def test_malformed_input_raises_decryption_error(malformed: str) -> None:
    with pytest.raises(DecryptionError):
        open_sealed(KEY, malformed, AD)


def test_sealed_key_id_refuses_other_formats() -> None:
    for malformed in ("", "mw1.k1", "mw0.k1.AAAA", "a.b.c.d"):
        with pytest.raises(DecryptionError):
            crypto.sealed_key_id(malformed)


def test_new_key_is_256_random_bits() -> None:
    keys = {crypto.new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(k) == 32 for k in keys)


def test_tokens_have_at_least_256_bits_and_only_digests_are_stored() -> None:
    """Session tokens: at least 128 bits of entropy (OWASP ASVS 7.2.3); Mindway uses 256."""
    tokens = {crypto.new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32
        digest = crypto.token_digest(token)
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert token not in digest
        assert crypto.token_digest(token) == digest
    assert len({crypto.token_digest(t) for t in tokens}) == 50


def test_keyed_hash_depends_on_the_key() -> None:
    assert crypto.keyed_hash(KEY, b"x") == crypto.keyed_hash(KEY, b"x")
    assert crypto.keyed_hash(KEY, b"x") != crypto.keyed_hash(crypto.new_key(), b"x")
    assert crypto.keyed_hash(KEY, b"x") != crypto.keyed_hash(KEY, b"y")


def test_same_is_equality() -> None:
    assert crypto.same("abc", "abc")
    assert not crypto.same("abc", "abd")
    assert not crypto.same("abc", "ab")


def test_decode_key_checks_length_and_alphabet() -> None:
    assert crypto.decode_key(crypto.encode_key(KEY)) == KEY
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.decode_key(crypto.encode_key(KEY[:31]))
    with pytest.raises(ValueError, match="base64"):
        crypto.decode_key("!!!!")
