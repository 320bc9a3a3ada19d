"""``mindway init``, ``export``, ``erase`` and ``keys rotate`` as an operator runs them, and
bad input answered with one clear line and exit code 1."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from mindway.security.policy import OPERATOR
from mindway.services import accounts, privacy
from mindway.services.demo import DEMO_LOGINS
from mindway.services.runtime import Runtime
from tests.cli.harness import Store, error_line
from tests.conftest import fast_settings

GOOD_PASSWORD = "a-long-passphrase"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def init(store: Store, password: str = GOOD_PASSWORD) -> Result:
    return store.run(
        "init", "--username", "ada@clinic.example", "--display-name", "Ada", "--password", password
    )


# --- init ----------------------------------------------------------------------------------


def test_init_creates_the_first_admin(store: Store) -> None:
    result = init(store)
    assert result.exit_code == 0, result.output
    assert "ada@clinic.example" in result.stdout
    assert store.sql("SELECT username, role FROM account") == [("ada@clinic.example", "admin")]
    assert store.audit_actions() == [("account.create", "success", _account_id(store))]


def test_init_prompts_for_what_is_missing(store: Store) -> None:
    typed = f"ada\nAda Lovelace\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n"
    result = store.run("init", input=typed)
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.stdout  # the password is not echoed
    assert store.sql("SELECT username FROM account") == [("ada",)]
    assert _admin_name(store) == "Ada Lovelace"


def test_init_refuses_a_weak_password_and_creates_nothing(store: Store) -> None:
    result = init(store, password="short")
    assert result.exit_code == 1
    assert "at least 12 characters" in error_line(result)
    assert store.sql("SELECT count(*) FROM account") == [(0,)]


def test_init_creates_only_the_first_admin(store: Store) -> None:
    """Later accounts are made by a signed-in admin, so the change is theirs, audited."""
    assert init(store).exit_code == 0
    again = store.run(
        "init",
        "--username",
        "eve@clinic.example",
        "--display-name",
        "Eve",
        "--password",
        GOOD_PASSWORD,
    )
    assert again.exit_code == 1
    assert "an admin exists already" in error_line(again)
    assert store.sql("SELECT count(*) FROM account") == [(1,)]


def _admin_name(store: Store) -> str:
    """The admin's name as the app shows it (it is stored sealed, not in plain text)."""
    rt = Runtime.open(fast_settings(store.data_dir))
    try:
        (admin,) = accounts.list_accounts(rt, OPERATOR)
        return admin.display_name
    finally:
        rt.close()


def _account_id(store: Store) -> str:
    return str(uuid.UUID(hex=store.sql("SELECT id FROM account")[0][0]))


# --- export --------------------------------------------------------------------------------


def test_export_prints_one_json_document_of_the_patient(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    pid = store.patient_id()
    document = store.export(pid)
    assert document["format"] == "mindway.patient-export"
    assert document["patient"]["id"] == str(pid)
    assert document["account"]["username"] == DEMO_LOGINS["patient"][0]
    assert document["notes"] and all(n["body"] for n in document["notes"])
    purposes = {c["purpose"] for c in document["consents"]["current"]}
    assert {"care", "research", "ai_features"} <= purposes
    assert document["consents"]["history"]


def test_export_to_a_file_only_its_owner_can_read(
    shared_demo: tuple[Store, Result], tmp_path: Path
) -> None:
    store, _ = shared_demo
    target = tmp_path / "export.json"
    result = store.run("export", "patient", str(store.patient_id()), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(target.read_text())["patient"]["id"] == str(store.patient_id())
    assert mode(target) == 0o600


def test_export_is_audited(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    pid = store.patient_id()
    before = store.audit_actions().count(("patient.export", "success", str(pid)))
    store.export(pid)
    assert store.audit_actions().count(("patient.export", "success", str(pid))) == before + 1


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", ""])
def test_export_rejects_a_malformed_id(store: Store, bad: str) -> None:
    result = store.run("export", "patient", bad)
    assert result.exit_code == 1
    assert "must be a UUID" in error_line(result)


def test_export_of_an_unknown_patient_is_not_found(shared_demo: tuple[Store, Result]) -> None:
    store, _ = shared_demo
    result = store.run("export", "patient", str(uuid.uuid4()))
    assert result.exit_code == 1
    assert "not found" in error_line(result)
    assert result.stdout == ""


def test_bad_uuid_in_a_real_process_gives_no_traceback(store: Store) -> None:
    result = store.spawn("export", "patient", "not-a-uuid")
    assert result.returncode == 1
    assert error_line(result) == "error: patient id must be a UUID, got 'not-a-uuid'"


# --- erase ---------------------------------------------------------------------------------


def test_erase_removes_the_patient_and_is_audited_once(demo_store: Store) -> None:
    pid = demo_store.patient_id()
    result = demo_store.run("erase", "patient", str(pid), "--yes")
    assert result.exit_code == 0, result.output
    gone = demo_store.run("export", "patient", str(pid))
    assert gone.exit_code == 1
    assert "not found" in error_line(gone)
    erasures = [a for a in demo_store.audit_actions() if a[0] == "patient.erase"]
    assert erasures == [("patient.erase", "success", str(pid))]
    assert demo_store.sql(
        "SELECT count(*) FROM clinical_note WHERE patient_id = ?", (pid.hex,)
    ) == [(0,)]
    verified = demo_store.run("audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_erase_asks_first_and_no_keeps_the_patient(demo_store: Store) -> None:
    pid = demo_store.patient_id()
    result = demo_store.run("erase", "patient", str(pid), input="n\n")
    assert result.exit_code == 1
    assert demo_store.export(pid)["patient"]["id"] == str(pid)
    assert not [a for a in demo_store.audit_actions() if a[0] == "patient.erase"]


def test_erase_of_an_unknown_patient_fails(store: Store) -> None:
    result = store.run("erase", "patient", str(uuid.uuid4()), "--yes")
    assert result.exit_code == 1
    assert "not found" in error_line(result)


# --- keys rotate ---------------------------------------------------------------------------


def master_kids(store: Store) -> list[str]:
    lines = (store.data_dir / "keys" / "master_keys").read_text().split()
    return [line.split(":", 1)[0] for line in lines]


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """What must survive rotation unchanged (the access log grows with each export)."""
    return {k: document[k] for k in ("patient", "account", "notes", "consents")}


def test_keys_rotate_activates_a_new_master_key_and_old_data_still_opens(
    demo_store: Store,
) -> None:
    pid = demo_store.patient_id()
    before = demo_store.export(pid)
    (old_kid,) = master_kids(demo_store)
    result = demo_store.run("keys", "rotate")
    assert result.exit_code == 0, result.output
    new_kid, kept_kid = master_kids(demo_store)
    assert (new_kid != old_kid, kept_kid) == (True, old_kid)
    assert new_kid in result.stdout
    wrapped_by = demo_store.sql("SELECT DISTINCT kek_id FROM data_key WHERE wrapped IS NOT NULL")
    assert wrapped_by == [(new_kid,)]
    assert comparable(demo_store.export(pid)) == comparable(before)
    retired = demo_store.run("keys", "retire")
    assert retired.exit_code == 0, retired.output
    assert master_kids(demo_store) == [new_kid]
    assert comparable(demo_store.export(pid)) == comparable(before)
    keys = demo_store.data_dir / "keys"
    assert mode(keys) == 0o700
    assert {p.name: mode(p) for p in keys.iterdir()} == {
        "master_keys": 0o600,
        "secret_key": 0o600,
        "vapid_private.pem": 0o600,
    }
    assert demo_store.run("audit", "verify").exit_code == 0


def test_a_server_opened_before_rotation_keeps_its_new_data_readable(demo_store: Store) -> None:
    """A running server wraps new data keys with the master key it loaded; rotation must not
    delete that key, or whatever it writes until it restarts becomes unreadable."""
    settings = fast_settings(demo_store.data_dir)
    running = Runtime.open(settings)
    try:
        assert demo_store.run("keys", "rotate").exit_code == 0
        team = accounts.create_team(running, OPERATOR, "Late team")
        created = accounts.create_account(
            running,
            OPERATOR,
            username="late.patient",
            display_name="Late",
            role="patient",
            password="a long enough password",
            registration=accounts.Registration(
                "Lena", "Late", date(1990, 1, 1), None, None, team.id
            ),
        )
    finally:
        running.close()
    restarted = Runtime.open(settings)
    try:
        assert created.patient_id is not None
        document = privacy.export_patient(restarted, OPERATOR, created.patient_id)
        assert document["patient"]["given_name"] == "Lena"
    finally:
        restarted.close()


# --- configuration and help ----------------------------------------------------------------


def test_broken_configuration_is_named_in_one_line(store: Store) -> None:
    result = store.run("audit", "verify", MINDWAY_ARGON2_TIME_COST="lots")
    assert result.exit_code == 1
    assert "MINDWAY_ARGON2_TIME_COST" in error_line(result)


def test_unreachable_database_is_one_line(store: Store) -> None:
    url = "postgresql://nobody@127.0.0.1:1/mindway"
    result = store.run("db", "upgrade", MINDWAY_DATABASE_URL=url)
    assert result.exit_code == 1
    assert "127.0.0.1" in error_line(result)


def test_db_upgrade_creates_the_store(store: Store) -> None:
    result = store.run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert store.sqlite_file.exists()


def test_help_lists_the_commands(store: Store) -> None:
    result = store.run("--help")
    assert result.exit_code == 0
    for command in ("serve", "init", "demo", "db", "audit", "keys", "export", "erase"):
        assert command in result.stdout
