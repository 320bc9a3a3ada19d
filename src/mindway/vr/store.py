"""Where patients' progress lives between sessions: memory, or one JSON file per patient.

The server keeps progress in its database (it passes its own store); the command line keeps
it in memory for the life of the process, and on disk only when given a directory. Files are
written atomically (a temporary file in the same directory, flushed, then renamed), and a
patient id becomes a safe file name: unsafe characters replaced and a hash of the full id
appended, so two ids never share a file and no id can name a path outside the directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from mindway.vr.progress import PatientProgress

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class ProgressStore(Protocol):
    def load(self, patient: str) -> PatientProgress | None: ...

    def save(self, progress: PatientProgress) -> None: ...


class MemoryProgressStore:
    """Progress for the life of the process (copies, so callers cannot alias the store)."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[str, object]] = {}

    def load(self, patient: str) -> PatientProgress | None:
        document = self._documents.get(patient)
        return (
            None
            if document is None
            else PatientProgress.from_dict(json.loads(json.dumps(document)))
        )

    def save(self, progress: PatientProgress) -> None:
        self._documents[progress.patient] = json.loads(json.dumps(progress.to_dict()))


def patient_file_name(patient: str) -> str:
    """A file name for any patient id: readable prefix, collision-proof hash suffix."""
    readable = _UNSAFE.sub("_", patient)[:48].strip("_") or "patient"
    digest = hashlib.sha256(patient.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{readable}-{digest}.json"


class DirectoryProgressStore:
    """One JSON file per patient under ``directory``, written atomically; also cached in
    memory so a session in the same process never waits for the disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._memory = MemoryProgressStore()

    def path_for(self, patient: str) -> Path:
        return self.directory / patient_file_name(patient)

    def load(self, patient: str) -> PatientProgress | None:
        cached = self._memory.load(patient)
        if cached is not None:
            return cached
        try:
            document = json.loads(self.path_for(patient).read_text(encoding="utf-8"))
            progress = PatientProgress.from_dict(document)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable or foreign file: start afresh rather than crash
        if progress.patient != patient:
            return None
        self._memory.save(progress)
        return progress

    def save(self, progress: PatientProgress) -> None:
        self._memory.save(progress)
        text = json.dumps(progress.to_dict(), ensure_ascii=False, indent=1)
        target = self.path_for(progress.patient)
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
