"""A browser stand-in for page tests: signs in through the forms and reads CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mindway.api.app import create_app
from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent, Base
from tests.clinic import PASSWORD

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Visitor:
    """One browser: its own cookie jar, following no redirects so tests can see them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.post(path, data=data, follow_redirects=False, **kwargs)

    def csrf(self, path: str = "/") -> str:
        """The CSRF token on the page at ``path`` (after following redirects)."""
        page = self.client.get(path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    def submit(self, path: str, data: dict[str, str], *, page: str = "/") -> httpx.Response:
        """Post a form with the token a real page would have carried."""
        return self.post(path, {**data, "csrf": self.csrf(page)})

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/login")
        reply = self.post("/login", {"csrf": token, "username": username, "password": password})
        assert reply.status_code in (303, 401, 422, 429), reply.text
        return reply


@contextmanager
def browser(rt: Runtime, **client_args: Any) -> Iterator[Visitor]:
    with TestClient(create_app(runtime=rt), **client_args) as client:
        yield Visitor(client)


def snapshot(rt: Runtime) -> dict[str, int]:
    """Row counts of every table and the end of the audit chain: a refused form changes none."""
    with rt.transaction() as db:
        counts = {
            table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
        counts["audit.last_seq"] = int(db.scalar(select(func.max(AuditEvent.seq))) or 0)
    return counts
