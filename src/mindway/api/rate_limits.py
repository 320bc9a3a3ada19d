"""API request limits per client address and per signed-in account (429 with Retry-After).

Counted by :mod:`mindway.services.rate_limit` (Redis when configured, so every app process
counts into the same buckets). Limits are generous: they stop scripts, not people.

Crisis first (DESIGN.md safety rules): a chat message over any limit (its own, the account's
or the address's) is still risk-screened once its sender is known. One that shows moderate or
high risk goes through to the companion, so the crisis protocol runs and the care team is
alerted; any other is neither stored nor answered, and its refusal carries the locale's crisis
resources and the crisis page. Web pages, the crisis page and
the VR socket are not limited here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mindway.api import problems
from mindway.api.deps import CurrentSession, client_address, get_runtime
from mindway.api.routes.chat import send_message
from mindway.content.loader import crisis_page
from mindway.services.chat import companion
from mindway.services.rate_limit import Decision, RateLimiter

CRISIS_PAGE = "/crisis"


class RateLimited(Exception):
    """Over a limit: answered as a 429 problem."""

    def __init__(self, decision: Decision, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.decision, self.detail, self.extra = decision, detail, extra

    def later(self) -> RateLimited:
        """The refusal of an ordinary request: try again shortly."""
        return RateLimited(self.decision, f"{self.detail}; try again shortly", **self.extra)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def _is_chat_message(request: Request) -> bool:
    return request.scope.get("endpoint") is send_message


def limit_address(request: Request) -> None:
    """Every API request counts against its client address (after trusted proxies). A chat
    message over this limit is decided in :func:`limit_account`, once its sender is known."""
    settings = get_runtime(request).settings
    address = client_address(request)
    decision = _limiter(request).hit(
        f"address:{address}", settings.rate_limit_per_address, settings.rate_limit_period_seconds
    )
    if decision.allowed:
        return
    refusal = RateLimited(decision, "too many requests from this address")
    if not _is_chat_message(request):
        raise refusal.later()
    request.state.address_refusal = refusal


async def limit_account(request: Request, info: CurrentSession) -> None:
    """Signed-in requests count against the account; chat messages have their own limit.

    A chat message refused by any limit is screened first: one showing risk goes through
    (crisis first); any other is refused with the crisis resources."""
    settings = get_runtime(request).settings
    period = settings.rate_limit_period_seconds
    account = info.actor.account_id
    limiter = _limiter(request)
    chat = _is_chat_message(request)
    refusal: RateLimited | None = getattr(request.state, "address_refusal", None)
    if refusal is None and chat:
        key, limit = f"chat:{account}", settings.rate_limit_chat_per_account
        decision = await run_in_threadpool(limiter.hit, key, limit, period)
        if not decision.allowed:
            refusal = RateLimited(decision, "too many messages in a short time")
    if refusal is None:
        key, limit = f"account:{account}", settings.rate_limit_per_account
        decision = await run_in_threadpool(limiter.hit, key, limit, period)
        if not decision.allowed:
            refusal = RateLimited(decision, "too many requests for this account")
    if refusal is None:
        return
    if not chat:
        raise refusal.later()
    locale = info.locale or settings.default_locale
    if await _shows_risk(request, locale):
        return  # a disclosure of risk is never refused
    page = crisis_page(locale)
    raise RateLimited(
        refusal.decision,
        f"{refusal.detail}; your last message was not sent. If you are in danger or thinking "
        "about harming yourself, contact one of the resources below now.",
        resources=[r.model_dump() for r in page.resources],
        crisis_page=CRISIS_PAGE,
    )


async def _shows_risk(request: Request, locale: str) -> bool:
    """Whether a chat message's text screens as moderate or high risk (no context)."""
    try:
        text = (await request.json()).get("text")
    except (ValueError, AttributeError):
        return False
    if not isinstance(text, str) or not text.strip():
        return False
    screener = companion(get_runtime(request).settings).screener
    screening = await run_in_threadpool(screener.screen, text, locale=locale)
    return screening.needs_care_team


def _refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    response = problems.problem(429, "Too many requests", exc.detail, **exc.extra)
    response.headers["Retry-After"] = exc.decision.retry_after_header
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(RateLimited, _refused)
