"""VR exposure over the API: a live session over WebSocket driven by the simulated patient
reaches exposure and back; the therapist watches and overrides over the same socket; bad
messages are answered; no access without authentication; foreign sessions are 'not found'."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from mindway.services.runtime import Runtime
from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch
from tests.services.vr_drive import ITEM, drive, patient


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _session(client: TestClient, clinic: Clinic, headers: dict[str, str]) -> dict[str, Any]:
    base = f"{API}/patients/{clinic.patient_a_id}/vr"
    added = client.post(f"{base}/hierarchy", json=ITEM, headers=headers)
    assert added.status_code == 201, added.text
    item = added.json()["item"]["id"]
    started = client.post(f"{base}/hierarchy/{item}/sessions", headers=headers)
    assert started.status_code == 201, started.text
    return dict(started.json())


def _socket(client: TestClient, session: str, token: str) -> Any:
    return client.websocket_connect(
        f"{API}/vr/sessions/{session}/ws", subprotocols=["mindway.v1", f"bearer.{token}"]
    )


def _sender(ws: WebSocketTestSession) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def send(message: dict[str, Any]) -> dict[str, Any]:
        ws.send_json(message)
        reply: dict[str, Any] = ws.receive_json()
        return reply

    return send


def test_a_live_session_over_websocket_reaches_exposure_and_back(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    headers = sign_in(client, "patient.a")
    session = _session(client, clinic, headers)
    watch = AuditWatch(rt)
    with _socket(client, session["id"], _token(headers)) as ws:
        assert ws.accepted_subprotocol == "mindway.v1"
        send = _sender(ws)
        start = {"event": "session_start", "patient": str(clinic.patient_a_id), "session": 1}
        assert send(start) == {"ok": True}
        sim = patient(11)
        replies = drive(send, sim, 150)
        # An extreme rating (SUDS 98) is a safety stop: a coping break at intensity 0 ...
        alarm = send({"t": 150.0, "hr": 80.0, "eda": None, "suds": 98})
        assert (alarm["intensity"], alarm["state"]) == (0.0, "coping")
        assert "safety stop" in alarm["reason"]
        after = drive(send, sim, 249, t0=151)
        assert send({"event": "session_end"}) == {"ok": True}
        assert send({"t": 401.0, "hr": 70, "eda": None, "suds": None})["state"] == "ended"
    states = [r["state"] for r in replies]
    assert set(states[:60]) == {"baseline"} and "exposure" in states[60:]
    assert max(r["intensity"] for r in replies) > 0.1
    # ... and back to exposure, one step lower, once the break is over.
    back = next(r for r in after if r["state"] == "exposure")
    assert back["intensity"] > 0 and "coping break over" in back["reason"]
    assert all(isinstance(r["reason"], str) and r["reason"] for r in replies + after)
    actions = [e.action for e in watch.new()]
    assert actions[0] == "vr.session.connect" and actions[-1] == "vr.session.end"
    assert "vr.session.log" in actions  # the log is sealed as the session runs
    base = f"{API}/patients/{clinic.patient_a_id}/vr"
    report = client.get(f"{base}/sessions/{session['id']}", headers=headers).json()
    assert len(report["series"]["t"]) == 400 and report["session"]["state"] == "ended"
    progress = client.get(f"{base}/progress", headers=headers).json()
    assert progress["items"][0]["sessions"] == 1


def test_the_therapist_watches_and_overrides_win(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    patient_headers = sign_in(client, "patient.a")
    therapist = _token(sign_in(client, "clinician.a"))
    session = _session(client, clinic, patient_headers)
    sim = patient(5)
    with (
        _socket(client, session["id"], _token(patient_headers)) as ws,
        _socket(client, session["id"], therapist) as live,
    ):
        send = _sender(ws)
        live.send_json({"event": "session_start"})  # answered once it is watching
        assert live.receive_json() == {"ok": True}
        drive(send, sim, 65)
        updates = [live.receive_json() for _ in range(65)]
        assert [u["event"] for u in updates] == ["update"] * 65
        assert updates[-1]["t"] == 64.0 and "intensity" in updates[-1]
        refused = send({"event": "override", "action": "pause"})
        assert refused["ok"] is False and "therapist" in refused["error"]
        live.send_json({"event": "override", "action": "hold"})
        assert _until_reply(live)[-1] == {"event": "override", "t": 64.0, "override": "hold"}
        held = drive(send, sim, 20, t0=65)
        assert all("held by the therapist" in r["reason"] for r in held[1:])
        assert {r["intensity"] for r in held} == {held[0]["intensity"]}
        live.send_json({"event": "override", "action": "pause"})
        seen = _until_reply(live)
        assert sum(m.get("event") == "update" for m in seen) == 20
        assert drive(send, sim, 1, t0=85)[0]["state"] == "paused"
        live.send_json({"event": "override", "action": "dance"})
        assert _until_reply(live, ok=False)


def _until_reply(live: WebSocketTestSession, ok: bool = True) -> list[dict[str, Any]]:
    """Messages pushed to the therapist up to the reply to their own message."""
    seen: list[dict[str, Any]] = []
    while True:
        message = live.receive_json()
        if "ok" in message:
            assert message["ok"] is ok, message
            return seen
        seen.append(message)


BAD_FRAMES = (
    "",
    "not json",
    "[1, 2]",
    '{"event": "reboot"}',
    '{"t": -1}',
    '{"t": "NaN"}',
    "{" * 5000,
)


def test_bad_messages_are_answered_not_crashed(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    headers = sign_in(client, "patient.a")
    session = _session(client, clinic, headers)
    with _socket(client, session["id"], _token(headers)) as ws:
        for frame in BAD_FRAMES:
            ws.send_text(frame)
            assert ws.receive_json()["ok"] is False, frame
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["ok"] is False
        ws.send_json({"event": "session_start", "patient": "someone-else", "session": 1})
        assert ws.receive_json()["ok"] is False
        ws.send_json({"event": "override", "action": "end"})  # a patient cannot override
        assert ws.receive_json()["ok"] is False
        ws.send_json({"t": 0, "hr": "fast", "eda": -3, "suds": 400, "extra": True})
        assert ws.receive_json()["state"] == "baseline"  # odd values count as missing


def test_without_authentication_or_in_scope_the_socket_closes(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    session = _session(client, clinic, sign_in(client, "patient.a"))
    url = f"{API}/vr/sessions/{session['id']}/ws"
    for connect in (
        lambda: client.websocket_connect(url),
        lambda: client.websocket_connect(url + "?token=forged"),
        lambda: _socket(client, session["id"], _token(sign_in(client, "patient.b"))),
        lambda: _socket(client, session["id"], _token(sign_in(client, "clinician.b"))),
        lambda: _socket(client, str(uuid.uuid4()), _token(sign_in(client, "clinician.a"))),
        lambda: _socket(client, "nonsense", _token(sign_in(client, "clinician.a"))),
    ):
        with connect() as ws, pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008
        assert closed.value.reason in {"sign in first", "not found"}


def test_the_web_cookie_authenticates_same_origin_only(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    headers = sign_in(client, "patient.a")
    session = _session(client, clinic, headers)
    url = f"{API}/vr/sessions/{session['id']}/ws"
    client.cookies.set("mindway_session", _token(headers))
    try:
        with client.websocket_connect(url, headers={"origin": "http://testserver"}) as ws:
            ws.send_json({"t": 0.0})
            assert ws.receive_json()["state"] == "baseline"
        with client.websocket_connect(url, headers={"origin": "https://evil.example"}) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1008
    finally:
        client.cookies.clear()


def test_rest_hierarchy_validation_and_override_rules(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    patient_headers = sign_in(client, "patient.a")
    base = f"{API}/patients/{clinic.patient_a_id}/vr"
    bad = client.post(f"{base}/hierarchy", json=ITEM | {"suds": 140}, headers=patient_headers)
    assert "suds" in assert_problem(bad, 422)["detail"]
    session = _session(client, clinic, patient_headers)
    path = f"{base}/sessions/{session['id']}"
    assert (
        client.post(f"{path}/messages", json={"t": 0}, headers=patient_headers).json()["state"]
        == "baseline"
    )
    assert client.post(f"{path}/messages", json=[1], headers=patient_headers).json()["ok"] is False
    denied = client.post(f"{path}/override", json={"action": "end"}, headers=patient_headers)
    assert_problem(denied, 403)
    therapist = sign_in(client, "clinician.a")
    done = client.post(f"{path}/override", json={"action": "end"}, headers=therapist)
    assert done.json() == {"ok": True}
    reply = client.post(f"{path}/messages", json={"t": 1}, headers=patient_headers).json()
    assert reply["state"] == "ended" and reply["reason"] == "ended by the therapist"
