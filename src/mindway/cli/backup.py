"""``mindway backup DEST`` and ``mindway restore SRC [--yes]``.

A backup is a folder (see :mod:`mindway.store.backup`): the database copied online (SQLite's
backup API, or ``pg_dump`` for PostgreSQL), the generated key files, and a manifest with a
sha256 per file. Restore checks the hashes and the schema revision before it touches the
store, refuses to replace a store that holds data unless ``--yes``, and verifies the audit
chain afterwards exactly as ``mindway audit verify`` does. Stop the servers before restoring.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from mindway.config import Settings
from mindway.store import backup as archive

NO_KEYS_WARNING = (
    "the keys come from MINDWAY_MASTER_KEYS / MINDWAY_SECRET_KEY and are NOT in this backup: "
    "without those exact keys it cannot be decrypted; keep them safe, apart from the backup"
)


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``mindway`` app."""
    app.command("backup")(backup)
    app.command("restore")(restore)


def _sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file of this store, or None on PostgreSQL."""
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")


def _keys_generated(settings: Settings) -> bool:
    return settings.master_keys is None


def _backup_database(settings: Settings, dest: Path) -> tuple[str, str | None, str]:
    """Copy the database into ``dest``; returns (kind, schema revision, file name)."""
    from mindway.store.db import make_engine

    path = _sqlite_path(settings)
    if path is not None:
        archive.backup_sqlite(path, dest / archive.SQLITE_FILE)
        return "sqlite", archive.sqlite_revision(dest / archive.SQLITE_FILE), archive.SQLITE_FILE
    engine = make_engine(settings.sqlalchemy_url)
    try:
        revision = archive.postgres_revision(engine)
    finally:
        engine.dispose()
    archive.dump_postgres(settings.sqlalchemy_url, dest / archive.PG_FILE)
    return "postgresql", revision, archive.PG_FILE


def backup(
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder to write the backup to.")],
) -> None:
    """Back up the store (online: the server may keep running) into the folder DEST."""
    from mindway.cli.main import err, fail, load_settings, out, reported
    from mindway.security.keys import keys_dir

    settings = load_settings()
    with reported():
        archive.prepare_destination(dest)
        try:
            kind, revision, db_file = _backup_database(settings, dest)
            names = [db_file]
            if _keys_generated(settings):
                names += archive.copy_keys(keys_dir(settings), dest)
            manifest = archive.Manifest(kind, revision, keys_included=len(names) > 1)
            archive.seal_manifest(dest, manifest, names)
        except OSError as exc:
            shutil.rmtree(dest, ignore_errors=True)
            raise fail(f"cannot write the backup to {dest}: {exc.strerror or exc}") from exc
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # never leave a half backup behind
            raise
    out.print(f"backup of the {kind} store (schema {revision}) written to {dest}", soft_wrap=True)
    if manifest.keys_included:
        err.print(
            f"it holds the generated keys ({len(names) - 1} files): anyone with this folder "
            "can read the health data; a copy without the keys/ folder cannot be decrypted",
            soft_wrap=True,
        )
    else:
        err.print(NO_KEYS_WARNING, soft_wrap=True)


def _check_target_empty(settings: Settings, yes: bool) -> None:
    from mindway.cli.main import fail
    from mindway.store.db import make_engine

    path = _sqlite_path(settings)
    if path is not None:
        has_data = archive.sqlite_has_data(path)
    else:
        engine = make_engine(settings.sqlalchemy_url)
        try:
            has_data = archive.postgres_has_data(engine)
        finally:
            engine.dispose()
    if has_data and not yes:
        raise fail("the target store already holds data: pass --yes to replace it")


def _restore_database(settings: Settings, src: Path, kind: str) -> None:
    path = _sqlite_path(settings)
    if kind == "sqlite":
        archive.check_sqlite(src / archive.SQLITE_FILE)
        assert path is not None
        archive.restore_sqlite(src / archive.SQLITE_FILE, path)
    else:
        archive.check_pgdump(src / archive.PG_FILE)
        archive.restore_postgres(settings.sqlalchemy_url, src / archive.PG_FILE)


def restore(
    src: Annotated[Path, typer.Argument(help="A backup folder made by 'mindway backup'.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace a store that holds data.")] = False,
) -> None:
    """Restore the backup SRC into this store (stop the servers first), then verify it."""
    from mindway.cli.main import fail, load_settings, out, reported
    from mindway.security.keys import keys_dir

    settings = load_settings()
    with reported():
        manifest = archive.read_manifest(src)
        target_kind = "sqlite" if _sqlite_path(settings) is not None else "postgresql"
        if manifest.database != target_kind:
            raise fail(
                f"the backup is of a {manifest.database} store but this store is {target_kind}"
            )
        archive.check_revision(manifest.schema_revision)
        try:
            _check_target_empty(settings, yes)
            _restore_database(settings, src, manifest.database)
            if manifest.keys_included and _keys_generated(settings):
                archive.restore_keys(src, manifest, keys_dir(settings))
        except (OSError, sqlite3.Error) as exc:
            where = settings.data_dir if target_kind == "sqlite" else "the database"
            raise fail(f"cannot restore into {where}: {exc}") from exc
        _explain_keys(settings, manifest)
    out.print(
        f"restored the {manifest.database} store from {src} "
        f"(made {manifest.created_at}, schema {manifest.schema_revision})",
        soft_wrap=True,
    )
    _verify_audit()


def _explain_keys(settings: Settings, manifest: archive.Manifest) -> None:
    """Say where the keys of the restored data must come from, when not from the backup."""
    from mindway.cli.main import err

    if manifest.keys_included and _keys_generated(settings):
        return
    if manifest.keys_included:
        message = (
            "the backup's key files were not restored: this store's keys come from the "
            "environment (MINDWAY_MASTER_KEYS), which must be the backup's keys"
        )
    else:
        message = (
            "the backup holds no keys: this store must be given the keys it was made with "
            "(MINDWAY_MASTER_KEYS and MINDWAY_SECRET_KEY)"
        )
    err.print(message, soft_wrap=True)


def _verify_audit() -> None:
    """Open the restored store (migrating an older schema, checking the keys) and verify the
    audit chain with the same function as ``mindway audit verify``."""
    from mindway.cli.main import fail, out, runtime
    from mindway.services import audit_log

    with runtime() as rt:
        try:
            result = audit_log.verify(rt)
        except ValueError as exc:
            raise fail(f"audit log broken: a row holds an unreadable value ({exc})") from exc
    if not result.ok:
        raise fail(f"audit log broken at row {result.first_bad_seq}: {result.problem}")
    out.print(f"audit log intact: {result.rows_checked} rows verified")
