"""A versioned model registry in a directory: ``DIR/v<N>/model.joblib`` + ``manifest.json``.

The manifest records the version, the SHA-256 of the artefact, a hash of the training data,
the columns, arms, outcome direction and metrics. Loading checks the artefact's hash against
the manifest *before* unpickling it, so a tampered or swapped file is refused (joblib, like
pickle, must only load trusted files: the hash is what makes a file trusted here).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from mindway.errors import InvalidInput, NotFound

ARTEFACT = "model.joblib"
MANIFEST = "manifest.json"
FORMAT = 1
VERSION_DIR = re.compile(r"^v(\d+)$")


class TamperedModel(InvalidInput):
    """The artefact's bytes differ from the hash its manifest recorded."""


@dataclass(frozen=True)
class SavedModel:
    """What ``load`` returns: the fitted bundle and its manifest."""

    bundle: Any
    manifest: dict[str, Any]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_sha256(frame: pd.DataFrame) -> str:
    """A hash of the training table's content (column names and values, in order)."""
    text = frame.to_csv(index=False).encode("utf-8")
    return hashlib.sha256(text).hexdigest()


def versions(model_dir: Path) -> list[int]:
    if not model_dir.is_dir():
        return []
    found = (VERSION_DIR.match(p.name) for p in model_dir.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def save(model_dir: Path, bundle: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the next version; returns the manifest as written."""
    version = (versions(model_dir) or [0])[-1] + 1
    target = model_dir / f"v{version}"
    target.mkdir(parents=True, exist_ok=False)
    artefact = target / ARTEFACT
    joblib.dump(bundle, artefact, compress=3)
    artefact.chmod(0o600)
    written = {
        "format": FORMAT,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "artefact": ARTEFACT,
        "sha256": file_sha256(artefact),
        "libraries": {n: metadata.version(n) for n in ("scikit-learn", "lightgbm", "numpy")},
        **manifest,
    }
    (target / MANIFEST).write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    return written


def read_manifest(model_dir: Path, version: int | None = None) -> tuple[Path, dict[str, Any]]:
    known = versions(model_dir)
    if not known:
        raise NotFound(f"no trained model in {model_dir} (run 'mindway recommend train')")
    chosen = known[-1] if version is None else version
    if chosen not in known:
        raise NotFound(f"model version {chosen} not found in {model_dir}")
    target = model_dir / f"v{chosen}"
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"unreadable manifest in {target}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InvalidInput(f"unreadable manifest in {target}")
    return target, manifest


def load(model_dir: Path, version: int | None = None) -> SavedModel:
    """The latest (or given) version, after checking its hash."""
    target, manifest = read_manifest(model_dir, version)
    artefact = target / str(manifest.get("artefact", ARTEFACT))
    if not artefact.is_file():
        raise NotFound(f"model artefact missing: {artefact}")
    if file_sha256(artefact) != manifest.get("sha256"):
        raise TamperedModel(
            f"{artefact} does not match the SHA-256 in its manifest; refusing to load it"
        )
    return SavedModel(bundle=joblib.load(artefact), manifest=manifest)
