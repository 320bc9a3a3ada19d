"""Faults: the server killed mid-write, a read-only data folder, a full disk.

(a) ``mindway serve`` on SQLite is SIGKILLed while threads write notes and check-ins through
the API. After a restart every write that was acknowledged (2xx) must be there, and nothing
may be half-written: every sealed field opens, every check-in validates, each stored note
has exactly the one audit event of its transaction, and the audit chain verifies. A commit
in WAL mode with ``synchronous=NORMAL`` survives a process crash (only a power cut may lose
the last commits: https://sqlite.org/pragma.html#pragma_synchronous).
(b) A read-only data folder or database file gives one clear line, never a traceback.
(c) A full disk, simulated by a tiny tmpfs in a private mount namespace (skipped where the
machine does not allow that).

The PostgreSQL restart under load is ``bench/faults.py``: restarting the shared server here
would break the other tests that use it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from mindway.security.policy import OPERATOR
from mindway.services import audit_log, checkins
from mindway.services.demo import DEMO_LOGINS
from mindway.store.models import AuditEvent, ClinicalNote, MoodCheckin
from tests.cli.harness import Store
from tests.cli.test_serve import free_port, wait_for_health

API = "/api/v1"
NOTE_WRITERS = 4
KILL_AFTER_ACKS = 30  # SIGKILL once this many writes were acknowledged ...
KILL_AFTER_S = 6.0  # ... or after this long, whichever comes first


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("faults") / "data")
    result = store.run("demo", "--patients", "3", "--seed", "1")
    assert result.exit_code == 0, result.output
    return store


def copy_of(store: Store, where: Path) -> Store:
    shutil.copytree(store.data_dir, where)
    return Store(where)


# ``mindway serve`` whose imports (seconds of CPU) are done ahead, waiting for a line on stdin
# before it opens the store: the restart after the kill is then quick, and still real.
STANDBY = (
    "import sys, mindway.api.app; from mindway.cli.main import app; "
    "sys.stdin.readline(); app(sys.argv[1:], prog_name='mindway')"
)


@dataclass
class Server:
    """``mindway serve`` as an operator starts it, on a free port."""

    store: Store
    process: subprocess.Popen[str] | None = None
    url: str = ""

    def start(self, standby: bool = False) -> str:
        """Start serving; with ``standby`` only import, until :meth:`release`."""
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", STANDBY, "serve", "--port", str(port)],
            env=self.store.subprocess_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.url = f"http://127.0.0.1:{port}"
        return self.url if standby else self.release()

    def release(self) -> str:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.close()
        wait_for_health(f"{self.url}/health", self.process)
        return self.url

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sign_in(url: str, role: str) -> dict[str, str]:
    username, password = DEMO_LOGINS[role]
    response = httpx.post(
        f"{url}{API}/auth/login", json={"username": username, "password": password}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@dataclass
class Ledger:
    """What the clients were told: acknowledged notes, and check-in notes in sending order."""

    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (patient, body)
    checkins_sent: list[int] = field(default_factory=list)
    last_checkin_acked: int = -1
    transport_errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.notes) + self.last_checkin_acked + 1


def write_notes(url: str, auth: dict[str, str], patients: list[str], n: int, log: Ledger) -> None:
    with httpx.Client(base_url=url + API, headers=auth, timeout=10) as client:
        i = 0
        while not log.stop.is_set():
            patient = patients[(n + i) % len(patients)]
            body = f"fault-test note {n}-{i} {uuid.uuid4().hex}"
            i += 1
            try:
                reply = client.post(f"/patients/{patient}/notes", json={"body": body})
            except httpx.TransportError:
                with log.lock:
                    log.transport_errors += 1
                return  # the server is gone
            if reply.is_success:
                with log.lock:
                    log.notes[reply.json()["id"]] = (patient, body)


def encode(i: int) -> dict[str, int]:
    """Check-in ratings that spell out ``i`` (no note: screening a note loads a model, slow)."""
    return {"mood": i % 11, "anxiety": i // 11 % 11, "energy": i // 121 % 11}


def write_checkins(url: str, auth: dict[str, str], patient: str, log: Ledger) -> None:
    """One device checking in again and again: each one edits today's check-in."""
    with httpx.Client(base_url=url + API, headers=auth, timeout=10) as client:
        i = 0
        while not log.stop.is_set():
            log.checkins_sent.append(i)
            try:
                reply = client.post(f"/patients/{patient}/checkins", json=encode(i))
            except httpx.TransportError:
                with log.lock:
                    log.transport_errors += 1
                return
            if reply.is_success:
                log.last_checkin_acked = i
            i += 1


def counts(store: Store) -> tuple[int, int]:
    """Stored notes, and successful ``note.create`` audit events (same transaction)."""
    with store.runtime() as rt, rt.transaction() as db:
        notes = db.scalar(select(func.count()).select_from(ClinicalNote)) or 0
        audited = (
            db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "note.create", AuditEvent.outcome == "success")
            )
            or 0
        )
    return notes, audited


def drive_until_killed(server: Server, log: Ledger) -> None:
    clinician, patient = sign_in(server.url, "clinician"), sign_in(server.url, "patient")
    caseload = httpx.get(f"{server.url}{API}/patients", headers=clinician, timeout=10).json()
    patients = [p["id"] for p in caseload]
    me = httpx.get(f"{server.url}{API}/me", headers=patient, timeout=10)
    own = me.json().get("patient_id") if me.is_success else None
    threads = [
        threading.Thread(target=write_notes, args=(server.url, clinician, patients, n, log))
        for n in range(NOTE_WRITERS)
    ]
    if own:
        threads.append(
            threading.Thread(target=write_checkins, args=(server.url, patient, own, log))
        )
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + KILL_AFTER_S
    while log.acknowledged < KILL_AFTER_ACKS and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-stream: writers are still sending
    log.stop.set()
    for thread in threads:
        thread.join(timeout=20)


def test_killed_server_keeps_every_acknowledged_write(demo_source: Store, tmp_path: Path) -> None:
    store = copy_of(demo_source, tmp_path / "data")
    notes_before, audited_before = counts(store)
    server, restarted, log = Server(store), Server(store), Ledger()
    try:
        restarted.start(standby=True)
        server.start()
        drive_until_killed(server, log)
        assert len(log.notes) >= 5, "too few writes before the kill to prove anything"
        assert log.transport_errors >= 1, "the kill did not interrupt the writers"

        url = restarted.release()  # a new process opens the crashed store: WAL recovery
        clinician = sign_in(url, "clinician")
        found: dict[str, str] = {}
        for patient in {p for p, _ in log.notes.values()}:
            listed = httpx.get(f"{url}{API}/patients/{patient}/notes", headers=clinician)
            assert listed.status_code == 200, listed.text
            found |= {n["id"]: n["body"] for n in listed.json()}
    finally:
        server.stop()
        restarted.stop()
    missing = {i: body for i, (_, body) in log.notes.items() if found.get(i) != body}
    assert missing == {}, f"{len(missing)} acknowledged notes lost or altered"

    notes_after, audited_after = counts(store)
    assert notes_after - notes_before >= len(log.notes)
    assert notes_after - notes_before == audited_after - audited_before  # no half transaction
    with store.runtime() as rt:
        with rt.use_case(OPERATOR, "test.fault_check") as uc:
            for note in uc.db.scalars(select(ClinicalNote)):
                uc.vault.open("clinical_note", "body", note.id, note.body_enc)
            stored = [  # every check-in opens and validates
                checkins.checkin_view(uc, row).values.model_dump(
                    include={"mood", "anxiety", "energy"}
                )
                for row in uc.db.scalars(select(MoodCheckin))
            ]
        chain = audit_log.verify(rt)
    assert chain.ok, f"audit chain broken at {chain.first_bad_seq}: {chain.problem}"
    if log.last_checkin_acked >= 0:
        acked = log.checkins_sent[log.last_checkin_acked :]  # the last acked, or a later one
        assert any(encode(i) in stored for i in acked)


# --- (b) read-only data folder -----------------------------------------------------------


def without_root_override() -> list[str]:
    """Root ignores file modes; drop CAP_DAC_OVERRIDE so that a 0500 folder binds root too."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be enforced")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def run_all(
    store: Store, commands: list[tuple[str, ...]]
) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands side by side (each is mostly Python start-up)."""
    prefix = [*without_root_override(), sys.executable, "-m", "mindway"]
    env = store.subprocess_env()
    started = [
        (args, subprocess.Popen([*prefix, *args], env=env, text=True, stdout=-1, stderr=-1))
        for args in commands
    ]
    done = []
    for args, process in started:
        out, err = process.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(list(args), process.returncode, out, err))
    return done


def assert_clear_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    text = result.stdout + result.stderr
    assert result.returncode == 1, (result.args, text)
    assert "Traceback" not in text, (result.args, text)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), (result.args, text)
    assert any(word in lines[0] for word in words), (result.args, lines[0])


SERVE = ("serve", "--port", "1")  # fails before it would bind
COMMANDS = [("db", "upgrade"), ("demo", "--patients", "3", "--seed", "1"), SERVE]


@pytest.fixture
def read_only(demo_source: Store, tmp_path: Path) -> Iterator[Store]:
    store = copy_of(demo_source, tmp_path / "data")
    yield store
    os.chmod(store.data_dir, 0o700)
    os.chmod(store.sqlite_file, 0o600)


def test_read_only_data_folder_gives_one_clear_line(read_only: Store) -> None:
    os.chmod(read_only.data_dir, 0o500)
    for result in run_all(read_only, COMMANDS):
        assert_clear_failure(result, "readonly", "read-only", "Permission denied")


def test_read_only_database_file_gives_one_clear_line(read_only: Store) -> None:
    os.chmod(read_only.sqlite_file, 0o400)
    for result in run_all(read_only, [("db", "upgrade"), SERVE]):
        assert_clear_failure(result, "readonly", "read-only", "Permission denied")


# --- (c) a full disk ----------------------------------------------------------------------


def test_full_disk_gives_one_clear_line_and_no_partial_backup(
    demo_source: Store, tmp_path: Path
) -> None:
    """A 256 KiB tmpfs: seeding a store and writing a backup both run out of space."""
    unshare = shutil.which("unshare")
    probe = (
        subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True, check=False)
        if unshare
        else None
    )
    if probe is None or probe.returncode != 0 or os.geteuid() != 0:
        pytest.skip("needs root and mount namespaces to make a small filesystem")
    small = tmp_path / "small"
    small.mkdir()
    mindway = f"{sys.executable} -m mindway"
    script = (
        f"mount -t tmpfs -o size=256k tmpfs {small} && "
        f"MINDWAY_DATA_DIR={small}/data {mindway} demo --patients 3 --seed 1 "
        f"> /dev/null 2> {tmp_path}/demo.err; echo $? > {tmp_path}/demo.rc; "
        f"{mindway} backup {small}/backup 2> {tmp_path}/backup.err; "
        f"echo $? > {tmp_path}/backup.rc; ls -A {small} > {tmp_path}/left"
    )
    env = demo_source.subprocess_env()
    subprocess.run([unshare or "", "-m", "sh", "-c", script], env=env, timeout=90, check=True)
    for name, words in (("demo", ("disk is full",)), ("backup", ("No space left", "disk is full"))):
        result = subprocess.CompletedProcess(
            [name],
            int((tmp_path / f"{name}.rc").read_text()),
            "",
            (tmp_path / f"{name}.err").read_text(),
        )
        assert_clear_failure(result, *words)
    assert "backup" not in (tmp_path / "left").read_text().split()  # no half backup left
