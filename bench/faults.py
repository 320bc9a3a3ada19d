"""Fault figures: PostgreSQL restarted while a running ``mindway serve`` takes writes.

Restarts the machine's PostgreSQL cluster (``pg_ctlcluster --skip-systemctl-redirect VERSION
main restart``), so it lives here and never in the test suite, where other tests share that
server. A few threads sign in as the demo clinician and write clinical notes through the HTTP
API before, during and after the restart. Reported: requests acknowledged (2xx), how many of
those are found afterwards (must be all: an acknowledged commit is durable), the errors the
clients saw while the database was away, and how long until writes succeeded again. The
engine's ``pool_pre_ping`` is what lets the app drop the dead connections and recover.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from tests.servers import free_port

from mindway.config import Settings
from mindway.services import audit_log
from mindway.services.demo import DEMO_LOGINS
from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent, ClinicalNote

PG_ADMIN_URL = os.environ.get(
    "MINDWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
API = "/api/v1"
WRITERS = 3
STEADY_BEFORE_S = 3.0  # writes before the restart
STEADY_AFTER_S = 3.0  # writes after the first success following the restart
GIVE_UP_S = 60.0
FAST_HASHING = {"MINDWAY_ARGON2_TIME_COST": "1", "MINDWAY_ARGON2_MEMORY_KIB": "1024"}


@dataclass
class Ledger:
    acknowledged: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> patient, body
    outcomes: list[tuple[float, str]] = field(default_factory=list)  # (time, "201" / error)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def _cluster_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return versions[-1]


def _restart_postgres() -> float:
    start = time.monotonic()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster_version(), "main", "restart"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603
    return time.monotonic() - start


def _writer(url: str, token: str, patients: list[str], n: int, log: Ledger) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url + API, headers=headers, timeout=15) as client:
        i = 0
        while not log.stop.is_set():
            patient = patients[(n + i) % len(patients)]
            body = f"restart-bench note {n}-{i} {uuid.uuid4().hex}"
            i += 1
            try:
                reply = client.post(f"/patients/{patient}/notes", json={"body": body})
                outcome = str(reply.status_code)
            except httpx.TransportError as exc:
                reply, outcome = None, type(exc).__name__
            with log.lock:
                log.outcomes.append((time.monotonic(), outcome))
                if reply is not None and reply.is_success:
                    log.acknowledged[reply.json()["id"]] = (patient, body)
            if reply is None or not reply.is_success:
                time.sleep(0.05)  # a client backing off a little while the database is away


def _wait_for_health(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mindway serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("mindway serve did not answer /health")


def _sign_in(url: str) -> tuple[str, list[str]]:
    username, password = DEMO_LOGINS["clinician"]
    login = httpx.post(
        f"{url}{API}/auth/login", json={"username": username, "password": password}, timeout=15
    )
    login.raise_for_status()
    token = str(login.json()["token"])
    caseload = httpx.get(
        f"{url}{API}/patients", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    return token, [p["id"] for p in caseload.json()]


def _drive(url: str, token: str, patients: list[str]) -> tuple[Ledger, dict[str, float]]:
    log = Ledger()
    threads = [
        threading.Thread(target=_writer, args=(url, token, patients, n, log))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(STEADY_BEFORE_S)
    restart_at = time.monotonic()
    restart_s = _restart_postgres()
    deadline = time.monotonic() + GIVE_UP_S
    recovered_at: float | None = None
    while recovered_at is None and time.monotonic() < deadline:
        with log.lock:
            recovered_at = next(
                (t for t, o in log.outcomes if t > restart_at + restart_s and o.startswith("2")),
                None,
            )
        time.sleep(0.05)
    time.sleep(STEADY_AFTER_S)
    log.stop.set()
    for thread in threads:
        thread.join(timeout=30)
    timing = {"restart_at": restart_at, "restart_s": restart_s}
    timing["recovered_at"] = recovered_at if recovered_at is not None else float("nan")
    return log, timing


def _found(url: str, token: str, log: Ledger) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    stored: dict[str, str] = {}
    for patient in {p for p, _ in log.acknowledged.values()}:
        listed = httpx.get(f"{url}{API}/patients/{patient}/notes", headers=headers, timeout=30)
        listed.raise_for_status()
        stored |= {n["id"]: n["body"] for n in listed.json()}
    return sum(stored.get(i) == body for i, (_, body) in log.acknowledged.items())


def _counts(settings: Settings) -> tuple[int, int, bool]:
    """Stored notes, successful ``note.create`` audit events, and whether the chain verifies."""
    rt = Runtime.open(settings)
    try:
        with rt.transaction() as db:
            notes = db.scalar(select(func.count()).select_from(ClinicalNote)) or 0
            audited = db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "note.create", AuditEvent.outcome == "success")
            )
        chain = audit_log.verify(rt)
    finally:
        rt.close()
    return notes, audited or 0, chain.ok


def _summary(log: Ledger, timing: dict[str, float]) -> dict[str, Any]:
    window_start = timing["restart_at"]
    window_end = timing["recovered_at"]
    during = [o for t, o in log.outcomes if window_start <= t <= window_end]
    errors = Counter(o for o in during if not o.startswith("2"))
    other_errors = Counter(
        o for t, o in log.outcomes if not o.startswith("2") and not window_start <= t <= window_end
    )
    return {
        "requests_sent": len(log.outcomes),
        "requests_acknowledged": len(log.acknowledged),
        "pg_restart_command_s": round(timing["restart_s"], 3),
        "recovery_s": round(window_end - window_start, 3),
        "errors_during_restart_window": sum(errors.values()),
        "error_kinds_during_restart": dict(errors),
        "errors_outside_restart_window": sum(other_errors.values()),
    }


def _database(name: str) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def run() -> dict[str, Any]:
    name = f"mindway_faults_{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix="mindway-faults-"))
    url = _database(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
    env |= FAST_HASHING | {"MINDWAY_DATA_DIR": str(data_dir), "MINDWAY_DATABASE_URL": url}
    mindway = [sys.executable, "-m", "mindway"]
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(  # noqa: S603
            [*mindway, "demo", "--patients", "3", "--seed", "1"],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        settings = Settings(data_dir=data_dir, database_url=url)
        notes_before, audited_before, _ = _counts(settings)
        port = free_port()
        log_path = data_dir / "server.log"
        with log_path.open("wb") as sink:
            server = subprocess.Popen(  # noqa: S603
                [*mindway, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
            )
        base = f"http://127.0.0.1:{port}"
        _wait_for_health(base, server)
        token, patients = _sign_in(base)
        log, timing = _drive(base, token, patients)
        figures = _summary(log, timing)
        figures["acknowledged_writes_found"] = _found(base, token, log)
        figures["server_log_tracebacks"] = log_path.read_text(errors="replace").count("Traceback")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        notes, audited, chain_ok = _counts(settings)
        # Each note and its audit event commit together: equal deltas mean no half-writes.
        figures["notes_stored"] = notes - notes_before
        figures["note_audit_events"] = audited - audited_before
        figures["audit_chain_ok"] = chain_ok
        figures["writers"] = WRITERS
        figures["all_acknowledged_found"] = (
            figures["acknowledged_writes_found"] == figures["requests_acknowledged"]
        )
        return figures
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        _drop(name)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
