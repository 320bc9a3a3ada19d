"""The cognitive distortions list (Beck et al. 1979; Burns 1980) used to suggest thinking traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from mindway.therapy.distortions import DISTORTIONS_FILE, load_distortions, load_distortions_from
from mindway.therapy.library import ContentError

CLASSIC = {
    "all_or_nothing",
    "overgeneralisation",
    "mental_filter",
    "disqualifying_the_positive",
    "mind_reading",
    "fortune_telling",
    "catastrophising",
    "emotional_reasoning",
    "should_statements",
    "labelling",
    "personalisation",
    "blaming",
}


def test_twelve_classic_distortions_with_unique_ids() -> None:
    distortions = load_distortions()
    ids = [d.id for d in distortions]
    assert len(ids) == len(set(ids)) == 12
    assert set(ids) == CLASSIC


def test_each_has_question_sources_and_8_to_12_distinct_examples() -> None:
    for distortion in load_distortions():
        assert 8 <= len(distortion.examples) <= 12, distortion.id
        assert len({e.casefold() for e in distortion.examples}) == len(distortion.examples)
        assert distortion.question.endswith("?"), distortion.id
        assert all("Burns" in s or "Beck" in s for s in distortion.sources), distortion.id
        assert all(e.strip() == e and len(e.split()) >= 3 for e in distortion.examples)


def test_examples_are_first_person() -> None:
    for distortion in load_distortions():
        first_person = [
            e for e in distortion.examples if any(w in e.lower() for w in ("i ", "i'", "my ", "me"))
        ]
        assert len(first_person) >= len(distortion.examples) - 4, distortion.id


def test_duplicate_id_is_refused(tmp_path: Path) -> None:
    text = DISTORTIONS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "d.yaml"
    bad.write_text(text.replace("id: blaming", "id: labelling"), encoding="utf-8")
    with pytest.raises(ContentError, match="'labelling' appears twice"):
        load_distortions_from(bad)


def test_too_few_examples_and_unknown_source_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text(
        "sources: {a: 'A citation'}\ndistortions:\n  - id: x\n    name: X\n    description: d\n"
        "    question: q?\n    examples: [one two three]\n    sources: [a]\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="'x'"):
        load_distortions_from(bad)
    bad.write_text(bad.read_text().replace("sources: [a]", "sources: [b]"), encoding="utf-8")
    with pytest.raises(ContentError, match="unknown sources"):
        load_distortions_from(bad)
