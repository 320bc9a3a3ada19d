"""Talking to the API in tests: an app on a runtime, signing in, reading problem details."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from mindway.api.app import create_app
from mindway.security import crypto
from mindway.services.runtime import Runtime
from mindway.store.models import AuthSession
from tests.clinic import PASSWORD

API = "/api/v1"


def with_settings(rt: Runtime, **changes: Any) -> Runtime:
    """The same store and keys under changed settings (e.g. a small body limit)."""
    return dataclasses.replace(rt, settings=rt.settings.model_copy(update=changes))


_APPS: dict[tuple[bool, bool, int], FastAPI] = {}


def _app_for(rt: Runtime) -> FastAPI:
    """One app per set of app-level settings: building the routes is the slow part."""
    s = rt.settings
    key = (s.production, s.debug, s.max_body_bytes)
    if key not in _APPS:
        _APPS[key] = create_app(runtime=rt)
    return _APPS[key]


@contextmanager
def serve(rt: Runtime, address: str = "testclient") -> Iterator[TestClient]:
    """A client of the app on ``rt``'s store, calling from ``address``."""
    app = _app_for(rt)
    with TestClient(app, client=(address, 50000)) as client:
        app.state.runtime = rt  # the lifespan put back the runtime the app was built with
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    body = {"username": username, "password": password}
    response: httpx.Response = client.post(f"{API}/auth/login", json=body)
    return response


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Headers of a complete session (the account must not need MFA)."""
    response = login(client, username, password)
    assert response.status_code == 200, response.text
    assert response.json()["mfa_required"] is False
    return bearer(response.json()["token"])


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with ``status``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert body["title"] and body["detail"]
    return body


def set_session(rt: Runtime, token: str, **values: datetime) -> None:
    """Move a session's timestamps (idle timeout, lifetime) straight in the database."""
    with rt.transaction() as db:
        db.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == crypto.token_digest(token))
            .values(**values)
        )


def session_revoked(rt: Runtime, token: str) -> bool:
    with rt.transaction() as db:
        revoked_at = db.scalars(
            select(AuthSession.revoked_at).where(
                AuthSession.token_hash == crypto.token_digest(token)
            )
        ).one()
        return revoked_at is not None


def random_id() -> str:
    return str(uuid.uuid4())


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def totp_previous(secret: str) -> str:
    """Last step's code, still inside the drift window: enrolling with it leaves the current
    code unspent for the sign-in that follows (each code is accepted once, RFC 6238 5.2)."""
    return pyotp.TOTP(secret).at(time.time() - 30)


def wrong_code(secret: str) -> str:
    """A well-formed code that no clock drift window accepts."""
    totp = pyotp.TOTP(secret)
    return next(c for c in (f"{n:06d}" for n in range(100)) if not totp.verify(c, valid_window=2))


def enrol(client: TestClient, token: str) -> tuple[str, str]:
    """Turn on TOTP for the token's account; returns (secret, the new full-session token)."""
    started = client.post(f"{API}/auth/mfa/enrol", headers=bearer(token))
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = client.post(
        f"{API}/auth/mfa/enrol/confirm", headers=bearer(token), json={"code": totp_previous(secret)}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["mfa_required"] is False
    return secret, confirmed.json()["token"]
