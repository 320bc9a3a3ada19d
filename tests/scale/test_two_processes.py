"""Two ``mindway serve`` processes on one PostgreSQL database and one Redis (issue #8, item 6).

What a reverse proxy spreading requests over several processes relies on: a session made on
one process works on the other and a logout on either ends it everywhere; a rate limit is
counted across both; a live VR record produced where the patient's scene is connected reaches
a clinician watching from the other process, and the clinician's override (or end of the
session) sent to that other process reaches the patient's scene (so a plain round-robin proxy
will do). The servers are the installed ``mindway`` command, started as an operator starts
them.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from mindway.services.runtime import Runtime
from tests.clinic import PASSWORD, Clinic, build_clinic
from tests.conftest import PG_ADMIN_URL, fast_settings
from tests.databases import new_database, open_empty
from tests.scale.redis_db import flushed_redis
from tests.servers import started, wait_for_health
from tests.services.vr_drive import ITEM

START_TIMEOUT_S = 120  # two servers start together on a shared machine
RECEIVE_TIMEOUT_S = 20
ACCOUNT_LIMIT = 6
API = "/api/v1"
HTTP_TIMEOUT_S = 90  # the first risk screening loads its models


@pytest.fixture(scope="module")
def redis_db() -> Iterator[str]:
    with flushed_redis() as url:
        yield url


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_db: str
) -> Iterator[tuple[str, str, Clinic]]:
    """A fresh PostgreSQL database with the test clinic, and two servers on it."""
    data_dir = tmp_path_factory.mktemp("two-processes")
    name = f"mindway_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        try:
            url = stack.enter_context(new_database(PG_ADMIN_URL, name))
        except Exception as exc:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"PostgreSQL is unreachable under CI: {exc}")
            pytest.skip(f"PostgreSQL unreachable: {exc}")
        rt: Runtime = open_empty(fast_settings(data_dir, url))  # also writes the shared keys
        try:
            clinic = build_clinic(rt)
        finally:
            rt.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
        env |= {
            "MINDWAY_DATA_DIR": str(data_dir),
            "MINDWAY_DATABASE_URL": url,
            "MINDWAY_REDIS_URL": redis_db,
            "MINDWAY_RATE_LIMIT_PER_ACCOUNT": str(ACCOUNT_LIMIT),
            "MINDWAY_RATE_LIMIT_PERIOD_SECONDS": "3600",  # no refill while the test runs
        }
        logs = [data_dir / "one.log", data_dir / "two.log"]
        one, two = (stack.enter_context(started(env, log)) for log in logs)
        for (base, server), log in zip((one, two), logs, strict=True):
            wait_for_health(base, server, log, START_TIMEOUT_S)
        yield one[0], two[0], clinic


def _sign_in(base: str, username: str) -> str:
    answer = httpx.post(
        f"{base}{API}/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_session_made_on_one_process_works_and_ends_on_the_other(
    cluster: tuple[str, str, Clinic],
) -> None:
    one, two, clinic = cluster
    token = _sign_in(one, "patient.a")
    record = f"{API}/patients/{clinic.patient_a_id}"
    assert httpx.get(f"{two}{record}", headers=_bearer(token)).status_code == 200
    assert httpx.post(f"{two}{API}/auth/logout", headers=_bearer(token)).status_code == 204
    refused = httpx.get(f"{one}{record}", headers=_bearer(token))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_rate_limit_is_counted_across_both_processes(cluster: tuple[str, str, Clinic]) -> None:
    one, two, _clinic = cluster
    token = _sign_in(two, "admin")
    statuses = [
        httpx.get(f"{(one, two)[i % 2]}{API}/accounts", headers=_bearer(token)).status_code
        for i in range(ACCOUNT_LIMIT + 1)
    ]
    assert statuses == [200] * ACCOUNT_LIMIT + [429]
    last = httpx.get(f"{one}{API}/accounts", headers=_bearer(token))
    assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1
    assert last.json()["status"] == 429


def _socket(base: str, session: str, token: str) -> ClientConnection:
    url = base.replace("http://", "ws://") + f"{API}/vr/sessions/{session}/ws"
    return connect(url, subprotocols=["mindway.v1", f"bearer.{token}"], open_timeout=20)  # type: ignore[list-item]


def _exchange(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(message))
    reply: dict[str, Any] = json.loads(ws.recv(timeout=RECEIVE_TIMEOUT_S))
    return reply


def _new_session(base: str, clinic: Clinic, patient: str, label: str) -> str:
    """A new exposure session of patient A (on a hierarchy item of its own)."""
    vr = f"{base}{API}/patients/{clinic.patient_a_id}/vr"
    added = httpx.post(
        f"{vr}/hierarchy",
        json=ITEM | {"label": label},
        headers=_bearer(patient),
        timeout=HTTP_TIMEOUT_S,
    )
    assert added.status_code == 201, added.text
    item = added.json()["item"]["id"]
    started = httpx.post(f"{vr}/hierarchy/{item}/sessions", headers=_bearer(patient))
    assert started.status_code == 201, started.text
    session: str = started.json()["id"]
    return session


def test_a_live_vr_record_reaches_a_watcher_on_the_other_process(
    cluster: tuple[str, str, Clinic],
) -> None:
    one, two, clinic = cluster
    patient, therapist = _sign_in(one, "patient.a"), _sign_in(two, "clinician.a")
    session = _new_session(one, clinic, patient, "Standing on a balcony on the fourth floor")
    with _socket(two, session, therapist) as watcher, _socket(one, session, patient) as scene:
        assert _exchange(watcher, {"event": "session_start"}) == {"ok": True}  # now watching
        sample = {"t": 0.0, "hr": 72.0, "eda": 2.5, "suds": 30}
        reply = _exchange(scene, sample)
        assert reply["state"] == "baseline"
        update = json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S))
        assert update["event"] == "update" and update["t"] == 0.0
        assert (update["hr"], update["suds"], update["state"]) == (72.0, 30, reply["state"])
        assert _exchange(scene, {"event": "session_end"}) == {"ok": True}
        ended = json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S))
        assert ended["event"] == "session_end"


def test_an_override_sent_to_the_other_process_reaches_the_patients_scene(
    cluster: tuple[str, str, Clinic],
) -> None:
    """The scene answers on process one (which owns the session); the therapist's pause and
    end go to process two, which forwards them: the owner applies each once, seals the log and
    everyone hears of it."""
    one, two, clinic = cluster
    patient, therapist = _sign_in(one, "patient.a"), _sign_in(two, "clinician.a")
    session = _new_session(one, clinic, patient, "Standing on a high footbridge")
    with _socket(one, session, patient) as scene, _socket(two, session, therapist) as watcher:
        assert _exchange(watcher, {"event": "session_start"}) == {"ok": True}  # now watching
        assert _exchange(scene, {"t": 0.0, "hr": 72.0, "eda": 2.5, "suds": 30})["state"] == (
            "baseline"
        )
        # process one claimed the session before publishing this update
        assert json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S))["event"] == "update"
        watcher.send(json.dumps({"event": "override", "action": "pause"}))
        heard = [json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S)) for _ in range(2)]
        assert {"ok": True, "forwarded": True} in heard  # the reply, and the owner's notice:
        notice = next(m for m in heard if m.get("event") == "override")
        assert (notice["override"], notice["t"]) == ("pause", 0.0)
        reply = _exchange(scene, {"t": 1.0, "hr": 74.0, "eda": 2.6, "suds": 35})
        assert reply["state"] == "paused"
        update = json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S))
        assert (update["event"], update["state"]) == ("update", "paused")
        watcher.send(json.dumps({"event": "session_end"}))  # the therapist ends it, from two
        heard = [json.loads(watcher.recv(timeout=RECEIVE_TIMEOUT_S)) for _ in range(2)]
        assert {"ok": True} in heard
        assert any(m.get("event") == "session_end" for m in heard)
        assert _exchange(scene, {"t": 2.0, "hr": 74.0, "eda": 2.6, "suds": 35})["state"] == (
            "ended"
        )
    report = _ended_report(two, clinic, session, therapist)
    overrides = [e["action"] for e in report["events"] if e["kind"] == "override"]
    assert overrides == ["pause"]  # sealed once, by the owner
    assert report["series"]["t"] == [0.0, 1.0]  # the owner sealed its seconds at the end
    assert report["series"]["state"] == ["baseline", "paused"]


def _ended_report(base: str, clinic: Clinic, session: str, token: str) -> dict[str, Any]:
    """The session's report once the owner has committed its end (it notifies first)."""
    deadline = time.monotonic() + RECEIVE_TIMEOUT_S
    while True:
        answer = httpx.get(
            f"{base}{API}/patients/{clinic.patient_a_id}/vr/sessions/{session}",
            headers=_bearer(token),
        )
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        if report["session"]["state"] == "ended":
            return report
        assert time.monotonic() < deadline, "the session was never ended"
        time.sleep(0.1)
