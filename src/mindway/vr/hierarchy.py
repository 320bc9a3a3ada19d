"""The exposure hierarchy: situations the patient fears, rated 0-100 SUDS, mapped to scenes.

Built with the patient, graded from least to most feared; exposure climbs it one item at a
time, each item practised until fear comes down (the graded hierarchy of in-vivo exposure:
Wolpe 1958; Craske et al. 2014 for inhibitory learning). Each item names a scene and the
part of that scene's intensity range (``intensity_lo``-``intensity_hi``) it stands for; the
controller's intensity 0-1 for a session on that item is mapped linearly into that range.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from mindway.vr.progress import PatientProgress

Scene = Literal["heights", "spiders", "public_speaking", "cafe", "traffic"]
SCENES: tuple[Scene, ...] = ("heights", "spiders", "public_speaking", "cafe", "traffic")
SAFE_PLACE = "safe_place"
"""The calm scene of coping breaks; never an exposure item."""
SCENE_TITLES: dict[str, str] = {
    "heights": "Heights: a balcony and a glass lift",
    "spiders": "Spiders",
    "public_speaking": "Speaking in front of an audience",
    "cafe": "A busy café",
    "traffic": "Traffic and driving",
    SAFE_PLACE: "Safe place",
}
MAX_LABEL = 200
MIN_RANGE = 0.05
"""An item spans at least one half step of intensity, so the controller can grade within it."""
MAX_ITEMS = 30
MASTERED_AT = 1.0
"""An item is mastered once the controller stepped up from its full intensity (habituation
shown at the top of its range)."""

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class HierarchyItem(BaseModel):
    """One rung: what the situation is, how much distress it is expected to bring, where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Label
    suds: int = Field(ge=0, le=100)
    scene: Scene
    intensity_lo: float = Field(default=0.0, ge=0.0, le=1.0)
    intensity_hi: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _range_rises(self) -> HierarchyItem:
        if self.intensity_hi - self.intensity_lo < MIN_RANGE - 1e-9:
            raise ValueError(
                f"intensity_hi must be at least {MIN_RANGE} above intensity_lo "
                f"(got {self.intensity_lo}-{self.intensity_hi})"
            )
        return self

    def scene_intensity(self, controller_intensity: float) -> float:
        """The scene's intensity for the controller's 0-1 on this item."""
        c = max(0.0, min(1.0, controller_intensity))
        return round(self.intensity_lo + (self.intensity_hi - self.intensity_lo) * c, 4)


ItemStatus = Literal["not started", "in progress", "mastered"]


def status_of(progress: PatientProgress | None) -> ItemStatus:
    """Where the patient stands on one item, from the controller's carried progress."""
    if progress is None or progress.sessions_completed == 0:
        return "not started"
    if progress.mastered_intensity >= MASTERED_AT - 1e-9:
        return "mastered"
    return "in progress"


def ordered(items: list[tuple[str, HierarchyItem]]) -> list[tuple[str, HierarchyItem]]:
    """Items from least to most feared (SUDS, then label), the order exposure climbs."""
    return sorted(items, key=lambda pair: (pair[1].suds, pair[1].label.casefold(), pair[0]))


def next_item(
    items: list[tuple[str, HierarchyItem]], statuses: dict[str, ItemStatus]
) -> str | None:
    """The item to practise next: the least feared one not yet mastered (None when all are)."""
    for key, _item in ordered(items):
        if statuses.get(key, "not started") != "mastered":
            return key
    return None
