"""A simulated patient (``mindway.vr.simulation``) sending one sample a second to a session."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from typing import Any

from mindway.vr.simulation import SimulatedPatient, draw_parameters

Send = Callable[[dict[str, Any]], dict[str, Any]]
ITEM = {
    "label": "Standing on a balcony on the fourth floor",
    "suds": 55,
    "scene": "heights",
    "intensity_lo": 0.2,
    "intensity_hi": 0.8,
}


def patient(seed: int = 7) -> SimulatedPatient:
    return SimulatedPatient(draw_parameters(random.Random(seed)), seed)


def drive(send: Send, sim: SimulatedPatient, seconds: int, t0: int = 0) -> list[dict[str, Any]]:
    """Send ``seconds`` samples from t0 on; the scene applies each reply's intensity."""
    replies: list[dict[str, Any]] = []
    intensity, coping = 0.0, False
    for t in range(t0, t0 + seconds):
        obs = sim.step(intensity, coping)
        reply = send({"t": float(t), "hr": obs.hr, "eda": obs.eda, "suds": obs.suds})
        replies.append(reply)
        if "intensity" in reply:
            intensity, coping = reply["intensity"], reply["state"] == "coping"
    return replies


def deliver_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Run the callbacks a live session queued for watchers on ``loop`` (``call_soon_threadsafe``).
    The loop runs in a thread of its own: the test's thread may already have a running loop
    (a browser test before it, in the same worker)."""
    drain = threading.Thread(target=loop.run_until_complete, args=(asyncio.sleep(0),))
    drain.start()
    drain.join()
