"""The WebSocket access walk: every WebSocket route x every role x own and foreign objects.

The same policy as the HTTP matrix (:mod:`tests.api.test_access_matrix`), in WebSocket terms:
a socket is accepted only for a caller who may act on the object (the patient themselves, a
clinician on the patient's care team); everyone else — another patient, a clinician of another
team, roles without record access, a session that does not exist — is closed with 1008 and the
same reason "not found", so a foreign session cannot be told from a missing one (OWASP API
Top 10 2023 #1). No credentials: 1008 "sign in first". Every accepted connection and every
refusal of a signed-in caller writes exactly one audit event.

The table is written out by hand; the guard test fails when a WebSocket route is added
without a row here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from mindway.services.runtime import Runtime
from tests.api.calls import API, sign_in
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch
from tests.services.vr_drive import ITEM

POLICY_VIOLATION = 1008
ACTING = {
    "patient": "patient.a",
    "clinician": "clinician.a",
    "admin": "admin",
    "researcher": "researcher",
}
# own: patient A's object (clinician A's team); foreign: patient B's; missing: no such object.
SCOPES = ("own", "foreign", "missing")


@dataclass(frozen=True)
class SocketRule:
    """Who may open the socket, and the audit action each attempt writes."""

    allowed_roles: frozenset[str]
    action: str


WS_MATRIX: dict[str, SocketRule] = {
    "/api/v1/vr/sessions/{session_id}/ws": SocketRule(
        frozenset({"patient", "clinician"}), "vr.session.connect"
    ),
}


def _websocket_paths(client: TestClient) -> set[str]:
    """Every WebSocket path the app serves, through included routers (FastAPI resolves those
    lazily: the effective route of each carries its full path)."""
    paths: set[str] = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, WebSocketRoute):
            paths.add(route.path)
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts is not None else ():
            if isinstance(context.original_route, WebSocketRoute):
                paths.add(str(context.starlette_route.path))
    return paths


def test_matrix_covers_every_websocket_route(client: TestClient) -> None:
    assert _websocket_paths(client) == set(WS_MATRIX)


def _vr_session(client: TestClient, patient_id: uuid.UUID, who: str) -> str:
    headers = sign_in(client, who)
    base = f"{API}/patients/{patient_id}/vr"
    added = client.post(f"{base}/hierarchy", json=ITEM, headers=headers)
    assert added.status_code == 201, added.text
    started = client.post(
        f"{base}/hierarchy/{added.json()['item']['id']}/sessions", headers=headers
    )
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


@pytest.fixture
def sessions(clinic: Clinic, client: TestClient) -> dict[str, str]:
    """One live session per scope, started by each patient themselves."""
    return {
        "own": _vr_session(client, clinic.patient_a_id, "patient.a"),
        "foreign": _vr_session(client, clinic.patient_b_id, "patient.b"),
        "missing": str(uuid.uuid4()),
    }


def _connect(client: TestClient, path: str, token: str | None) -> Any:
    protocols = ["mindway.v1"] + ([f"bearer.{token}"] if token else [])
    return client.websocket_connect(path, subprotocols=protocols)


def _outcome(client: TestClient, path: str, token: str | None) -> tuple[str, str]:
    """("accepted", state of the first reply) or ("closed", reason)."""
    with _connect(client, path, token) as ws:
        try:
            ws.send_json({"t": 0.0, "hr": None, "eda": None, "suds": None})
            reply = ws.receive_json()
        except WebSocketDisconnect as closed:
            assert closed.code == POLICY_VIOLATION
            return "closed", str(closed.reason)
        return "accepted", str(reply.get("state"))


@pytest.mark.parametrize("template", sorted(WS_MATRIX))
@pytest.mark.parametrize("role", sorted(ACTING))
def test_each_role_reaches_only_its_own_objects(
    rt: Runtime, client: TestClient, sessions: dict[str, str], template: str, role: str
) -> None:
    rule = WS_MATRIX[template]
    token = sign_in(client, ACTING[role])["Authorization"].removeprefix("Bearer ")
    for scope in SCOPES:
        path = template.format(session_id=sessions[scope])
        watch = AuditWatch(rt)
        outcome = _outcome(client, path, token)
        allowed = scope == "own" and role in rule.allowed_roles
        if allowed:
            assert outcome == ("accepted", "baseline"), (role, scope)
        else:
            assert outcome == ("closed", "not found"), (role, scope)
        connects = [e for e in watch.new() if e.action == rule.action]
        assert len(connects) == 1, (role, scope, watch.new())
        assert connects[0].outcome == ("success" if allowed else "denied"), (role, scope)


@pytest.mark.parametrize("template", sorted(WS_MATRIX))
def test_no_credentials_closes_before_anything_is_read(
    rt: Runtime, client: TestClient, sessions: dict[str, str], template: str
) -> None:
    for scope in SCOPES:
        path = template.format(session_id=sessions[scope])
        for token in (None, "forged-token"):
            watch = AuditWatch(rt)
            assert _outcome(client, path, token) == ("closed", "sign in first")
            assert [e for e in watch.new() if e.action == WS_MATRIX[template].action] == []
