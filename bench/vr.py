"""Adaptive VR exposure: the controller against a fixed-step schedule on simulated patients,
at the ``mindway eval vr`` defaults and on a larger population, with the time each took,
plus the 1 Hz protocol path's cost per sample (it must stay far below a second)."""

from __future__ import annotations

import json
import time
from typing import Any

from mindway.vr.evaluation import evaluate_vr
from mindway.vr.protocol import ControllerSession

POPULATIONS = ((50, 7), (200, 11))
PROTOCOL_SAMPLES = 1800


def _protocol_seconds_per_sample() -> float:
    session = ControllerSession()
    session.handle_line(json.dumps({"event": "session_start", "patient": "bench", "session": 1}))
    lines = [
        json.dumps({"t": t, "hr": 70.0 + t % 7, "eda": 2.0, "suds": 30 if t % 30 == 0 else None})
        for t in range(PROTOCOL_SAMPLES)
    ]
    start = time.perf_counter()
    for line in lines:
        session.handle_line(line)
    return (time.perf_counter() - start) / PROTOCOL_SAMPLES


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"evaluations": []}
    for patients, seed in POPULATIONS:
        start = time.perf_counter()
        result = evaluate_vr(patients=patients, seed=seed)
        result["seconds"] = round(time.perf_counter() - start, 1)
        figures["evaluations"].append(result)
    figures["protocol_microseconds_per_sample"] = round(1e6 * _protocol_seconds_per_sample(), 1)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
