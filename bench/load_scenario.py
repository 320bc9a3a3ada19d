"""Locust users for ``bench/load.py``: patients check in, chat and read their progress while
clinicians read caseloads, records and alerts and write notes.

Run only by ``bench/load.py`` (``locust -f bench/load_scenario.py --headless``) in a process of
its own: importing locust monkey-patches the standard library with gevent, so nothing the app
or the tests import may import this module. It imports nothing from Mindway.

Inputs come from environment variables set by ``bench/load.py``: ``LOAD_BENCH_ACCOUNTS`` (a
JSON file of usernames and the shared password) and ``LOAD_BENCH_OUT`` (a folder). On exit it
writes ``samples.jsonl`` (one line per request: start time, name, milliseconds, ok, status)
and ``acks.jsonl`` (one line per acknowledged write: kind, row, the unique text it carried,
the order it was acknowledged in).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

API = "/api/v1"
# Reuse a connection only after less idle time than this. uvicorn closes idle ones at 5 s,
# and a starved client reads a response seconds after the server sent it: its idle clock
# runs late, so after any think time (1-2 s) the next task opens a fresh connection.
KEEP_ALIVE_S = 0.5
ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["LOAD_BENCH_ACCOUNTS"]).read_text())
OUT = Path(os.environ["LOAD_BENCH_OUT"])

# Each patient user takes the next patient: distinct people while users <= patients.
_patients = itertools.cycle(ACCOUNTS["patients"])
_clinicians = itertools.cycle(ACCOUNTS["clinicians"])
_acknowledged = itertools.count()
_addresses = itertools.count()
SAMPLES: list[list[Any]] = []
ACKS: list[dict[str, Any]] = []

CHAT_LINES = (
    "Work was busy today and I felt a bit tense in the afternoon.",
    "I went for a walk after dinner and it helped me settle.",
    "I keep putting off replying to emails, can we talk about that?",
    "Slept better last night than I have in a while.",
    "I had a good chat with my sister today.",
)


def _sample(
    name: str,
    response_time: float,
    response: Any,
    exception: BaseException | None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", None)
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    SAMPLES.append([start_time, name, round(response_time, 3), exception is None, status, error])


def _write(**_: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "samples.jsonl").open("w") as sink:
        sink.writelines(json.dumps(sample) + "\n" for sample in SAMPLES)
    with (OUT / "acks.jsonl").open("w") as sink:
        sink.writelines(json.dumps(ack) + "\n" for ack in ACKS)


events.request.add_listener(_sample)  # type: ignore[no-untyped-call]  # locust is untyped
events.quitting.add_listener(_write)  # type: ignore[no-untyped-call]


def _acknowledge(kind: str, row: str, content: str) -> None:
    ACKS.append({"kind": kind, "row": row, "content": content, "seq": next(_acknowledged)})


class _SignedIn(HttpUser):
    abstract = True
    wait_time = between(1.0, 2.0)

    _idle_since = 0.0

    def _call(self, method: str, url: str, name: str, **kwargs: Any) -> Any:
        """One request; first drop pooled connections that may be near uvicorn's keep-alive
        timeout: a request sent just as the server closes one meets a reset, as with any client
        or proxy that keeps connections longer than the server does."""
        if self._idle_since and time.monotonic() - self._idle_since > KEEP_ALIVE_S:
            self.client.close()
        try:
            return self.client.request(method, url, name=name, **kwargs)
        finally:
            self._idle_since = time.monotonic()

    def _sign_in(self, username: str) -> None:
        # Each user is a device of its own, as if behind the reverse proxy (the app trusts
        # 127.0.0.1's X-Forwarded-For here): per-address rate limits count it apart.
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.0.{n // 250}.{n % 250 + 1}"
        reply = self._call(
            "POST",
            f"{API}/auth/login",
            json={"username": username, "password": ACCOUNTS["password"]},
            name="sign-in: POST /auth/login",
        )
        reply.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {reply.json()['token']}"


class Patient(_SignedIn):
    """A patient on their phone: checks in, talks with the companion, looks at progress."""

    weight = 7

    def on_start(self) -> None:
        self._sign_in(next(_patients))
        me = self._call("GET", f"{API}/me", name="patient read: GET /me")
        me.raise_for_status()
        self.patient = str(me.json()["patient_id"])
        self.base = f"{API}/patients/{self.patient}"

    @task(3)
    def check_in(self) -> None:
        note = f"Walked to the shops and cooked dinner. ref {uuid.uuid4().hex}"
        body = {
            "mood": random.randint(3, 8),  # noqa: S311 - test data, not security
            "anxiety": random.randint(1, 6),  # noqa: S311
            "energy": random.randint(3, 8),  # noqa: S311
            "sleep_hours": random.choice([6, 6.5, 7, 7.5, 8]),  # noqa: S311
            "note": note,
        }
        reply = self._call(
            "POST", f"{self.base}/checkins", json=body, name="patient write: POST /checkins"
        )
        if reply.status_code in (200, 201):  # .ok raises on a failed request
            _acknowledge("checkin", str(reply.json()["checkin"]["id"]), note)

    @task(4)
    def chat(self) -> None:
        text = f"{random.choice(CHAT_LINES)} ({uuid.uuid4().hex[:12]})"  # noqa: S311
        reply = self._call(
            "POST",
            f"{API}/patients/{self.patient}/chat/messages",
            json={"text": text},
            name="patient write: POST /chat/messages",
        )
        if reply.status_code in (200, 201):  # .ok raises on a failed request
            _acknowledge("chat", self.patient, text)

    @task(2)
    def progress(self) -> None:
        self._call("GET", f"{self.base}/progress", name="patient read: GET /progress")

    @task(1)
    def checkin_summary(self) -> None:
        self._call(
            "GET", f"{self.base}/checkins/summary", name="patient read: GET /checkins/summary"
        )

    @task(1)
    def conversation(self) -> None:
        self._call(
            "GET", f"{self.base}/chat/messages?limit=20", name="patient read: GET /chat/messages"
        )


class Clinician(_SignedIn):
    """A clinician at their desk: caseload, a patient's record and progress, the alert inbox,
    flagged conversations, and now and then a session note."""

    weight = 3

    def on_start(self) -> None:
        self._sign_in(next(_clinicians))
        self.caseload: list[str] = []
        self.read_caseload()

    def _patient(self) -> str | None:
        return random.choice(self.caseload) if self.caseload else None  # noqa: S311

    @task(3)
    def read_caseload(self) -> None:
        reply = self._call("GET", f"{API}/patients", name="clinician read: GET /patients")
        if reply.status_code in (200, 201):  # .ok raises on a failed request
            self.caseload = [str(p["id"]) for p in reply.json()]

    @task(3)
    def read_record(self) -> None:
        if patient := self._patient():
            self._call(
                "GET", f"{API}/patients/{patient}", name="clinician read: GET /patients/{id}"
            )

    @task(2)
    def read_progress(self) -> None:
        if patient := self._patient():
            self._call(
                "GET",
                f"{API}/patients/{patient}/progress",
                name="clinician read: GET /patients/{id}/progress",
            )

    @task(2)
    def alert_inbox(self) -> None:
        self._call("GET", f"{API}/clinical-alerts", name="clinician read: GET /clinical-alerts")

    @task(1)
    def flagged(self) -> None:
        self._call("GET", f"{API}/chat/flagged", name="clinician read: GET /chat/flagged")

    @task(1)
    def write_note(self) -> None:
        if patient := self._patient():
            body = f"Telephone review: engaging with the programme. ref {uuid.uuid4().hex}"
            reply = self._call(
                "POST",
                f"{API}/patients/{patient}/notes",
                json={"kind": "phone", "body": body},
                name="clinician write: POST /patients/{id}/notes",
            )
            if reply.status_code in (200, 201):  # .ok raises on a failed request
                _acknowledge("note", str(reply.json()["id"]), body)
