"""Mindway's exception hierarchy, raised by domain and service code.

    MindwayError
    ├── ConfigurationError      settings or keys unusable (e.g. placeholder keys in production)
    ├── InvalidInput            a request is malformed or breaks a rule; nothing was changed
    ├── NotFound                no such object, or it lies outside the caller's scope
    ├── Forbidden               the caller's role may not do this at all
    ├── Conflict                the request clashes with the current state (e.g. duplicate name)
    └── AuthenticationError     credentials missing, wrong, expired or locked out
        ├── MfaRequired         the password was right; a TOTP code is still needed
        └── LockedOut           too many failures; try again later

The API turns each into RFC 9457 problem JSON with its ``status``; the CLI prints the message.
"""

from __future__ import annotations


class MindwayError(Exception):
    """Base of every error Mindway raises on purpose."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigurationError(MindwayError):
    status = 500
    title = "Configuration error"


class InvalidInput(MindwayError):
    status = 422
    title = "Invalid input"


class NotFound(MindwayError):
    status = 404
    title = "Not found"


class Forbidden(MindwayError):
    status = 403
    title = "Forbidden"


class Conflict(MindwayError):
    status = 409
    title = "Conflict"


class AuthenticationError(MindwayError):
    status = 401
    title = "Authentication required"


class MfaRequired(AuthenticationError):
    title = "Multi-factor authentication required"


class LockedOut(AuthenticationError):
    status = 429
    title = "Too many failed attempts"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
