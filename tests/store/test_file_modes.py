"""The embedded store is private to its owner: health data is never world-readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mindway.services.runtime import Runtime
from tests.clinic import build_clinic
from tests.conftest import fast_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_sqlite_files_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # a typical, permissive umask
    try:
        settings = fast_settings(tmp_path / "fresh" / "data")
        rt = Runtime.open(settings)
        build_clinic(rt)
        database = settings.data_dir / "mindway.sqlite3"
        files = [database, database.with_name("mindway.sqlite3-wal")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert _mode(settings.data_dir) == 0o700
        rt.close()
    finally:
        os.umask(old_umask)
