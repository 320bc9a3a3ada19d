"""Drive a ControllerSession with scripted samples (shared by the vr tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mindway.vr.protocol import ControllerSession

SudsScript = Callable[[int], int | None]


def start(session: ControllerSession, patient: str = "p1", number: int = 1) -> None:
    assert session.handle({"event": "session_start", "patient": patient, "session": number}) == {
        "ok": True
    }


def run(
    session: ControllerSession,
    t_from: int,
    t_to: int,
    suds: SudsScript,
    hr: float | None = 72.0,
    eda: float | None = None,
) -> list[dict[str, Any]]:
    """Send one sample a second for t in [t_from, t_to); return the replies."""
    return [
        session.handle({"t": float(t), "hr": hr, "eda": eda, "suds": suds(t)})
        for t in range(t_from, t_to)
    ]


def constant(value: int, every: int = 5) -> SudsScript:
    return lambda t: value if t % every == 0 else None
