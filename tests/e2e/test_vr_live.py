"""Acceptance (issue 7): a live session over a real WebSocket, end to end, with the simulator.

The installed ``mindway serve`` (uvicorn) runs on a free port; a simulated patient
(:mod:`mindway.vr.simulation`) drives ``/api/v1/vr/sessions/{id}/ws`` for a whole session,
sending the protocol's ``t`` values as fast as the replies come (no real-time waiting), while
the clinician watches the same session on their own socket. Afterwards the session's sealed
log is read back through the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from mindway.services.demo import DEMO_LOGINS
from tests.services.vr_drive import ITEM, drive, patient

pytestmark = pytest.mark.e2e

API = "/api/v1"
BASELINE_S = 60
SECONDS = 240
RECV_TIMEOUT_S = 30.0
"""Only a bound on a hang: every message is awaited, never slept for."""


def _token(client: httpx.Client, role: str) -> str:
    username, password = DEMO_LOGINS[role]
    response = client.post(f"{API}/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["mfa_required"] is False
    return str(response.json()["token"])


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def _socket(server: str, session: str, token: str) -> Iterator[ClientConnection]:
    url = server.replace("http://", "ws://", 1) + f"{API}/vr/sessions/{session}/ws"
    offered = [Subprotocol("mindway.v1"), Subprotocol(f"bearer.{token}")]
    with connect(url, subprotocols=offered, open_timeout=RECV_TIMEOUT_S) as ws:
        assert ws.subprotocol == "mindway.v1"
        yield ws


def _exchange(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(message))
    return cast(dict[str, Any], json.loads(ws.recv(timeout=RECV_TIMEOUT_S)))


def _received(ws: ClientConnection) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(ws.recv(timeout=RECV_TIMEOUT_S)))


def _start_session(client: httpx.Client, token: str) -> tuple[str, dict[str, Any]]:
    me = client.get(f"{API}/me", headers=_auth(token)).json()
    base = f"{API}/patients/{me['patient_id']}/vr"
    label = {**ITEM, "label": "Looking down from a glass lift (live socket test)"}
    added = client.post(f"{base}/hierarchy", json=label, headers=_auth(token))
    assert added.status_code == 201, added.text
    item = added.json()["item"]["id"]
    started = client.post(f"{base}/hierarchy/{item}/sessions", headers=_auth(token))
    assert started.status_code == 201, started.text
    return base, dict(started.json())


def test_a_whole_session_runs_over_a_real_websocket_with_a_watching_clinician(
    server: str,
) -> None:
    with httpx.Client(base_url=server, timeout=RECV_TIMEOUT_S) as client:
        patient_token, clinician_token = _token(client, "patient"), _token(client, "clinician")
        base, session = _start_session(client, patient_token)
        sid = session["id"]
        with (
            _socket(server, sid, patient_token) as scene,
            _socket(server, sid, clinician_token) as watcher,
        ):
            # The watcher's own start is answered once it is registered as watching.
            assert _exchange(watcher, {"event": "session_start"}) == {"ok": True}
            start = {"event": "session_start", "patient": session["patient_id"]}
            assert _exchange(scene, {**start, "session": session["number"]}) == {"ok": True}
            replies = drive(lambda m: _exchange(scene, m), patient(3), SECONDS)
            pushed = [_received(watcher) for _ in range(SECONDS)]
            assert _exchange(scene, {"event": "session_end"}) == {"ok": True}
            assert _received(watcher) == {"event": "session_end", "reason": "ended"}
            after = _exchange(scene, {"t": float(SECONDS), "hr": 70.0, "eda": 3.0, "suds": None})
            assert after["state"] == "ended"

        # The replies follow the protocol: a baseline minute at 0, then exposure, each reasoned.
        assert all(set(r) == {"intensity", "state", "reason"} for r in replies), replies[0]
        assert all(isinstance(r["reason"], str) and r["reason"] for r in replies)
        assert all(0.0 <= r["intensity"] <= 1.0 for r in replies)
        early, later = replies[:BASELINE_S], replies[BASELINE_S:]
        assert {(r["state"], r["intensity"]) for r in early} == {("baseline", 0.0)}
        assert later[0]["state"] == "exposure" and later[0]["intensity"] > 0
        assert {r["state"] for r in later} <= {"exposure", "coping"}
        assert sum(r["state"] == "exposure" for r in later) > len(later) // 2

        # The clinician saw every second, in order, with the same decisions and an estimate.
        assert [m["event"] for m in pushed] == ["update"] * SECONDS
        assert [m["t"] for m in pushed] == [float(t) for t in range(SECONDS)]
        decided = [(m["intensity"], m["state"], m["reason"]) for m in pushed]
        assert decided == [(r["intensity"], r["state"], r["reason"]) for r in replies]
        assert all(0.0 <= m["fear"] <= 100.0 and m["fear_sd"] > 0 for m in pushed)

        # Every second is sealed into the database: the report reads it back.
        report = client.get(f"{base}/sessions/{sid}", headers=_auth(clinician_token))
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["session"]["state"] == "ended" and body["session"]["ended_at"]
        assert body["series"]["t"] == [float(t) for t in range(SECONDS)]
        assert body["series"]["intensity"] == [r["intensity"] for r in replies]
        assert body["series"]["state"] == [r["state"] for r in replies]
        changes = [e for e in body["events"] if e["kind"] == "change"]
        assert changes[0]["state"] == "baseline"
        assert any(e["state"] == "exposure" and e["reason"] for e in changes)
