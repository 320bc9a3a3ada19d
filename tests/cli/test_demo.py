"""``mindway demo``: a reproducible synthetic clinic, its printed logins, and --if-empty."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from typer.testing import Result

from mindway.config import Settings
from mindway.errors import AuthenticationError
from mindway.security import passwords
from mindway.security.policy import Actor, Role
from mindway.services import audit_log, auth, demo, patients
from mindway.services.consent import state as consent_state
from tests.cli.harness import DEMO_ARGS, Store, error_line


def names(store: Store) -> list[str]:
    """Every patient's name, read back through the export (names are stored encrypted)."""
    exported = (store.export(pid)["patient"] for pid in store.patient_ids())
    return sorted(f"{p['given_name']} {p['family_name']}" for p in exported)


def counts(store: Store) -> list[int]:
    """Accounts, patients and notes."""
    tables = ("account", "patient", "clinical_note")
    return [int(store.sql(f"SELECT count(*) FROM {table}")[0][0]) for table in tables]


def test_demo_prints_every_login_and_a_warning(shared_demo: tuple[Store, Result]) -> None:
    _store, result = shared_demo
    for username, password in demo.DEMO_LOGINS.values():
        assert username in result.stdout
        assert password in result.stdout
    assert "http://127.0.0.1:8000" in result.stdout
    assert "never use a demo store for real patients" in " ".join(result.stdout.split())


def test_same_seed_gives_the_same_clinic(
    shared_demo: tuple[Store, Result], tmp_path_factory: pytest.TempPathFactory
) -> None:
    first, _ = shared_demo
    again = Store(tmp_path_factory.mktemp("again") / "data")
    other = Store(tmp_path_factory.mktemp("other") / "data")
    assert again.run(*DEMO_ARGS).exit_code == 0
    assert other.run("demo", "--patients", "5", "--seed", "4").exit_code == 0
    assert len(names(first)) == 5
    assert names(again) == names(first)
    assert counts(again)[:2] == counts(first)[:2]
    assert names(other) != names(first)


def test_if_empty_keeps_an_existing_clinic_and_still_prints_logins(
    shared_demo: tuple[Store, Result],
) -> None:
    store, _ = shared_demo
    before = counts(store)
    result = store.run("demo", "--if-empty", "--patients", "9")
    assert result.exit_code == 0, result.output
    assert counts(store) == before
    assert "not seeding" in result.stderr
    for username, _password in demo.DEMO_LOGINS.values():
        assert username in result.stdout


def test_demo_refuses_a_store_that_has_accounts(demo_store: Store) -> None:
    before = counts(demo_store)
    result = demo_store.run(*DEMO_ARGS)
    assert result.exit_code == 1
    assert "empty store" in error_line(result)
    assert counts(demo_store) == before


def test_if_empty_on_a_real_clinic_prints_no_demo_logins(store: Store) -> None:
    created = store.run(
        "init", "--username", "ada", "--display-name", "Ada", "--password", "a-long-passphrase"
    )
    assert created.exit_code == 0, created.output
    result = store.run("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert demo.DEMO_LOGINS["admin"][0] not in result.stdout
    assert counts(store) == [1, 0, 0]


def test_demo_clinic_is_a_realistic_caseload(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    clinician_id = store.sql(
        "SELECT id FROM account WHERE username = ?", (demo.DEMO_LOGINS["clinician"][0],)
    )[0][0]
    with store.runtime() as rt:
        clinician = Actor(Role.CLINICIAN, account_id=uuid.UUID(hex=clinician_id))
        caseload = {p.id for p in patients.caseload(rt, clinician)}
    assert store.patient_id() in caseload
    teams = store.sql("SELECT count(*) FROM care_team")[0][0]
    clinicians = store.sql("SELECT count(*) FROM account WHERE role = 'clinician'")[0][0]
    assert 2 <= teams <= 3 and 3 <= clinicians <= 4
    for pid in store.patient_ids():
        document = store.export(pid)
        notes = document["notes"]
        assert notes[0]["kind"] == "intake"
        assert len(notes) >= 4
        first, last = (_when(notes[0]["created_at"]), _when(notes[-1]["created_at"]))
        assert last - first > timedelta(days=40), "months of history"
        current = {c["purpose"]: c["granted"] for c in document["consents"]["current"]}
        assert current["care"] is True


def test_one_audit_event_for_the_whole_seeding(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    seeds = store.sql("SELECT outcome, actor_id FROM audit_event WHERE action = 'demo.seed'")
    assert seeds[0] == ("success", "operator")
    first_rows = store.sql("SELECT action FROM audit_event ORDER BY seq LIMIT 1")
    assert first_rows == [("demo.seed",)]
    with store.runtime() as rt:
        assert audit_log.verify(rt).ok


def test_consents_include_research_ai_and_withdrawals(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = Store(tmp_path_factory.mktemp("consents") / "data")
    with store.runtime() as rt:
        demo.seed(rt, patients=24, seed=7)
        with rt.transaction() as db:
            states = [consent_state(db, pid) for pid in store.patient_ids()]
    granted = {
        purpose: sum(1 for s in states for c in s if c.purpose == purpose and c.granted)
        for purpose in ("care", "research", "ai_features")
    }
    assert granted["care"] == 24
    assert 0 < granted["research"] < 24 and 0 < granted["ai_features"] < 24
    withdrawals = store.sql("SELECT count(*) FROM consent WHERE granted = 0")[0][0]
    assert withdrawals > 0


def test_demo_logins_work_and_other_accounts_cannot_sign_in(demo_store: Store) -> None:
    with demo_store.runtime() as rt:
        for role, (username, password) in demo.DEMO_LOGINS.items():
            issued = auth.login(rt, username, password, "127.0.0.1")
            assert issued.role == role
        others = demo_store.sql(
            "SELECT username FROM account WHERE username NOT IN (?, ?, ?, ?)",
            tuple(u for u, _ in demo.DEMO_LOGINS.values()),
        )
        assert others
        for (username,) in others:
            for _, password in demo.DEMO_LOGINS.values():
                with pytest.raises(AuthenticationError):
                    auth.login(rt, username, password, "127.0.0.9")


def test_seeding_hashes_only_a_handful_of_passwords(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2 costs ~40 ms a hash at production settings: 24 patients must not mean 24 hashes."""
    calls: list[str] = []
    real = passwords.hash_password

    def counted(settings: Settings, password: str) -> str:
        calls.append(password)
        return real(settings, password)

    monkeypatch.setattr(passwords, "hash_password", counted)
    with store.runtime() as rt:
        demo.seed(rt, patients=24, seed=1)
    assert len(calls) <= len(demo.DEMO_LOGINS) + 1


def test_notes_are_not_stored_in_plain_text(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    bodies = [note["body"] for note in store.export(store.patient_id())["notes"]]
    raw = b"".join(path.read_bytes() for path in store.data_dir.glob("mindway.sqlite3*"))
    assert len(raw) > 10_000
    for body in bodies:
        assert body[:30].encode() not in raw, body


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
