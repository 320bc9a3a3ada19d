"""A store in a temporary data folder, driven through the ``mindway`` command line.

Commands run in-process with typer's ``CliRunner`` (fast) and, where the process boundary
matters (serving, tracebacks), as real subprocesses. Argon2 runs with cheap parameters.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from mindway.cli.main import app
from mindway.config import Settings, get_settings
from mindway.services.demo import DEMO_LOGINS
from mindway.services.runtime import Runtime

FAST_HASHING = {"MINDWAY_ARGON2_TIME_COST": "1", "MINDWAY_ARGON2_MEMORY_KIB": "1024"}
# Variables from the developer's shell that must not leak into a test's store.
UNSET = (
    "MINDWAY_DATABASE_URL",
    "MINDWAY_MASTER_KEYS",
    "MINDWAY_SECRET_KEY",
    "MINDWAY_PRODUCTION",
    "MINDWAY_VAPID_PRIVATE_KEY",
    "MINDWAY_VAPID_SUBJECT",
)
DEMO_ARGS = ("demo", "--patients", "5", "--seed", "3")


@dataclass
class Store:
    """One Mindway store (a data folder, optionally a PostgreSQL URL) and its CLI."""

    data_dir: Path
    database_url: str | None = None

    @property
    def env(self) -> dict[str, str | None]:
        env: dict[str, str | None] = {name: None for name in UNSET}
        env |= FAST_HASHING | {"MINDWAY_DATA_DIR": str(self.data_dir)}
        if self.database_url:
            env["MINDWAY_DATABASE_URL"] = self.database_url
        return env

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "mindway.sqlite3"

    def run(self, *args: str, input: str | None = None, **env: str) -> Result:
        """``mindway ARGS`` in-process; settings are re-read from this store's environment."""
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args), input=input, env=self.env | env)
        finally:
            get_settings.cache_clear()

    def subprocess_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        return env | {k: v for k, v in self.env.items() if v is not None}

    def spawn(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``mindway ARGS`` as a separate process, as a user runs it."""
        return subprocess.run(
            [sys.executable, "-m", "mindway", *args],
            env=self.subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            database_url=self.database_url,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
        )

    @contextmanager
    def runtime(self) -> Iterator[Runtime]:
        rt = Runtime.open(self.settings())
        try:
            yield rt
        finally:
            rt.close()

    def sql(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the SQLite file directly, as anyone with access to the file could."""
        with closing(sqlite3.connect(self.sqlite_file)) as db, db:
            return db.execute(statement, params).fetchall()

    def patient_id(self, username: str = DEMO_LOGINS["patient"][0]) -> uuid.UUID:
        rows = self.sql("SELECT patient_id FROM account WHERE username = ?", (username,))
        assert rows, f"no account {username}"
        return uuid.UUID(hex=rows[0][0])

    def patient_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(hex=row[0]) for row in self.sql("SELECT id FROM patient")]

    def export(self, patient_id: uuid.UUID) -> dict[str, Any]:
        result = self.run("export", "patient", str(patient_id))
        assert result.exit_code == 0, result.output
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def audit_actions(self) -> list[tuple[str, str, str | None]]:
        rows = self.sql("SELECT action, outcome, resource_id FROM audit_event ORDER BY seq")
        return [(str(a), str(o), r) for a, o, r in rows]


def error_line(result: Result | subprocess.CompletedProcess[str]) -> str:
    """The one line a failing command printed on stderr (and that it is only one)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
