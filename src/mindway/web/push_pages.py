"""Web Push for check-in reminders: the service worker and the subscribe/unsubscribe calls.

``/static/push.js`` on the check-in page asks the browser for a subscription with the
server's VAPID public key (RFC 8292) and POSTs it here as JSON with the CSRF token in a
header; the push messages themselves (RFC 8030, encrypted per RFC 8291) come from
:mod:`mindway.services.web_push`. The worker is served from ``/sw.js`` so its scope is the
whole site and a notification can open ``/patient/checkin``. Without JavaScript or push
support nothing here is used: the in-app reminder on the home page remains.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.responses import FileResponse, JSONResponse, Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput, NotFound
from mindway.services import web_push
from mindway.web.csrf import CheckedJson
from mindway.web.patient_pages import own_record
from mindway.web.render import PageRoute
from mindway.web.session import SignedIn

router = APIRouter(route_class=PageRoute)
WORKER = Path(__file__).parent / "static" / "sw.js"


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so its default scope is ``/``."""
    return FileResponse(
        WORKER,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


def _enabled(rt: RuntimeDep) -> None:
    if rt.vapid is None:
        raise NotFound("web push is not set up on this server")


@router.post("/patient/push/subscribe")
def subscribe(rt: RuntimeDep, ws: SignedIn, body: CheckedJson) -> Response:
    """Store this browser's subscription: ``PushSubscription.toJSON()``."""
    patient_id = own_record(ws)
    _enabled(rt)
    web_push.subscribe(rt, ws.actor, patient_id, body)
    return JSONResponse({"subscribed": True}, status_code=201)


@router.post("/patient/push/unsubscribe")
def unsubscribe(rt: RuntimeDep, ws: SignedIn, body: CheckedJson) -> Response:
    """Forget this browser's subscription: ``{"endpoint": ...}``."""
    patient_id = own_record(ws)
    endpoint: Any = body.get("endpoint") if isinstance(body, dict) else None
    if endpoint is None:
        raise InvalidInput("say which subscription to remove (endpoint)")
    removed = web_push.unsubscribe(rt, ws.actor, patient_id, endpoint)
    return JSONResponse({"removed": removed})
