"""Acceptance: the raw database holds no plaintext of protected fields (issue 2, point 5).

Health data and identity fields are sealed field by field (AES-256-GCM), so neither the
SQLite file (with its write-ahead log) nor any PostgreSQL row contains them in the clear,
while the services still read them back.
"""

from __future__ import annotations

import time
import types
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from mindway.security import totp
from mindway.services import auth, break_glass, patients, privacy, web_push
from mindway.services.runtime import Runtime
from mindway.store.models import Account, ClinicalNote, Patient, PushSubscription
from tests.clinic import PASSWORD, Clinic, build_clinic
from tests.services.test_web_push import Browser

NOTE = "Zanzibar-nightmares-7731 since the ferry accident; sleeping four hours a night."
NOTE_UNICODE = "Schlafstörung-Ölmühle-4410: Grübeln über die Kündigung."
REASON = "Quokka-crisis-call-5521: patient rang the out-of-hours line"
PUSH_ENDPOINT = "https://push.example.net/wpush/v2/Wombat-device-token-9917"


class TotpClock:
    """The authenticator's clock, moved on so that each sign-in uses a fresh code."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr("pyotp.totp.time", types.SimpleNamespace(time=lambda: self.now))

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Protected:
    clinic: Clinic
    totp_secret: str
    grant_id: uuid.UUID

    def plaintexts(self) -> list[str]:
        return [
            "Alice",
            "Archer",
            "1985-03-14",
            "Baker",
            "1992-07-01",
            "female",
            "White",
            "Black",
            "Zanzibar-nightmares-7731",
            "ferry accident",
            "Schlafstörung-Ölmühle-4410",
            "Kündigung",
            "Quokka-crisis-call-5521",
            "out-of-hours line",
            "Wombat-device-token-9917",
            self.totp_secret,
        ]


def _fill(rt: Runtime) -> Protected:
    clinic = build_clinic(rt)
    alice = clinic.patient_a_id
    patients.add_note(rt, clinic.clinician_a, alice, "session", NOTE)
    patients.add_note(rt, clinic.clinician_a, alice, "review", NOTE_UNICODE)
    grant = break_glass.start(rt, clinic.clinician_b, alice, REASON)
    web_push.subscribe(rt, clinic.patient_a, alice, Browser().subscription(PUSH_ENDPOINT))
    pending = auth.login(rt, "clinician.a", PASSWORD, "127.0.0.1")
    enrolment = auth.start_enrolment(rt, pending.token)
    auth.confirm_enrolment(rt, pending.token, totp.current_code(enrolment.secret))
    return Protected(clinic, enrolment.secret, grant.id)


def _readable_through_the_services(rt: Runtime, data: Protected, clock: TotpClock) -> None:
    """The positive half: everything protected is really stored and reads back."""
    clinic = data.clinic
    alice, bob = clinic.patient_a_id, clinic.patient_b_id
    record = patients.read_record(rt, clinic.clinician_a, alice)
    assert (record.given_name, record.family_name) == ("Alice", "Archer")
    assert record.birth_date is not None and record.birth_date.isoformat() == "1985-03-14"
    assert (record.sex, record.ethnicity) == ("female", "White")
    other = patients.read_record(rt, clinic.clinician_b, bob)
    assert (other.family_name, other.ethnicity) == ("Baker", "Black")
    assert {n.body for n in patients.list_notes(rt, clinic.clinician_a, alice)} == {
        NOTE,
        NOTE_UNICODE,
    }
    assert break_glass.read_reason(rt, clinic.admin, data.grant_id) == REASON
    exported = privacy.export_patient(rt, clinic.patient_a, alice)["push_subscriptions"]
    assert [d["endpoint"] for d in exported] == [PUSH_ENDPOINT]
    # The stored TOTP secret is the one the authenticator app got: its next code signs in.
    clock.advance(60)
    pending = auth.login(rt, "clinician.a", PASSWORD, "127.0.0.1")
    assert not pending.mfa_passed
    code = totp.current_code(data.totp_secret)
    assert auth.verify_mfa(rt, pending.token, code, "127.0.0.1").mfa_passed


def _sealed_samples(rt: Runtime) -> list[str]:
    """Ciphertexts that must be found in the raw data, so that the search is not vacuous."""
    with rt.transaction() as db:
        samples = [
            db.scalars(select(ClinicalNote.body_enc)).first(),
            db.scalars(select(Patient.given_name_enc)).first(),
            db.scalars(
                select(Account.totp_secret_enc).where(Account.username == "clinician.a")
            ).one(),
            db.scalars(select(PushSubscription.endpoint_enc)).first(),
        ]
    assert all(s and s.startswith("mw1.") for s in samples), samples
    return [s for s in samples if s]


def _assert_absent(haystack: str, where: str, data: Protected) -> None:
    for secret in data.plaintexts():
        assert secret not in haystack, f"{secret!r} in clear text in {where}"


def _sqlite_bytes(path: Path) -> dict[str, bytes]:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def test_raw_database_holds_no_plaintext_of_protected_fields(
    rt: Runtime, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = TotpClock(monkeypatch)
    data = _fill(rt)
    _readable_through_the_services(rt, data, clock)
    samples = _sealed_samples(rt)
    if backend == "sqlite":
        _check_sqlite(rt, data, samples)
    else:
        _check_postgres(rt, data, samples)


def _check_sqlite(rt: Runtime, data: Protected, samples: list[str]) -> None:
    database = Path(make_url(rt.settings.sqlalchemy_url).database or "")
    assert database.is_file()
    with rt.engine.connect() as conn:  # so that searching for UTF-8 bytes is meaningful
        assert conn.exec_driver_sql("PRAGMA encoding").scalar() == "UTF-8"
    before = _sqlite_bytes(database)
    assert database.name + "-wal" in before, "WAL mode keeps recent writes in the -wal file"
    _search_sqlite(before, "before checkpoint", data, samples)

    raw = rt.engine.raw_connection()  # outside a transaction (no BEGIN IMMEDIATE)
    try:
        busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        raw.close()
    rt.engine.dispose()
    _search_sqlite(_sqlite_bytes(database), "after checkpoint", data, samples)


def _search_sqlite(
    files: dict[str, bytes], stage: str, data: Protected, samples: list[str]
) -> None:
    everything = b"\n".join(files.values())
    assert b"clinician.a" in everything, "the search must see the plain columns"
    for sample in samples:
        assert sample.encode() in everything, f"ciphertext not found {stage}"
    for name, content in files.items():
        for secret in data.plaintexts():
            assert secret.encode() not in content, f"{secret!r} in clear text in {name} ({stage})"


def _check_postgres(rt: Runtime, data: Protected, samples: list[str]) -> None:
    with rt.engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ).scalars()
        rows: list[tuple[str, str]] = []
        for table in sorted(tables):
            for (row,) in conn.execute(text(f'SELECT t::text FROM "{table}" AS t')):
                rows.append((table, str(row)))
    assert {t for t, _ in rows} >= {"patient", "clinical_note", "break_glass", "account"}
    everything = "\n".join(r for _, r in rows)
    assert "clinician.a" in everything, "the search must see the plain columns"
    for sample in samples:
        assert sample in everything, "ciphertext not found in the rows"
    for table, row in rows:
        _assert_absent(row, f"a row of {table}", data)
