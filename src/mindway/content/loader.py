"""Loads and validates the content files once, at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

CONTENT_DIR = Path(__file__).parent
FALLBACK_LOCALE = "en-US"


class CrisisResource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    description: str
    phone: str | None = None
    text: str | None = None

    @property
    def tel(self) -> str | None:
        return "".join(c for c in self.phone if c.isdigit()) if self.phone else None


class CrisisPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    heading: str
    intro: str
    resources: list[CrisisResource] = Field(min_length=1)


class ConsentPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    title: str
    text: str


def _load(name: str) -> object:
    return yaml.safe_load((CONTENT_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def crisis_pages() -> dict[str, CrisisPage]:
    return TypeAdapter(dict[str, CrisisPage]).validate_python(_load("crisis_resources.yaml"))


def crisis_page(locale: str) -> CrisisPage:
    """The locale's crisis resources; same language elsewhere, else US English."""
    pages = crisis_pages()
    if locale in pages:
        return pages[locale]
    language = locale.split("-")[0]
    for code, page in pages.items():
        if code.startswith(language + "-"):
            return page
    return pages[FALLBACK_LOCALE]


@lru_cache(maxsize=1)
def consent_policies() -> dict[str, ConsentPolicy]:
    return TypeAdapter(dict[str, ConsentPolicy]).validate_python(_load("consent_policies.yaml"))


def validate_all() -> None:
    """Raise at start-up if any content file is malformed."""
    crisis_pages()
    consent_policies()
    if FALLBACK_LOCALE not in crisis_pages():
        raise ValueError(f"crisis resources must include {FALLBACK_LOCALE}")
