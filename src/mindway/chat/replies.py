"""The companion's fixed replies per language (``data/replies.yaml``), loaded once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _replies() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((DATA / "replies.yaml").read_text(encoding="utf-8"))
    english = set(raw[FALLBACK_LANGUAGE])
    for language, table in raw.items():
        if set(table) != english:
            missing = sorted(english ^ set(table))
            raise ValueError(f"replies.yaml: {language} differs from en in {missing}")
    return {lang: {k: " ".join(str(v).split()) for k, v in t.items()} for lang, t in raw.items()}


def language_of(locale: str) -> str:
    language = locale.split("-")[0].lower()
    return language if language in _replies() else FALLBACK_LANGUAGE


def reply(key: str, locale: str, **values: Any) -> str:
    """The reply ``key`` in the locale's language (English if not translated), filled in."""
    return _replies()[language_of(locale)][key].format(**values)
