"""Content lints an editor can run before a release (``mindway therapy content --lint``).

Loading the library already refuses malformed front matter and broken module links
(:mod:`mindway.therapy.library`); these checks add what a loader need not enforce: plain
language, a Flesch-Kincaid grade (Kincaid et al. 1975) of at most :data:`MAX_GRADE`, near the
US grade 6-8 that plain-language health guidance asks for (NIH Clear & Simple; CDC Clear
Communication Index 2019), and full citations (a year and more than a bare name).

Syllables come from pyphen's hyphenation dictionary, the fallback textstat uses, so the
figure is the same on every machine and nothing is downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from mindway.therapy.library import Library, Module

if TYPE_CHECKING:
    from pyphen import Pyphen  # type: ignore[import-untyped]  # (no stubs)

__all__ = ["MAX_GRADE", "ModuleReport", "lint_library", "reading_grade"]

MAX_GRADE: Final = 8.5
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")  # don't, well-being
_YEAR = re.compile(r"\b(19|20)\d\d\b")
MIN_SOURCE_CHARS: Final = 40


@cache
def _hyphenator() -> Pyphen:
    from pyphen import Pyphen  # installed with textstat, the content tests' library

    return Pyphen(lang="en_US")


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade: 0.39 x words per sentence + 11.8 x syllables per word - 15.59."""
    words = _WORD.findall(text)
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    if not words:
        return 0.0
    hyphenator = _hyphenator()
    syllables = sum(len(hyphenator.positions(w.lower())) + 1 for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


@dataclass(frozen=True)
class ModuleReport:
    """One module's facts for the content listing, and its lint problems (if any)."""

    id: str
    kind: str
    title: str
    minutes: int
    words: int
    grade: float
    sources: int
    problems: tuple[str, ...]


def _problems(module: Module, grade: float) -> list[str]:
    found = []
    if grade > MAX_GRADE:
        found.append(f"reading grade {grade:.1f} is above {MAX_GRADE}")
    for source in module.meta.sources:
        if not _YEAR.search(source) or len(source) <= MIN_SOURCE_CHARS:
            found.append(f"incomplete citation {source!r}")
    if not module.meta.summary.endswith("."):
        found.append("the summary is not one full sentence")
    if not module.meta.related:
        found.append("relates to no other module")
    return found


def lint_library(library: Library) -> list[ModuleReport]:
    """A report for every module of ``library``, in id order."""
    reports = []
    for module in library.modules.values():
        grade = reading_grade(module.plain_text())
        reports.append(
            ModuleReport(
                id=module.id,
                kind=module.meta.kind,
                title=module.meta.title,
                minutes=module.meta.minutes,
                words=len(module.body.split()),
                grade=round(grade, 2),
                sources=len(module.meta.sources),
                problems=tuple(_problems(module, grade)),
            )
        )
    return reports
