"""Psychoeducation answers retrieved from Mindway's own content library, never generated:
the best-matching section of a module, with the module it comes from named."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mindway.chat.embedding import Vectors, embed
from mindway.therapy.library import Section, load_library

MIN_SIMILARITY = 0.35


@dataclass(frozen=True)
class Answer:
    module_id: str
    title: str
    heading: str
    text: str
    similarity: float


@lru_cache(maxsize=4)
def _index(locale: str) -> tuple[list[Section], Vectors, dict[str, str]]:
    library = load_library(locale)
    passages = library.passages()
    titles = {m.id: m.meta.title for m in library.modules.values()}
    vectors = embed([f"{titles[p.module_id]}. {p.heading}. {p.text}" for p in passages])
    return passages, vectors, titles


def answer(question: str, locale: str = "en") -> Answer | None:
    """The content section that best answers ``question``, or None if none is close."""
    passages, vectors, titles = _index(locale.split("-")[0])
    similarity = vectors @ embed([question])[0]
    best = int(similarity.argmax())
    if float(similarity[best]) < MIN_SIMILARITY:
        return None
    passage = passages[best]
    return Answer(
        passage.module_id,
        titles[passage.module_id],
        passage.heading,
        passage.text,
        round(float(similarity[best]), 3),
    )
