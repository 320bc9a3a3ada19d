"""TOTP second factor (RFC 6238: 30-second steps, 6 digits, SHA-1 as authenticator apps expect)."""

from __future__ import annotations

import pyotp
import segno
from pyotp.exceptions import OTPVerificationError

ISSUER = "Mindway"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code for authenticator apps."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff"))


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def matching_step(secret: str, code: str, *, after_step: int | None = None) -> int | None:
    """The time step whose code is ``code`` (now, or one step either side for clock drift),
    or None. A step at or before ``after_step`` is refused: RFC 6238 5.2 says a code that was
    accepted once must not be accepted again."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=1)
    except OTPVerificationError:
        return None
    if after_step is not None and step <= after_step:
        return None
    return step


def verify_code(secret: str, code: str) -> bool:
    """Accept the current code and one step either side for clock drift (RFC 6238 5.2)."""
    return matching_step(secret, code) is not None
