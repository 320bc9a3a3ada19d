"""The exposure hierarchy: items validated, ordered from least to most feared (graded
exposure, Wolpe 1958; Craske et al. 2014), mapped into their scene's intensity range."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mindway.vr.hierarchy import HierarchyItem, next_item, ordered, status_of
from mindway.vr.progress import PatientProgress


def item(label: str = "Balcony", suds: int = 40, **extra: object) -> HierarchyItem:
    return HierarchyItem.model_validate({"label": label, "suds": suds, "scene": "heights"} | extra)


def test_controller_intensity_maps_into_the_items_range() -> None:
    rung = item(intensity_lo=0.2, intensity_hi=0.6)
    assert [rung.scene_intensity(x) for x in (-1, 0, 0.5, 1, 2)] == [0.2, 0.2, 0.4, 0.6, 0.6]


@pytest.mark.parametrize(
    "bad",
    [
        {"suds": -1},
        {"suds": 101},
        {"scene": "safe_place"},  # the safe place is for coping, never an exposure item
        {"label": "   "},
        {"label": "x" * 201},
        {"intensity_lo": 0.5, "intensity_hi": 0.52},
        {"intensity_hi": 1.5},
        {"extra": 1},
    ],
)
def test_bad_items_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HierarchyItem.model_validate({"label": "Balcony", "suds": 40, "scene": "heights"} | bad)


def test_the_hierarchy_climbs_from_least_feared_and_skips_mastered_rungs() -> None:
    items = [("c", item("Glass lift", 80)), ("a", item("Window", 20)), ("b", item("Balcony", 50))]
    assert [key for key, _ in ordered(items)] == ["a", "b", "c"]
    assert next_item(items, {}) == "a"
    assert next_item(items, {"a": "mastered"}) == "b"
    assert next_item(items, dict.fromkeys("abc", "mastered")) is None


def test_status_follows_the_controllers_progress() -> None:
    assert status_of(None) == "not started"
    progress = PatientProgress(patient="p/i", sessions_completed=2, mastered_intensity=0.6)
    assert status_of(progress) == "in progress"
    progress.mastered_intensity = 1.0
    assert status_of(progress) == "mastered"
