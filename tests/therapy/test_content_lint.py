"""The content lints behind ``mindway therapy content --lint``: the reading grade agrees with
textstat's Flesch-Kincaid grade (Kincaid et al. 1975), and a problem is named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import textstat
from textstat.backend.counts import _count_syllables

from mindway.therapy.content_lint import MAX_GRADE, lint_library, reading_grade
from mindway.therapy.library import Library, load_library


@pytest.fixture
def offline_syllables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat without the CMU dictionary (it would download it): pyphen only, as ours."""
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    _count_syllables.count_syllables.cache_clear()
    yield
    _count_syllables.count_syllables.cache_clear()


def test_reading_grade_agrees_with_textstat(offline_syllables: None) -> None:
    for module in load_library("en").modules.values():
        text = module.plain_text()
        assert abs(reading_grade(text) - textstat.flesch_kincaid_grade(text)) < 1.5, module.id


def test_a_hard_text_scores_higher_than_a_plain_one() -> None:
    plain = "We sit. We breathe in. We breathe out. It is fine to stop."
    hard = (
        "Psychoeducational interventions systematically operationalise cognitive restructuring "
        "methodologies, notwithstanding considerable interindividual heterogeneity."
    )
    assert reading_grade(plain) < 3 < MAX_GRADE < reading_grade(hard)


def test_problems_are_named() -> None:
    library = load_library("en")
    module = library.get("paced_breathing")
    meta = module.meta.model_copy(update={"sources": ("Someone 2020",), "related": ()})
    hard = (
        "Notwithstanding considerable interindividual heterogeneity, psychophysiological "
        "interventions operationalise parasympathetic cardiorespiratory regulation."
    )
    sections = tuple(s.model_copy(update={"text": hard}) for s in module.sections)
    broken = module.model_copy(update={"meta": meta, "sections": sections})
    (report,) = lint_library(Library(locale="en", modules={broken.id: broken}))
    assert any(p.startswith("reading grade") for p in report.problems)
    assert "incomplete citation 'Someone 2020'" in report.problems
    assert "relates to no other module" in report.problems
    assert all(not r.problems for r in lint_library(library))
