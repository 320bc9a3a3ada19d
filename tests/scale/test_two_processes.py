"""Two ``mindway serve`` processes on one PostgreSQL database and one Redis (issue #8, item 6).

What a reverse proxy spreading requests over several processes relies on: a session made on
one process works on the other and a logout on either ends it everywhere; a rate limit is
counted across both; a live VR record produced where the patient's scene is connected reaches
a clinician watching from the other process. The servers are the installed ``mindway``
command, started as an operator starts them.
"""

from __future__ import annotations

import json
import os
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


def test_a_live_vr_record_reaches_a_watcher_on_the_other_process(
    cluster: tuple[str, str, Clinic],
) -> None:
    one, two, clinic = cluster
    patient, therapist = _sign_in(one, "patient.a"), _sign_in(two, "clinician.a")
    base = f"{one}{API}/patients/{clinic.patient_a_id}/vr"
    added = httpx.post(
        f"{base}/hierarchy", json=ITEM, headers=_bearer(patient), timeout=HTTP_TIMEOUT_S
    )
    assert added.status_code == 201, added.text
    item = added.json()["item"]["id"]
    started = httpx.post(f"{base}/hierarchy/{item}/sessions", headers=_bearer(patient))
    assert started.status_code == 201, started.text
    session = started.json()["id"]
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
