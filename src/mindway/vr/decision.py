"""What the controller takes in and gives out each second, and the therapist's overrides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

OVERRIDE_ACTIONS = ("pause", "resume", "hold", "step_down", "end")


class State(StrEnum):
    """The session's state as the scene shows it (coping: the safe place, breathing)."""

    BASELINE = "baseline"
    EXPOSURE = "exposure"
    COPING = "coping"
    PAUSED = "paused"
    ENDED = "ended"


@dataclass(frozen=True)
class Sample:
    """One second of input, already validated (None where missing or implausible)."""

    t: float
    hr: float | None = None
    eda: float | None = None
    suds: int | None = None


@dataclass(frozen=True)
class Decision:
    """The intensity for the next second, the state and why (the protocol's sample reply)."""

    intensity: float
    state: State
    reason: str

    def to_reply(self) -> dict[str, Any]:
        return {
            "intensity": round(self.intensity, 3),
            "state": str(self.state),
            "reason": self.reason,
        }
