"""Backups of a Mindway store: one folder with the database, the generated keys and a manifest.

    DEST/
      manifest.json      format version, time, database kind, schema revision, sha256 per file
      mindway.sqlite3    SQLite: an online copy made with SQLite's backup API
      mindway.pgdump     PostgreSQL: ``pg_dump --format=custom``
      keys/...           the generated key files of ``<data dir>/keys`` (none when the keys
                         come from the environment: the operator keeps those)

SQLite's backup API copies a consistent snapshot while the server keeps writing (it reads
inside one transaction, which WAL readers never block); see https://sqlite.org/backup.html.
``pg_dump`` likewise dumps one MVCC snapshot of a running database
(https://www.postgresql.org/docs/current/app-pgdump.html). The manifest is written last, so a
folder without one is an unfinished backup. Restoring checks every hash before touching the
store, and refuses a schema newer than this code's migrations.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from mindway.errors import MindwayError
from mindway.store.db import alembic_config

FORMAT = "mindway-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "mindway.sqlite3"
PG_FILE = "mindway.pgdump"
KEYS = "keys"
PG_TIMEOUT_S = 600
# Tables whose rows make a store "not empty" (restore then asks for --yes).
CORE_TABLES = ("account", "patient", "audit_event")


class BackupError(MindwayError):
    """A backup cannot be made or restored; the message says why in one line."""


@dataclass
class Manifest:
    database: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    keys_included: bool
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 hex
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        data = {"format": FORMAT, **self.__dict__}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_private_bytes(path: Path, data: bytes) -> None:
    """Create ``path`` 0600 (it holds health data or keys) and write ``data`` to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# --- destination and source folders ---------------------------------------------------------


def prepare_destination(dest: Path) -> None:
    """Create ``dest`` (0700); it must not exist yet, or be an empty folder."""
    try:
        if dest.exists():
            if not dest.is_dir() or any(dest.iterdir()):
                raise BackupError(f"destination {dest} exists and is not an empty folder")
            os.chmod(dest, 0o700)
        else:
            dest.mkdir(mode=0o700, parents=True)
        probe = dest / ".write-test"
        write_private_bytes(probe, b"")
        probe.unlink()
    except OSError as exc:
        raise BackupError(f"destination {dest} is not writable: {exc.strerror or exc}") from exc


def copy_keys(keys_dir: Path, dest: Path) -> list[str]:
    """Copy the generated key files (0600); returns their paths relative to ``dest``."""
    if not keys_dir.is_dir():
        return []
    (dest / KEYS).mkdir(mode=0o700, exist_ok=True)
    copied = []
    for source in sorted(keys_dir.iterdir()):
        if source.is_file() and not source.name.endswith(".tmp"):
            write_private_bytes(dest / KEYS / source.name, source.read_bytes())
            copied.append(f"{KEYS}/{source.name}")
    return copied


def seal_manifest(dest: Path, manifest: Manifest, names: list[str]) -> Manifest:
    """Hash every file and write the manifest last (atomically): its presence means done."""
    manifest.files = {name: sha256_file(dest / name) for name in names}
    tmp = dest / (MANIFEST + ".tmp")
    write_private_bytes(tmp, manifest.to_json().encode())
    os.replace(tmp, dest / MANIFEST)
    return manifest


def _safe_name(name: str) -> bool:
    """Only the file names a backup can hold: no absolute paths, no ``..`` (path traversal)."""
    if name in (SQLITE_FILE, PG_FILE):
        return True
    head, _, tail = name.partition("/")
    return head == KEYS and bool(tail) and "/" not in tail and tail not in (".", "..")


def read_manifest(src: Path) -> Manifest:
    """The verified manifest of backup folder ``src``: every listed file present, hash equal."""
    if not src.is_dir():
        raise BackupError(f"backup {src} not found (expected a folder made by 'mindway backup')")
    try:
        data: dict[str, Any] = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
        if data.pop("format") != FORMAT:
            raise ValueError("not a Mindway backup")
        manifest = Manifest(**data)
    except FileNotFoundError as exc:
        raise BackupError(f"backup {src} is incomplete or corrupt: no {MANIFEST}") from exc
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"backup {src} is corrupt: unreadable {MANIFEST} ({exc})") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.format_version} is not supported here")
    if manifest.database not in ("sqlite", "postgresql"):
        raise BackupError(f"backup {src} is corrupt: unknown database {manifest.database!r}")
    database_file = SQLITE_FILE if manifest.database == "sqlite" else PG_FILE
    if database_file not in manifest.files:
        raise BackupError(f"backup {src} is corrupt: the manifest lists no {database_file}")
    for name, expected in manifest.files.items():
        if not _safe_name(name):
            raise BackupError(f"backup {src} is corrupt: unexpected file name {name!r}")
        path = src / name
        if not path.is_file():
            raise BackupError(f"backup {src} is corrupt: {name} is missing")
        if sha256_file(path) != expected:
            raise BackupError(f"backup {src}: hash mismatch for {name} (altered or damaged)")
    return manifest


def restore_keys(src: Path, manifest: Manifest, keys_dir: Path) -> int:
    """Put the backup's key files into ``keys_dir`` (0700 folder, 0600 files)."""
    names = [n for n in manifest.files if n.startswith(KEYS + "/")]
    if not names:
        return 0
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    for name in names:
        target = keys_dir / name.split("/", 1)[1]
        tmp = target.with_name(target.name + ".restore")
        write_private_bytes(tmp, (src / name).read_bytes())
        os.replace(tmp, target)
    return len(names)


# --- schema revisions ---------------------------------------------------------------------


def code_heads() -> tuple[str, ...]:
    """The newest migration(s) this code knows."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return tuple(script.get_heads())


def check_revision(revision: str | None) -> None:
    """Refuse a backup whose schema this code does not know (made by a newer Mindway)."""
    if revision is None:
        return  # an empty store, never migrated: the server migrates it after restore
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = script.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        heads = ", ".join(code_heads())
        raise BackupError(
            f"the backup's schema revision {revision} is newer than this Mindway's ({heads}): "
            "restore it with the Mindway version that made it"
        )


# --- SQLite ----------------------------------------------------------------------------------


def _open_existing(path: Path) -> sqlite3.Connection:
    """Open an existing SQLite file without creating one (mode=rw)."""
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)


def sqlite_revision(path: Path) -> str | None:
    with closing(_open_existing(path)) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # no such table: never migrated
            return None
    return None if row is None else str(row[0])


def backup_sqlite(db_path: Path, target: Path) -> None:
    """Copy the live database into ``target`` (0600) in one consistent step, then make the
    copy a self-contained rollback-journal file (no -wal beside it)."""
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path}: nothing to back up")
    write_private_bytes(target, b"")
    try:
        with closing(_open_existing(db_path)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # pages=-1: all pages under one read transaction
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {db_path} into {target}: {exc}") from exc


def check_sqlite(path: Path) -> None:
    """``PRAGMA quick_check`` on the backup copy before it replaces anything."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"backup database {path.name} is corrupt: {exc}") from exc
    if result is None or result[0] != "ok":
        raise BackupError(f"backup database {path.name} is corrupt: {result}")


def sqlite_has_data(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with closing(_open_existing(path)) as db:
        for table in CORE_TABLES:
            try:
                if db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():  # noqa: S608
                    return True
            except sqlite3.OperationalError:  # no such table
                continue
    return False


def restore_sqlite(source: Path, db_path: Path) -> None:
    """Copy the backup into the store's database through SQLite itself (so a stale -wal file
    can never be replayed over it); the engine switches it back to WAL on its next open."""
    db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not db_path.exists():
        write_private_bytes(db_path, b"")
    try:
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup,
            closing(sqlite3.connect(db_path, timeout=30)) as live,
        ):
            live.execute("PRAGMA journal_mode=DELETE")  # checkpoints and drops the WAL
            backup.backup(live)
    except sqlite3.Error as exc:
        hint = " (stop the servers first)" if "locked" in str(exc) else ""
        raise BackupError(f"cannot restore into {db_path}: {exc}{hint}") from exc


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` on PATH, else the newest in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return max(candidates, key=_major_version)


def _major_version(binary: str) -> int:
    folder = Path(binary).parts[-3]  # /usr/lib/postgresql/<major>/bin/<tool>
    return int(folder) if folder.isdigit() else 0


def libpq_target(sqlalchemy_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (it would show in ``ps``) and the environment that
    carries the password instead."""
    url = make_url(sqlalchemy_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed binaries, no shell
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[0] if lines else done.returncode}")


def dump_postgres(sqlalchemy_url: str, target: Path) -> None:
    """``pg_dump --format=custom`` of the whole database into ``target`` (0600)."""
    url, env = libpq_target(sqlalchemy_url)
    write_private_bytes(target, b"")
    command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), url]
    _run(command, env, "pg_dump")
    os.chmod(target, 0o600)


def restore_postgres(sqlalchemy_url: str, source: Path) -> None:
    """``pg_restore --clean --if-exists`` in one transaction: all of it, or nothing."""
    url, env = libpq_target(sqlalchemy_url)
    command = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--dbname",
        url,
        str(source),
    ]
    _run(command, env, "pg_restore")


def check_pgdump(source: Path) -> None:
    """``pg_restore --list`` reads the archive's table of contents: a cheap corruption check."""
    _run([pg_tool("pg_restore"), "--list", str(source)], dict(os.environ), "reading the dump")


def postgres_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def postgres_has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in CORE_TABLES:
            if table in present:
                query = text(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608 - fixed names
                if conn.execute(query).first() is not None:
                    return True
    return False
