"""Clicking through a questionnaire the way the pages do (one form post per screen), and
checks the questionnaire and alert page tests share."""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx
from sqlalchemy import func, select

from mindway.security import crypto
from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent
from mindway.web.csrf import session_csrf
from tests.web.visitor import CSRF, Visitor, snapshot

DRAFT = re.compile(r'name="draft" value="([^"]+)"')
PHQ9_MODERATE = [2, 1, 2, 1, 2, 1, 2, 1, 0]  # total 12, item 9 "not at all"
PHQ9_RISK = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # total 10, item 9 "more than half the days"


def path(instrument: str) -> str:
    return f"/patient/questionnaires/{instrument}"


def fields(page: httpx.Response) -> dict[str, str]:
    """The CSRF token and the signed draft a screen carries."""
    csrf, draft = CSRF.search(page.text), DRAFT.search(page.text)
    assert csrf and draft, page.text
    return {"csrf": csrf.group(1), "draft": draft.group(1)}


def press(
    visitor: Visitor, instrument: str, page: httpx.Response, go: str, answer: int | None = None
) -> httpx.Response:
    data = {**fields(page), "go": go}
    if answer is not None:
        data["answer"] = str(answer)
    return visitor.post(path(instrument), data)


def answer_all(visitor: Visitor, instrument: str, answers: Sequence[int | None]) -> httpx.Response:
    """From the first screen to "Check your answers"; None presses "Skip this question"."""
    page = visitor.get(path(instrument))
    assert page.status_code == 200
    for value in answers:
        page = press(visitor, instrument, page, "next" if value is not None else "skip", value)
        assert page.status_code == 200, page.text
    assert "Check your answers" in page.text
    return page


def take(visitor: Visitor, instrument: str, answers: Sequence[int | None]) -> httpx.Response:
    """Answer every item, then send: the reply is the redirect to the result."""
    return press(visitor, instrument, answer_all(visitor, instrument, answers), "submit")


def audit_count(rt: Runtime, action: str, outcome: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    with rt.transaction() as db:
        return int(db.scalar(query) or 0)


def refuses_forged_csrf(rt: Runtime, visitor: Visitor, path: str, data: dict[str, str]) -> None:
    """Without the right token the form is refused (403) and nothing changes; ``data``
    carries the right one, which the form then accepts."""
    right = data["csrf"]
    rest = {k: v for k, v in data.items() if k != "csrf"}
    before = snapshot(rt)
    for token in (None, "", "0" * 64, session_csrf(rt, crypto.new_token()), right + "x"):
        reply = visitor.post(path, rest if token is None else {**rest, "csrf": token})
        assert reply.status_code == 403 and "Nothing was changed" in reply.text, token
        assert snapshot(rt) == before, token
    assert visitor.post(path, data).status_code == 303
