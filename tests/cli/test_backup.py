"""``mindway backup`` / ``mindway restore``: round trips on SQLite and PostgreSQL, and the
refusals (tampered or missing backup, unwritable destination, a store that holds data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mindway.security.policy import OPERATOR
from mindway.services import audit_log, privacy
from mindway.store.models import Patient
from tests.cli.harness import Store, error_line
from tests.conftest import PG_ADMIN_URL
from tests.databases import new_database

DEMO = ("demo", "--patients", "3", "--seed", "1")


def seeded(data_dir: Path, database_url: str | None = None) -> Store:
    store = Store(data_dir, database_url)
    result = store.run(*DEMO)
    assert result.exit_code == 0, result.output
    return store


def snapshot(store: Store) -> dict[str, Any]:
    """What a restore must bring back: every patient, and their sealed data read back through
    the services (the export decrypts notes, check-ins, chat ...), and an intact audit chain."""
    with store.runtime() as rt:
        with rt.transaction() as db:
            pids = sorted(db.scalars(select(Patient.id)))
        documents = {}
        for pid in pids:
            document = privacy.export_patient(rt, OPERATOR, pid)
            document.pop("exported_at", None)
            document.pop("access_log", None)  # grows with every export, this one included
            documents[str(pid)] = document
        chain = audit_log.verify(rt)
    assert chain.ok, chain.problem
    return {"patients": sorted(documents), "exports": documents}


def round_trip(source: Store, target: Store, tmp_path: Path) -> None:
    before = snapshot(source)
    folder = tmp_path / "backup"
    made = source.run("backup", str(folder))
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_revision"] and manifest["keys_included"] is True
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in folder.rglob("*") if p.is_file())
    assert "cannot be decrypted" in made.stderr

    restored = target.run("restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert "audit log intact" in restored.stdout
    after = snapshot(target)
    assert after["patients"] == before["patients"] and len(after["patients"]) == 3
    assert after["exports"] == before["exports"]
    # The restored keys work for the restored data, and are as private as the originals.
    assert (target.data_dir / "keys" / "master_keys").stat().st_mode & 0o777 == 0o600


def test_sqlite_round_trip(tmp_path: Path) -> None:
    round_trip(seeded(tmp_path / "source"), Store(tmp_path / "target"), tmp_path)


@pytest.fixture
def pg_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    try:
        with (
            new_database(PG_ADMIN_URL, f"mindway_bk_src_{suffix}") as source,
            new_database(PG_ADMIN_URL, f"mindway_bk_dst_{suffix}") as target,
        ):
            yield source, target
    except Exception as exc:  # the server is down: skip like the other PostgreSQL tests
        if "could not connect" in str(exc) or "Connection refused" in str(exc):
            pytest.skip(f"PostgreSQL unreachable: {exc}")
        raise


def test_postgresql_round_trip(tmp_path: Path, pg_pair: tuple[str, str]) -> None:
    source_url, target_url = pg_pair
    source = seeded(tmp_path / "source", source_url)
    round_trip(source, Store(tmp_path / "target", target_url), tmp_path)


@pytest.fixture
def backed_up(tmp_path: Path) -> tuple[Store, Path]:
    store = seeded(tmp_path / "source")
    folder = tmp_path / "backup"
    assert store.run("backup", str(folder)).exit_code == 0
    return store, folder


def test_tampered_backup_is_refused(tmp_path: Path, backed_up: tuple[Store, Path]) -> None:
    _, folder = backed_up
    database = folder / "mindway.sqlite3"
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    target = Store(tmp_path / "target")
    result = target.run("restore", str(folder))
    assert result.exit_code == 1
    assert "hash mismatch for mindway.sqlite3" in error_line(result)
    assert not target.sqlite_file.exists()  # nothing was touched


def test_restore_onto_a_store_with_data_needs_yes(
    tmp_path: Path, backed_up: tuple[Store, Path]
) -> None:
    _, folder = backed_up
    other = seeded(tmp_path / "other")
    result = other.run("restore", str(folder))
    assert result.exit_code == 1
    assert "already holds data" in error_line(result)
    replaced = other.run("restore", str(folder), "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert "audit log intact" in replaced.stdout


def test_newer_schema_is_refused(tmp_path: Path, backed_up: tuple[Store, Path]) -> None:
    _, folder = backed_up
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["schema_revision"] = "9999_from_the_future"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = Store(tmp_path / "target").run("restore", str(folder))
    assert result.exit_code == 1
    assert "newer than this Mindway" in error_line(result)


def test_missing_and_corrupt_sources(tmp_path: Path, backed_up: tuple[Store, Path]) -> None:
    _, folder = backed_up
    target = Store(tmp_path / "target")
    missing = target.run("restore", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "not found" in error_line(missing)
    (folder / "manifest.json").write_text("{not json")
    corrupt = target.run("restore", str(folder))
    assert corrupt.exit_code == 1 and "corrupt" in error_line(corrupt)
    (folder / "manifest.json").unlink()
    unfinished = target.run("restore", str(folder))
    assert unfinished.exit_code == 1 and "incomplete" in error_line(unfinished)


def test_unwritable_destination(tmp_path: Path, backed_up: tuple[Store, Path]) -> None:
    store, folder = backed_up
    taken = store.run("backup", str(folder))  # not empty
    assert taken.exit_code == 1 and "not an empty folder" in error_line(taken)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    under_file = store.run("backup", str(a_file / "backup"))
    assert under_file.exit_code == 1 and "not writable" in error_line(under_file)


def test_environment_keys_are_left_out_and_said_so(tmp_path: Path) -> None:
    from mindway.security import crypto

    keys = {
        "MINDWAY_MASTER_KEYS": f"k1:{crypto.encode_key(crypto.new_key())}",
        "MINDWAY_SECRET_KEY": crypto.encode_key(crypto.new_key()),
    }
    source = Store(tmp_path / "source")
    assert source.run(*DEMO, **keys).exit_code == 0
    folder = tmp_path / "backup"
    made = source.run("backup", str(folder), **keys)
    assert made.exit_code == 0, made.output
    assert "NOT in this backup" in made.stderr and "cannot be decrypted" in made.stderr
    assert not (folder / "keys").exists()
    assert json.loads((folder / "manifest.json").read_text())["keys_included"] is False
    restored = Store(tmp_path / "target").run("restore", str(folder), **keys)
    assert restored.exit_code == 0, restored.output
    assert "audit log intact" in restored.stdout
    assert "holds no keys" in restored.stderr


def test_restore_into_a_read_only_store_is_one_line(
    tmp_path: Path, backed_up: tuple[Store, Path]
) -> None:
    from tests.store.test_faults import assert_clear_failure, without_root_override

    _, folder = backed_up
    target = Store(tmp_path / "target")
    target.data_dir.mkdir()
    target.sqlite_file.write_bytes(b"")
    target.sqlite_file.chmod(0o400)
    command = [*without_root_override(), sys.executable, "-m", "mindway", "restore", str(folder)]
    env = target.subprocess_env()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert_clear_failure(result, "cannot restore into")
