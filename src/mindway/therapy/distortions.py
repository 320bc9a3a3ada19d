"""Cognitive distortions ("thinking traps") as data, with example automatic thoughts.

The list is the classic one from cognitive therapy (Beck et al. 1979, *Cognitive Therapy of
Depression*; Burns 1980, *Feeling Good*): each entry has a plain-language description, a
Socratic question that challenges it, and 8-12 first-person example thoughts. The chat
companion embeds the examples to suggest which trap an automatic thought may fit, so the
examples must be varied and each must belong to exactly one distortion.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mindway.therapy.library import ContentError

__all__ = ["DISTORTIONS_FILE", "Distortion", "load_distortions", "load_distortions_from"]

DISTORTIONS_FILE = Path(__file__).parent / "data" / "cognitive_distortions.yaml"


class Distortion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    question: str = Field(min_length=1)
    examples: tuple[str, ...] = Field(min_length=8, max_length=12)
    sources: tuple[str, ...] = Field(min_length=1)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("distortions"), list):
        raise ContentError(f"{path}: needs a 'distortions' list")
    if not isinstance(raw.get("sources"), dict):
        raise ContentError(f"{path}: needs a 'sources' mapping of key to citation")
    return raw


def _distortion(entry: Any, citations: dict[str, str], path: Path) -> Distortion:
    """Validate one entry, replacing its source keys by the full citations."""
    if not isinstance(entry, dict):
        raise ContentError(f"{path}: each distortion must be a mapping")
    keys = entry.get("sources", [])
    unknown = [k for k in keys if k not in citations]
    if unknown:
        raise ContentError(f"{path}: {entry.get('id')!r} cites unknown sources {unknown}")
    try:
        return Distortion.model_validate({**entry, "sources": [citations[k] for k in keys]})
    except ValidationError as exc:
        raise ContentError(f"{path}: distortion {entry.get('id')!r}: {exc}") from exc


def load_distortions_from(path: Path) -> tuple[Distortion, ...]:
    """Read and check a distortions file: valid entries, unique ids, no shared examples."""
    raw = _read(path)
    distortions = tuple(_distortion(e, raw["sources"], path) for e in raw["distortions"])
    seen_ids: set[str] = set()
    seen_examples: dict[str, str] = {}
    for distortion in distortions:
        if distortion.id in seen_ids:
            raise ContentError(f"{path}: distortion id {distortion.id!r} appears twice")
        seen_ids.add(distortion.id)
        for example in distortion.examples:
            key = example.casefold()
            if key in seen_examples:
                raise ContentError(
                    f"{path}: example {example!r} in both {seen_examples[key]!r}"
                    f" and {distortion.id!r}"
                )
            seen_examples[key] = distortion.id
    return distortions


@cache
def load_distortions() -> tuple[Distortion, ...]:
    """The packaged list of cognitive distortions (read once, then cached)."""
    return load_distortions_from(DISTORTIONS_FILE)
