"""A patient's exposure progress carried from session to session (JSON-able).

What carries over: the highest intensity mastered (habituation shown there), the fear first
seen at each level last time (to start the next session near the level that drew SUDS ~50-60,
the usual clinical starting point), the learned physiology-to-SUDS mapping and the last
baseline. Gradual progress with a carried hierarchy reduces return of fear (Gershman,
Jones, Norman, Monfils & Niv 2013).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from mindway.vr.arousal import PhysiologyMapping

STEP = 0.1
"""One hierarchy step: intensity 0-1 in ten steps."""
GRID = 0.05
"""The finest step: half a hierarchy step, taken where full steps raised fear too much."""
HISTORY_KEPT = 100
FORMAT_VERSION = 1


def level_key(intensity: float) -> str:
    """The hierarchy level an intensity belongs to, as a stable key ("0.3")."""
    return f"{round(intensity / GRID) * GRID:.2f}"


@dataclass
class PatientProgress:
    """Everything the controller remembers about one patient between sessions."""

    patient: str
    sessions_completed: int = 0
    mastered_intensity: float = 0.0
    start_intensity: float = STEP
    first_fear_by_level: dict[str, float] = field(default_factory=dict)
    mapping: PhysiologyMapping = field(default_factory=PhysiologyMapping)
    baseline_hr: float | None = None
    baseline_eda: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "patient": self.patient,
            "sessions_completed": self.sessions_completed,
            "mastered_intensity": self.mastered_intensity,
            "start_intensity": self.start_intensity,
            "first_fear_by_level": dict(self.first_fear_by_level),
            "mapping": self.mapping.to_dict(),
            "baseline_hr": self.baseline_hr,
            "baseline_eda": self.baseline_eda,
            "history": list(self.history[-HISTORY_KEPT:]),
        }

    def next_start(self, start_fear_max: float) -> float:
        """Where the next session starts: the highest level whose first fear was at most
        ``start_fear_max``, else a step below the easiest level tried; never more than one
        step beyond the highest level mastered."""
        seen = self.first_fear_by_level
        tolerable = [float(k) for k, v in seen.items() if v <= start_fear_max]
        if tolerable:
            start = max(tolerable)
        elif seen:
            start = min(float(k) for k in seen) - STEP
        else:
            start = self.start_intensity
        return snap_level(min(start, self.mastered_intensity + STEP))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PatientProgress:
        """Rebuild from ``to_dict`` output; raises ValueError (or KeyError/TypeError) when
        the document is not one."""
        if data.get("format") != FORMAT_VERSION:
            raise ValueError("unknown progress format")
        return cls(
            patient=str(data["patient"]),
            sessions_completed=int(data["sessions_completed"]),
            mastered_intensity=_unit(data["mastered_intensity"]),
            start_intensity=_unit(data["start_intensity"]),
            first_fear_by_level={
                level_key(float(k)): float(v) for k, v in dict(data["first_fear_by_level"]).items()
            },
            mapping=PhysiologyMapping.from_dict(data["mapping"]),
            baseline_hr=_optional(data.get("baseline_hr")),
            baseline_eda=_optional(data.get("baseline_eda")),
            history=[dict(item) for item in data.get("history", [])][-HISTORY_KEPT:],
        )


def snap_level(level: float, floor: float = STEP) -> float:
    """Snap an intensity to the step grid within [floor, 1]."""
    return max(floor, min(1.0, round(round(level / GRID) * GRID, 10)))


def _unit(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return max(0.0, min(1.0, number))


def _optional(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
