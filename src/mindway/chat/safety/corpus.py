"""The labelled risk corpus (``data/*.jsonl``; provenance and labelling guide in
``data/CORPUS.md``): training files and a held-out file that training never reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from mindway.chat.safety.screening import CATEGORIES, LEVELS, RiskLevel

DATA = Path(__file__).parent / "data"
HELDOUT = "heldout.jsonl"


class CorpusError(ValueError):
    """A corpus line that does not follow the schema; names the file and line."""


@dataclass(frozen=True)
class RiskExample:
    text: str
    level: RiskLevel
    categories: tuple[str, ...]
    kind: str
    context: tuple[str, ...] = ()


def training_files(folder: Path = DATA) -> list[Path]:
    """Every ``*.jsonl`` corpus file except the held-out one, in name order."""
    return sorted(p for p in folder.glob("*.jsonl") if p.name != HELDOUT)


def read_examples(path: Path) -> list[RiskExample]:
    examples: list[RiskExample] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            examples.append(_example(json.loads(line), f"{path.name}:{number}"))
    return examples


def _example(raw: object, where: str) -> RiskExample:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: not an object")
    text, level, categories = raw.get("text"), raw.get("level"), raw.get("categories", [])
    context = raw.get("context", [])
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: text must be a non-empty string")
    if level not in LEVELS:
        raise CorpusError(f"{where}: level {level!r} is not one of {LEVELS}")
    if not isinstance(categories, list) or any(c not in CATEGORIES for c in categories):
        raise CorpusError(f"{where}: unknown category in {categories!r}")
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise CorpusError(f"{where}: context must be a list of strings")
    return RiskExample(
        text=text,
        level=cast(RiskLevel, level),
        categories=tuple(categories),
        kind=str(raw.get("kind", "")),
        context=tuple(context),
    )


def training_examples(folder: Path = DATA) -> list[RiskExample]:
    return [e for path in training_files(folder) for e in read_examples(path)]


def heldout_examples(folder: Path = DATA) -> list[RiskExample]:
    return read_examples(folder / HELDOUT)


def fingerprint(paths: Iterable[Path]) -> str:
    """SHA-256 over the training files' names and bytes: a shipped model names the corpus it
    was trained on, and a test fails when the corpus changed without retraining."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
