"""The patient's chat with the companion, and the clinician's view of flagged conversations.

The page works without JavaScript (the form posts and the page shows the conversation); with
it, ``chat.js`` posts the message and reads the reply as a server-sent event stream
(text/event-stream), word by word. Crisis first: when the crisis protocol ran, the page shows
the locale's crisis resources above everything else; the "Need help now?" link is always in
the header.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput
from mindway.security.policy import Role
from mindway.services import chat, exercises, handoffs
from mindway.services.chat import MAX_MESSAGE, ChatReply
from mindway.web.crisis import crisis_help
from mindway.web.csrf import CheckedForm
from mindway.web.i18n import N_
from mindway.web.patient_pages import own_record
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession, require_role

router = APIRouter(route_class=PageRoute)
BASE = "/patient/chat"
SHOWN = 60


def _page(
    request: Request, rt: RuntimeDep, ws: WebSession, status: int = 200, error: str | None = None
) -> Response:
    patient_id = own_record(ws)
    help_now = request.query_params.get("help") == "now"
    return render(
        request,
        "patient_chat.html",
        status,
        page_title=N_("Talk it through"),
        messages=chat.messages(rt, ws.actor, patient_id, SHOWN),
        crisis=crisis_help(ws.info.locale) if help_now else None,
        error=error,
        max_chars=MAX_MESSAGE,
    )


@router.get(BASE)
def chat_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _page(request, rt, ws)


def _send(rt: RuntimeDep, ws: WebSession, form: CheckedForm) -> ChatReply:
    text = form.values.get("text", "")
    return chat.send(rt, ws.actor, own_record(ws), text)


@router.post(BASE)
def send_message(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Without JavaScript: send, then show the conversation (crisis resources first)."""
    try:
        done = _send(rt, ws, form)
    except InvalidInput as exc:
        return _page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, BASE + ("?help=now#crisis" if done.escalated else "#latest"))


def _events(done: ChatReply) -> Iterator[str]:
    """The reply as server-sent events: word by word, then what the page needs to know."""
    words = done.reply.split(" ")
    for start in range(0, len(words), 4):
        chunk = " ".join(words[start : start + 4]) + (" " if start + 4 < len(words) else "")
        yield f"data: {json.dumps({'delta': chunk})}\n\n"
    final = {"escalated": done.escalated, "risk": done.risk, "flow": done.flow}
    yield f"event: done\ndata: {json.dumps(final)}\n\n"


@router.post(BASE + "/stream")
def stream_message(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """With JavaScript: the reply as a text/event-stream (a bad message is one error event)."""
    try:
        done = _send(rt, ws, form)
    except InvalidInput as exc:
        error = f"event: problem\ndata: {json.dumps({'detail': sentence(exc.detail)})}\n\n"
        return StreamingResponse(iter([error]), media_type="text/event-stream", status_code=422)
    return StreamingResponse(
        _events(done),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/clinician/conversations")
def flagged_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    """Conversations of the caseload the risk screener flagged, and patients' handoffs."""
    require_role(ws, Role.CLINICIAN)
    from mindway.services.patients import caseload

    names = {p.id: p.display_name for p in caseload(rt, ws.actor)}
    return render(
        request,
        "clinician_conversations.html",
        page_title="Conversations",
        flagged=chat.flagged(rt, ws.actor),
        handoffs=handoffs.inbox(rt, ws.actor),
        names=names,
    )


@router.get("/clinician/patients/{patient_id}/conversation")
def conversation_page(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn
) -> Response:
    """One patient's conversation (words shown only with care consent) and exercises."""
    require_role(ws, Role.CLINICIAN)
    return render(
        request,
        "clinician_conversation.html",
        page_title="Conversation",
        patient_id=patient_id,
        messages=chat.messages(rt, ws.actor, patient_id, 200),
        exercises=exercises.list_exercises(rt, ws.actor, patient_id),
    )
