"""Load figures: many patients checking in and chatting while clinicians read caseloads, against
``mindway serve --workers N`` on a fresh PostgreSQL database (and Redis, when configured).

A demo clinic of :data:`PATIENTS` patients gets a known password for every patient (set in the
database, as no API resets one) and :data:`CLINICIANS` clinicians made through the admin API.
Locust (``bench/load_scenario.py``, in its own process: gevent monkey-patches) ramps up to
:data:`USERS` users, 70% patients and 30% clinicians, each with its own X-Forwarded-For as if
behind the reverse proxy (so the default rate limits apply per device), for :data:`DURATION_S`
seconds. Reported: requests/s and p50/p95/p99 latency over the steady window (from
:data:`STEADY_AFTER_S` on), overall, per endpoint class and per endpoint, and over the whole
run; errors (must be 0); every acknowledged write looked up in the database afterwards (all
must be there); the audit chain verified; the most database connections seen at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import create_engine, select, text, update
from tests.servers import free_port

from bench.faults import PG_ADMIN_URL, _database, _drop, _wait_for_health
from mindway.config import Settings
from mindway.security import passwords
from mindway.security.policy import Role
from mindway.security.vault import Vault
from mindway.services import audit_log
from mindway.services.demo import DEMO_LOGINS
from mindway.services.runtime import Runtime
from mindway.store.models import Account, ChatMessage, ClinicalNote, MoodCheckin

API = "/api/v1"
SCENARIO = Path(__file__).with_name("load_scenario.py")
LOGS = Path(__file__).with_name("results") / "load-logs"  # the last run's server and locust logs
PATIENTS = 200
CLINICIANS = 10
USERS = 50
SPAWN_RATE = 5.0  # users started per second: the ramp lasts USERS / SPAWN_RATE seconds
DURATION_S = 100
# The steady window starts this long into the run: after the ramp, and after each worker has
# loaded the risk screener's models (about 13 s on a busy two-core machine; the first
# messages wait for it). The whole run is reported too.
STEADY_AFTER_S = 30.0
WORKERS = min(4, (os.cpu_count() or 1) * 2)
REDIS_DB = 12  # used only if the app has a Redis setting, and only if that database is empty
PERCENTILES = (50, 95, 99)
STARTUP_GIVE_UP_S = 300.0  # four workers loading on a busy two-core machine are slow


# --- acknowledged writes against the database (pure) ---------------------------------------


@dataclass(frozen=True)
class Ack:
    """A write the API acknowledged (2xx). ``row`` is the id it returned (for chat, whose reply
    names no message id, the patient's id); ``content`` is the unique text the client sent;
    ``seq`` the order acknowledgements arrived in."""

    kind: str  # "checkin" | "chat" | "note"
    row: str
    content: str
    seq: int


def expected_writes(acks: Iterable[Ack]) -> list[Ack]:
    """What must be stored: every note and chat message, and for each check-in row only the
    last acknowledged version (a second check-in on the same day edits that day's row)."""
    latest: dict[str, Ack] = {}
    others: list[Ack] = []
    for ack in sorted(acks, key=lambda a: a.seq):
        if ack.kind == "checkin":
            latest[ack.row] = ack
        else:
            others.append(ack)
    return others + list(latest.values())


def reconcile(acks: Iterable[Ack], stored: Mapping[tuple[str, str], set[str]]) -> dict[str, Any]:
    """Count the expected writes found in ``stored`` ((kind, row) -> the texts stored there)."""
    acks = list(acks)
    expected = expected_writes(acks)
    missing = [a for a in expected if a.content not in stored.get((a.kind, a.row), set())]
    by_kind = Counter(a.kind for a in acks)
    return {
        "acknowledged_writes": len(acks),
        "acknowledged_by_kind": dict(sorted(by_kind.items())),
        "expected_in_database": len(expected),
        "found_in_database": len(expected) - len(missing),
        "missing": len(missing),
        "missing_examples": [f"{a.kind} {a.row}" for a in missing[:5]],
    }


# --- latency and throughput (pure) ---------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request as locust saw it: start (epoch seconds), name "class: METHOD /path"."""

    start: float
    name: str
    ms: float
    ok: bool
    status: int | None = None
    error: str | None = None

    @property
    def endpoint_class(self) -> str:
        return self.name.split(":", 1)[0]


def latency(samples: list[Sample], seconds: float) -> dict[str, Any]:
    """Count, rate over ``seconds`` and latency percentiles of ``samples``."""
    times = np.array([s.ms for s in samples]) if samples else np.zeros(1)
    figures: dict[str, Any] = {
        "requests": len(samples),
        "requests_per_s": round(len(samples) / seconds, 2) if seconds > 0 else 0.0,
    }
    for p in PERCENTILES:
        figures[f"p{p}_ms"] = round(float(np.percentile(times, p)), 1)
    figures["max_ms"] = round(float(times.max()), 1)
    return figures


def summarise(samples: list[Sample], steady_from: float, steady_to: float) -> dict[str, Any]:
    """Throughput and latency over the steady window [steady_from, steady_to) by start time,
    overall, per endpoint class and per endpoint; errors over the whole run."""
    steady = [s for s in samples if steady_from <= s.start < steady_to]
    seconds = steady_to - steady_from
    classes: dict[str, list[Sample]] = defaultdict(list)
    endpoints: dict[str, list[Sample]] = defaultdict(list)
    for sample in steady:
        classes[sample.endpoint_class].append(sample)
        endpoints[sample.name].append(sample)
    errors = [s for s in samples if not s.ok]
    kinds = Counter(f"{s.name} -> {s.status or s.error}" for s in errors)
    return {
        "requests_total": len(samples),
        "steady_window_s": round(seconds, 1),
        "steady": latency(steady, seconds),
        "per_class": {k: latency(v, seconds) for k, v in sorted(classes.items())},
        "per_endpoint": {k: latency(v, seconds) for k, v in sorted(endpoints.items())},
        "errors": len(errors),
        "error_rate": round(len(errors) / len(samples), 6) if samples else 0.0,
        "error_kinds": dict(kinds.most_common(10)),
    }


def read_jsonl(path: Path) -> list[Any]:
    with path.open() as source:
        return [json.loads(line) for line in source if line.strip()]


# --- the clinic ----------------------------------------------------------------------------


def _set_patient_passwords(settings: Settings, password: str) -> list[str]:
    """Give every patient ``password`` (the demo seeds unusable hashes); their usernames."""
    rt = Runtime.open(settings)
    try:
        with rt.transaction() as db:
            hashed = passwords.hash_password(settings, password)
            db.execute(
                update(Account).where(Account.role == Role.PATIENT).values(password_hash=hashed)
            )
            names = db.scalars(
                select(Account.username)
                .where(Account.role == Role.PATIENT)
                .order_by(Account.username)
            )
            return list(names)
    finally:
        rt.close()


def _add_clinicians(base: str, password: str) -> list[str]:
    """Make :data:`CLINICIANS` clinicians through the admin API, spread over the care teams."""
    admin, admin_password = DEMO_LOGINS["admin"]
    with httpx.Client(base_url=base + API, timeout=30) as client:
        login = client.post("/auth/login", json={"username": admin, "password": admin_password})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        teams = client.get("/care-teams")
        teams.raise_for_status()
        team_ids = [t["id"] for t in teams.json()]
        usernames = []
        for i in range(CLINICIANS):
            username = f"clinician-{i:02d}@bench.mindway"
            made = client.post(
                "/accounts",
                json={
                    "username": username,
                    "display_name": f"Bench Clinician {i:02d}",
                    "role": "clinician",
                    "password": password,
                },
            )
            made.raise_for_status()
            member = client.put(
                f"/care-teams/{team_ids[i % len(team_ids)]}/members/{made.json()['id']}"
            )
            member.raise_for_status()
            usernames.append(username)
    return usernames


# --- the database afterwards ---------------------------------------------------------------


def _stored(settings: Settings, acks: list[Ack]) -> dict[tuple[str, str], set[str]]:
    """Open, straight from the database, the texts of the rows the acknowledgements name."""
    ids = defaultdict(set)
    for ack in acks:
        ids[ack.kind].add(uuid.UUID(ack.row))
    stored: dict[tuple[str, str], set[str]] = defaultdict(set)
    rt = Runtime.open(settings)
    try:
        with rt.transaction() as db:
            vault = Vault(db, rt.keyring)
            for note in db.scalars(select(ClinicalNote).where(ClinicalNote.id.in_(ids["note"]))):
                body = vault.open("clinical_note", "body", note.id, note.body_enc)
                stored["note", str(note.id)].add(body)
            checkins = select(MoodCheckin).where(MoodCheckin.id.in_(ids["checkin"]))
            for row in db.scalars(checkins):
                if row.note_enc is not None:
                    note_text = vault.open("mood_checkin", "note", row.id, row.note_enc)
                    stored["checkin", str(row.id)].add(note_text)
            messages = select(ChatMessage).where(
                ChatMessage.patient_id.in_(ids["chat"]), ChatMessage.role == "user"
            )
            for message in db.scalars(messages):
                said = vault.open("chat_message", "text", message.id, message.text_enc)
                stored["chat", str(message.patient_id)].add(said)
    finally:
        rt.close()
    return stored


def _audit_chain_ok(settings: Settings) -> bool:
    rt = Runtime.open(settings)
    try:
        return audit_log.verify(rt).ok
    finally:
        rt.close()


class _ConnectionWatch:
    """The most PostgreSQL connections the database had at once, polled every half second."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
        try:
            with engine.connect() as conn:
                while not self._stop.wait(0.5):
                    count = conn.execute(query, {"name": self.database}).scalar_one()
                    self.peak = max(self.peak, int(count))
        finally:
            engine.dispose()

    def __enter__(self) -> _ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# --- running it ----------------------------------------------------------------------------


def _redis_env(settings_fields: Iterable[str]) -> dict[str, str]:
    """Point the app at an empty Redis database if it has a Redis setting (else nothing)."""
    if "redis_url" not in settings_fields:
        return {}
    import redis

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    if redis.Redis.from_url(url).dbsize() != 0:
        raise RuntimeError(f"Redis database {REDIS_DB} is not empty; the bench will not share it")
    return {"MINDWAY_REDIS_URL": url}


def _clear_redis(env: Mapping[str, str]) -> None:
    if "MINDWAY_REDIS_URL" in env:
        import redis

        redis.Redis.from_url(env["MINDWAY_REDIS_URL"]).flushdb()


def _wait_for_workers(
    base: str, server: subprocess.Popen[bytes], log_path: Path, workers: int
) -> None:
    """Wait until every worker has started (each logs it once) and ``/health`` answers, so
    that no worker is still loading while the others take the load."""
    deadline = time.monotonic() + STARTUP_GIVE_UP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mindway serve exited with {server.returncode}")
        started = log_path.read_text(errors="replace").count("Application startup complete")
        if started >= workers:
            _wait_for_health(base, server)
            return
        time.sleep(0.5)
    raise RuntimeError(f"only {started} of {workers} workers started in {STARTUP_GIVE_UP_S} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets uvicorn stop its workers; if that hangs, kill the whole process group
    (the workers are children that would otherwise outlive their parent)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def _run_locust(base: str, accounts: Path, out: Path, users: int, duration_s: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
    env |= {"LOAD_BENCH_ACCOUNTS": str(accounts), "LOAD_BENCH_OUT": str(out)}
    command = [
        sys.executable, "-m", "locust", "-f", str(SCENARIO), "--headless",
        "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{duration_s}s",
        "--stop-timeout", "15", "--host", base, "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    with (out / "locust.log").open("wb") as sink:
        # Exit code 1 only says some request failed: the samples count the errors.
        subprocess.run(  # noqa: S603
            command, env=env, stdout=sink, stderr=sink, timeout=duration_s + 120, check=False
        )
    if not (out / "samples.jsonl").exists():
        log = (out / "locust.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"locust wrote no samples:\n{log}")


def _measure(base: str, work: Path, password: str, users: int,
             duration_s: int, patients: list[str]) -> tuple[list[Sample], list[Ack]]:  # fmt: skip
    accounts = work / "accounts.json"
    clinicians = _add_clinicians(base, password)
    accounts.write_text(
        json.dumps({"password": password, "patients": patients, "clinicians": clinicians})
    )
    out = work / "locust"
    out.mkdir()
    _run_locust(base, accounts, out, users, duration_s)
    samples = [Sample(*row) for row in read_jsonl(out / "samples.jsonl")]
    acks = [Ack(**row) for row in read_jsonl(out / "acks.jsonl")]
    return samples, acks


def run(users: int = USERS, duration_s: int = DURATION_S, workers: int = WORKERS) -> dict[str, Any]:
    name = f"mindway_bench_load_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="mindway-load-"))
    data_dir = work / "data"
    redis_env = _redis_env(Settings.model_fields)
    url = _database(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
    env |= {"MINDWAY_DATA_DIR": str(data_dir), "MINDWAY_DATABASE_URL": url}
    # Locust's users are many devices on one machine: each sends its own X-Forwarded-For, as
    # through the reverse proxy, so the default per-address rate limits apply to each.
    env |= {"MINDWAY_TRUSTED_PROXIES": "127.0.0.1"}
    env |= redis_env
    settings = Settings(data_dir=data_dir, database_url=url)
    mindway = [sys.executable, "-m", "mindway"]
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(  # noqa: S603
            [*mindway, "demo", "--patients", str(PATIENTS), "--seed", "1"],
            env=env, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        password = secrets.token_urlsafe(18)
        patients = _set_patient_passwords(settings, password)
        port = free_port()
        log_path = work / "server.log"
        with log_path.open("wb") as sink:
            server = subprocess.Popen(  # noqa: S603
                [*mindway, "serve", "--port", str(port), "--workers", str(workers)],
                env=env, stdout=sink, stderr=sink, start_new_session=True,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_for_workers(base, server, log_path, workers)
        with _ConnectionWatch(name) as watch:
            samples, acks = _measure(base, work, password, users, duration_s, patients)
        _stop(server)
        server = None
        server_log = log_path.read_text(errors="replace")
        LOGS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, LOGS / "server.log")
        shutil.copy(work / "locust" / "locust.log", LOGS / "locust.log")
        start = min(s.start for s in samples)
        steady_from = start + max(STEADY_AFTER_S, users / SPAWN_RATE)
        figures = summarise(samples, steady_from, start + duration_s)
        figures["whole_run"] = latency(samples, duration_s)
        figures |= reconcile(acks, _stored(settings, acks))
        figures |= {
            "audit_chain_ok": _audit_chain_ok(settings),
            "server_log_tracebacks": server_log.count("Traceback"),
            # uvicorn replaces a worker that dies or misses its health ping during the run.
            "workers_replaced": server_log.split("Received SIGTERM")[0].count("died"),
            "peak_db_connections": watch.peak,
            "users": users,
            "patient_share": 0.7,
            "spawn_rate_per_s": SPAWN_RATE,
            "duration_s": duration_s,
            "workers": workers,
            "patients_in_clinic": len(patients),
            "clinicians_signing_in": CLINICIANS,
            "database": "postgresql",
            "cpus": os.cpu_count(),
        }
        return figures
    finally:
        if server is not None:
            _stop(server)
        _drop(name)
        _clear_redis(env)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
