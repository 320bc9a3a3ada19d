"""The live exposure channel: ``/api/v1/vr/sessions/{id}/ws``.

The scene sends the protocol's JSON messages (the same as ``mindway vr control`` reads, one
object per text frame) and gets exactly one JSON reply per message. A clinician's connection
may also send ``{"event": "override", "action": ...}`` and receives, besides its replies,
each second of the session as ``{"event": "update", ...}`` (and ``override``/``session_end``
notices) for the live view. With several app processes, an override (or ``session_end``) sent
to a process other than the one answering the scene is forwarded to it and answered
``{"ok": true, "forwarded": true}`` (``{"ok": true}`` for the end); the owner's notice follows.

Authentication, in this order: a bearer token offered as the subprotocol ``bearer.<token>``
next to ``mindway.v1`` (``Sec-WebSocket-Protocol``; browsers cannot set headers on a
WebSocket), a ``token`` query parameter, or the web session cookie (then the Origin must be
this host: no cross-site WebSocket hijacking). A missing or invalid session, a session outside
the caller's scope and one that does not exist are all closed with 1008 (policy violation)
and the reason "not found" or "sign in first". Each connection is audited once
(``vr.session.connect``); overrides and the end of the session are audited as use cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from mindway.errors import AuthenticationError, MindwayError
from mindway.security.policy import Actor, Role
from mindway.services import auth, vr_live, vr_sessions
from mindway.services.runtime import Runtime
from mindway.vr.protocol import MAX_LINE, error
from mindway.web.session import SESSION_COOKIE, cookie_name

router = APIRouter(tags=["vr exposure"])
SUBPROTOCOL = "mindway.v1"
BEARER_PREFIX = "bearer."
POLICY_VIOLATION = 1008
ENDED = {"intensity": 0.0, "state": "ended", "reason": "the session has ended"}


def _offered_token(websocket: WebSocket) -> str | None:
    for offered in websocket.scope.get("subprotocols", []):
        if offered.startswith(BEARER_PREFIX) and len(offered) <= 256 + len(BEARER_PREFIX):
            return str(offered[len(BEARER_PREFIX) :])
    token = websocket.query_params.get("token")
    return token if token and len(token) <= 256 else None


def _same_origin(websocket: WebSocket) -> bool:
    origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
    return origin is None or (host is not None and urlsplit(origin).netloc == host)


def _actor(rt: Runtime, websocket: WebSocket) -> Actor | None:
    """The signed-in actor behind the connection, or None (then it is closed)."""
    token = _offered_token(websocket)
    if token is None:
        cookie = websocket.cookies.get(cookie_name(rt.settings, SESSION_COOKIE))
        token = cookie if cookie and len(cookie) <= 256 and _same_origin(websocket) else None
    if token is None:
        return None
    try:
        info = auth.authenticate(rt, token)
    except AuthenticationError:
        return None
    return info.actor if info.mfa_passed else None


def _after_end(message: Any) -> dict[str, Any]:
    """Replies once the session has ended: samples say so, ending again is harmless."""
    if not isinstance(message, dict):
        return error("expected a JSON object")
    if message.get("event") in ("session_end", "session_start"):
        return {"ok": True}
    if message.get("event") == "override":
        return error("the session has ended")
    return dict(ENDED) if "t" in message else error("unknown message")


class Connection:
    """One socket on one session: answers messages, forwards updates to a clinician."""

    def __init__(self, websocket: WebSocket, rt: Runtime, actor: Actor, session: uuid.UUID):
        self.websocket, self.rt, self.actor, self.session = websocket, rt, actor, session
        self.live = vr_live.find(session)
        self.sending = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.sending:
            await self.websocket.send_text(json.dumps(message, ensure_ascii=False))

    async def forward(self, watcher: vr_live.Watcher) -> None:
        while True:
            await self.send(await watcher.queue.get())

    async def reply_to(self, text: str) -> dict[str, Any]:
        if not text.strip():
            return error("blank message: expected one JSON object")
        if len(text) > MAX_LINE:
            return error("message too long")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return error(f"not valid JSON: {str(exc)[:120]}")
        if self.live is None or self.live.protocol.controller is None:
            return _after_end(message)
        reply = vr_sessions.answer(self.live, self.actor, message)
        if reply.get("event") == "override":
            return await self._use_case(vr_sessions.override, reply.get("action"))
        if reply.get("event") == "session_end":
            await self._use_case(vr_sessions.end_session)
            self.live = None
            return {"ok": True}
        if self.live.due():
            await self._use_case(vr_sessions.checkpoint)
        return reply

    async def _use_case(self, use_case: Any, *args: Any) -> dict[str, Any]:
        try:
            result = await run_in_threadpool(use_case, self.rt, self.actor, self.session, *args)
        except MindwayError as exc:
            return error(exc.detail)
        return result if isinstance(result, dict) else {"ok": True}

    async def serve(self) -> None:
        watcher = None
        if self.live is not None and self.actor.role is Role.CLINICIAN:
            watcher = vr_live.Watcher(asyncio.Queue(), asyncio.get_running_loop())
            self.live.watchers.add(watcher)
        forwarding = asyncio.create_task(self.forward(watcher)) if watcher else None
        try:
            while True:
                frame = await self.websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                text = frame.get("text")
                reply = await self.reply_to(text) if text is not None else error("send text")
                await self.send(reply)
        except WebSocketDisconnect:
            pass
        finally:
            if forwarding is not None:
                forwarding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forwarding
            if watcher is not None and self.live is not None:
                self.live.watchers.discard(watcher)
            if self.live is not None and self.live.pending:
                with contextlib.suppress(MindwayError):
                    await run_in_threadpool(
                        vr_sessions.checkpoint, self.rt, self.actor, self.session
                    )


@router.websocket("/vr/sessions/{session_id}/ws")
async def session_socket(websocket: WebSocket, session_id: str) -> None:
    rt = websocket.app.state.runtime
    assert isinstance(rt, Runtime)
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    actor = await run_in_threadpool(_actor, rt, websocket)
    if actor is None:
        await websocket.close(POLICY_VIOLATION, "sign in first")
        return
    try:
        session = uuid.UUID(session_id)
        await run_in_threadpool(vr_sessions.connect, rt, actor, session)
    except (ValueError, MindwayError):
        await websocket.close(POLICY_VIOLATION, "not found")
        return
    await Connection(websocket, rt, actor, session).serve()
