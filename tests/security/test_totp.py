"""TOTP second factor: RFC 6238 (30-second steps, SHA-1, 6 digits, as authenticator apps use)."""

from __future__ import annotations

import base64
import re
import types
from urllib.parse import parse_qs, urlparse

import pytest

from mindway.errors import AuthenticationError
from mindway.security import totp
from mindway.services import accounts, auth
from mindway.services.runtime import Runtime
from tests.clinic import PASSWORD

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
# (Unix time, 8-digit TOTP from Appendix B); a 6-digit code is the same value mod 10^6.
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def freeze(monkeypatch: pytest.MonkeyPatch, now: float) -> None:
    monkeypatch.setattr("pyotp.totp.time", types.SimpleNamespace(time=lambda: now))


@pytest.mark.parametrize(("now", "code8"), RFC_VECTORS)
def test_rfc6238_sha1_test_vectors(monkeypatch: pytest.MonkeyPatch, now: int, code8: str) -> None:
    freeze(monkeypatch, now)
    assert totp.current_code(RFC_SECRET) == code8[-6:]
    assert totp.verify_code(RFC_SECRET, code8[-6:])


def test_accepts_one_step_of_clock_drift_either_side(monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 6238 5.2 recommends at most one time step of allowed network delay or drift."""
    secret = totp.new_secret()
    base = 1_700_000_010.0
    codes = {}
    for step in range(-3, 4):
        freeze(monkeypatch, base + 30 * step)
        codes[step] = totp.current_code(secret)
    freeze(monkeypatch, base)
    for step in (-1, 0, 1):
        assert totp.verify_code(secret, codes[step]), step
    for step in (-3, -2, 2, 3):
        if codes[step] not in (codes[-1], codes[0], codes[1]):  # 1 in 10^6 collisions
            assert not totp.verify_code(secret, codes[step]), step


def test_refuses_other_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch, 1234567890)
    right = totp.current_code(RFC_SECRET)
    assert right == "005924"
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert not totp.verify_code(RFC_SECRET, wrong)
    other = base64.b32encode(b"another 20-byte seed").decode()
    assert not totp.verify_code(other, right)
    assert totp.verify_code(RFC_SECRET, f" {right[:3]} {right[3:]} ")  # as apps display it


@pytest.mark.parametrize(
    "code",
    ["", "      ", "00592", "0059240", "05924", "abcdef", "00592a", "-05924", "+05924", "005.92"],
)
def test_refuses_malformed_input(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    freeze(monkeypatch, 1234567890)
    assert not totp.verify_code(RFC_SECRET, code)


def test_refuses_a_code_with_the_right_digits_padded_out(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch, 1234567890)
    assert not totp.verify_code(RFC_SECRET, "0005924")
    assert not totp.verify_code(RFC_SECRET, "5924")


def test_new_secrets_are_random_and_at_least_160_bits() -> None:
    """RFC 4226 4 (R6): the shared secret is at least 128 bits, 160 recommended."""
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]+=*", secret)
        assert len(base64.b32decode(secret)) * 8 >= 160


def test_provisioning_uri_names_the_issuer_and_account() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "clinician.a")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert parsed.path == "/Mindway:clinician.a"
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["Mindway"]
    assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"]
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
    svg = totp.qr_svg(uri)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg


def test_a_used_code_is_not_accepted_again(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 6238 5.2: the verifier MUST NOT accept the second attempt of an OTP after the
    first one was validated (one-time use)."""
    freeze(monkeypatch, 1_700_000_010.0)
    accounts.bootstrap_admin(rt, "admin", "Admin", PASSWORD)
    pending = auth.login(rt, "admin", PASSWORD, "127.0.0.1")
    enrolment = auth.start_enrolment(rt, pending.token)
    auth.confirm_enrolment(rt, pending.token, totp.current_code(enrolment.secret))
    freeze(monkeypatch, 1_700_000_070.0)  # two steps later: a fresh code
    code = totp.current_code(enrolment.secret)
    first = auth.login(rt, "admin", PASSWORD, "127.0.0.1")
    assert auth.verify_mfa(rt, first.token, code, "127.0.0.1").mfa_passed
    second = auth.login(rt, "admin", PASSWORD, "127.0.0.1")
    with pytest.raises(AuthenticationError):
        auth.verify_mfa(rt, second.token, code, "127.0.0.1")
