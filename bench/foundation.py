"""Foundation figures: password hashing, field encryption, audited reads over HTTP, audit verify.

Measured in-process (FastAPI TestClient) so the numbers show Mindway's own cost per request;
load over real sockets with several workers belongs to the load benchmark.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from mindway.api.app import create_app
from mindway.config import Settings
from mindway.security import crypto, passwords
from mindway.security.audit import AuditRecord
from mindway.services import audit_log
from mindway.services.runtime import Runtime

PG_ADMIN_URL = os.environ.get(
    "MINDWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def bench_passwords() -> dict[str, Any]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    stored = passwords.hash_password(settings, "correct horse battery staple")
    verify = _summary(
        _timed(
            lambda: passwords.verify_password(settings, stored, "correct horse battery staple"), 20
        )
    )
    return {
        "argon2id_params": "m=19456,t=2,p=1",
        "verify": verify,
        "verifies_per_second_one_core": round(1000 / verify["p50_ms"], 1),
    }


def bench_crypto() -> dict[str, Any]:
    key = crypto.new_key()
    sealed = crypto.seal(key, "k", b"x" * 500, b"table/column/row")
    seal = _summary(_timed(lambda: crypto.seal(key, "k", b"x" * 500, b"t/c/r"), 2000))
    opened = _summary(_timed(lambda: crypto.open_sealed(key, sealed, b"table/column/row"), 2000))
    return {"seal_500_bytes": seal, "open_500_bytes": opened}


def _clinic(rt: Runtime) -> tuple[str, uuid.UUID]:
    from mindway.services import demo

    demo.seed(rt, patients=24, seed=7)
    username, password = demo.DEMO_LOGINS["clinician"]
    with TestClient(create_app(runtime=rt)) as client:
        token = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        ).json()["token"]
        caseload = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
        return token, uuid.UUID(caseload.json()[0]["id"])


def bench_api(settings: Settings) -> dict[str, Any]:
    rt = Runtime.open(settings)
    try:
        token, patient_id = _clinic(rt)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(runtime=rt)) as client:

            def read() -> None:
                assert (
                    client.get(f"/api/v1/patients/{patient_id}", headers=headers).status_code == 200
                )

            def notes() -> None:
                assert (
                    client.get(f"/api/v1/patients/{patient_id}/notes", headers=headers).status_code
                    == 200
                )

            def health() -> None:
                assert client.get("/health").status_code == 200

            figures = {
                "health": _summary(_timed(health, 300)),
                "patient_read_audited": _summary(_timed(read, 300)),
                "notes_list_audited": _summary(_timed(notes, 100)),
            }
        start = time.perf_counter()
        with rt.transaction() as db:
            for i in range(5000):
                rt.audit(db, AuditRecord(action="bench.event", outcome="success", actor_id=str(i)))
        figures["audit_append_per_event_ms"] = round((time.perf_counter() - start) * 1000 / 5000, 4)
        start = time.perf_counter()
        result = audit_log.verify(rt)
        seconds = time.perf_counter() - start
        figures["audit_verify_rows_per_second"] = round(result.rows_checked / seconds)
        figures["audit_rows"] = result.rows_checked
        return figures
    finally:
        rt.close()


def _postgres_url() -> str | None:
    name = f"mindway_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"passwords": bench_passwords(), "crypto": bench_crypto()}
    figures["api_sqlite"] = bench_api(Settings(data_dir=Path(tempfile.mkdtemp())))
    pg = _postgres_url()
    if pg is not None:
        figures["api_postgresql"] = bench_api(
            Settings(data_dir=Path(tempfile.mkdtemp()), database_url=pg)
        )
    return figures
