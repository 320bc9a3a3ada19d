"""The ASGI application: API under ``/api/v1``, web pages, static assets, ``/health``."""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from mindway import __version__
from mindway.api import problems, rate_limits
from mindway.api.deps import RuntimeDep, current_session
from mindway.api.middleware import BodyLimit, SecurityHeaders
from mindway.api.routes import admin, auth, chat, checkins, measures, patients, progress
from mindway.api.routes import therapy as therapy_routes
from mindway.api.routes.recommend import router as recommend_router
from mindway.api.routes.vr import router as vr_router
from mindway.api.routes.vr_socket import router as vr_socket_router
from mindway.clinical.instruments import load_instruments
from mindway.config import Settings, get_settings
from mindway.content.loader import validate_all
from mindway.services import (
    clinical_alerts,
    disengagement,
    jitai_prompts,
    programmes,
    therapy_reminders,
    vr_live,
)
from mindway.services.event_bus import open_bus
from mindway.services.rate_limit import open_limiter
from mindway.services.runtime import Runtime
from mindway.store.db import ping

log = logging.getLogger("mindway")
API_PREFIX = "/api/v1"


def _api_router() -> APIRouter:
    """Everything under /api/v1; all but /auth/* need a complete session. Requests are
    counted per address first (before any database work), then per account."""
    api = APIRouter(prefix=API_PREFIX, responses=problems.PROBLEM_RESPONSES)
    api.include_router(auth.router, dependencies=[Depends(rate_limits.limit_address)])
    guarded = APIRouter(
        dependencies=[
            Depends(rate_limits.limit_address),
            Depends(current_session),
            Depends(rate_limits.limit_account),
        ]
    )
    guarded.include_router(patients.router)
    guarded.include_router(admin.router)
    guarded.include_router(measures.router)
    guarded.include_router(progress.router)
    guarded.include_router(checkins.router)
    guarded.include_router(chat.router)
    guarded.include_router(therapy_routes.router)
    guarded.include_router(vr_router)
    guarded.include_router(recommend_router)
    api.include_router(vr_socket_router)  # authenticates itself (browsers send no headers)
    api.include_router(guarded)
    return api


ESCALATION_INTERVAL_SECONDS = 60


async def _escalate_periodically(rt: Runtime) -> None:
    """Escalate care-team alerts nobody acknowledged in time, once a minute, for as long as
    the server runs (with several workers each checks; escalation is idempotent)."""
    while True:
        await asyncio.sleep(ESCALATION_INTERVAL_SECONDS)
        for job in MINUTE_JOBS:
            try:
                await run_in_threadpool(job, rt)
            except Exception:  # keep watching: a database blip must not stop the others
                log.exception("%s failed; trying again in a minute", job.__qualname__)


def _jitai_prompts(rt: Runtime) -> int:
    return jitai_prompts.decide_prompts(rt)


def _programme_disengagement(rt: Runtime) -> int:
    return programmes.programme_disengagement(rt)


# What the server does once a minute: escalation first (safety), then engagement.
MINUTE_JOBS: tuple[Callable[[Runtime], object], ...] = (
    clinical_alerts.escalate_overdue,
    disengagement.watch_engagement,
    _programme_disengagement,
    _jitai_prompts,
    therapy_reminders.send_programme_reminders,
)


WARM_UP_DELAY_S = 3.0


def _warm_up_models() -> None:
    """Load the risk screener's models now, so the first person to type does not wait."""
    time.sleep(WARM_UP_DELAY_S)  # let the server answer its first requests first
    try:
        from mindway.chat.safety import default_screener

        default_screener().screen("warm up")
    except Exception:  # the first real message loads them again, and reports any error
        log.exception("warming up the risk screener failed")


@asynccontextmanager
async def _shared_state(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Rate-limit counters and the event bus: in Redis when configured (shared by every app
    process), else in this process; live VR records travel on the bus."""
    secret = settings.redis_url
    redis_url = secret.get_secret_value() if secret is not None else None
    app.state.rate_limiter = open_limiter(redis_url)
    bus = open_bus(redis_url)
    await run_in_threadpool(vr_live.attach, bus, app.state.runtime)
    try:
        yield
    finally:
        vr_live.detach(bus)
        await run_in_threadpool(bus.close)
        app.state.rate_limiter.close()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. With ``runtime`` given (tests), the caller owns its lifetime."""
    settings = runtime.settings if runtime else (settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        validate_all()
        load_instruments()  # a malformed instrument file stops start-up, not a patient
        if runtime is not None:
            app.state.runtime = runtime
            async with _shared_state(app, settings):
                yield
            return
        app.state.runtime = await run_in_threadpool(Runtime.open, settings)
        # PyTorch is imported here, before any request: importing it in a thread while a
        # request imports SciPy (which probes ``torch``) lets SciPy see a half-made module.
        await run_in_threadpool(importlib.import_module, "torch")
        threading.Thread(target=_warm_up_models, name="warm-up", daemon=True).start()
        watcher = asyncio.create_task(_escalate_periodically(app.state.runtime))
        try:
            async with _shared_state(app, settings):
                yield
        finally:
            watcher.cancel()
            app.state.runtime.close()

    app = FastAPI(
        title="Mindway",
        version=__version__,
        description="AI-assisted mental health treatment. Mindway supports care; it does not "
        "diagnose and does not replace a clinician.",
        lifespan=lifespan,
        debug=settings.debug,
        docs_url="/api/docs",
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.state.rate_limiter = open_limiter(None)  # until start-up opens the configured one
    problems.install(app)
    rate_limits.install(app)
    app.include_router(_api_router())

    @app.get("/health", tags=["health"])
    def health(rt: RuntimeDep) -> JSONResponse:
        """Liveness with a database round trip: 200 when the store answers, 503 otherwise."""
        try:
            ping(rt.engine)
        except SQLAlchemyError:
            log.warning("health check: database unreachable")
            return problems.problem(503, "Unavailable", "the database does not answer")
        body: dict[str, Any] = {"status": "ok", "database": "ok", "version": __version__}
        return JSONResponse(body)

    from mindway.web import pages

    app.include_router(pages.router)
    pages.install_error_pages(app)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, hsts=settings.production)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
