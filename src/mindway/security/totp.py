"""TOTP second factor (RFC 6238: 30-second steps, 6 digits, SHA-1 as authenticator apps expect)."""

from __future__ import annotations

import pyotp
import segno

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


def verify_code(secret: str, code: str) -> bool:
    """Accept the current code and one step either side for clock drift (RFC 6238 5.2)."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))
