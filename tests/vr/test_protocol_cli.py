"""``mindway vr control``: the JSON-lines contract, checked on a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MINDWAY = Path(sys.executable).with_name("mindway")


class Controller:
    """A running ``mindway vr control``: send one line, read its one reply."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(MINDWAY), "vr", "control", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def send(self, line: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()  # blocks unless the reply was flushed at once
        assert reply.endswith("\n"), f"no reply to {line!r}"
        value: dict[str, Any] = json.loads(reply)
        return value

    def message(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.send(json.dumps(obj))

    def close(self) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        rest = self.process.stdout.read()
        assert self.process.wait(timeout=30) == 0
        return rest


@pytest.fixture
def controller() -> Controller:
    return Controller()


def _baseline(c: Controller, patient: str = "p1", session: int = 1) -> None:
    assert c.message({"event": "session_start", "patient": patient, "session": session}) == {
        "ok": True
    }
    for t in range(60):
        reply = c.message({"t": t, "hr": 70.0, "eda": 2.0, "suds": 10 if t % 30 == 0 else None})
        assert reply["state"] == "baseline" and reply["intensity"] == 0


def test_one_flushed_reply_per_line_in_the_exact_shape(controller: Controller) -> None:
    _baseline(controller)
    for t in range(60, 90):
        reply = controller.message({"t": t, "hr": 72.0, "eda": 2.1, "suds": None})
        assert set(reply) == {"intensity", "state", "reason"}
        assert isinstance(reply["intensity"], float) and 0 <= reply["intensity"] <= 1
        assert reply["state"] in {"baseline", "exposure", "coping", "paused", "ended"}
        assert isinstance(reply["reason"], str) and reply["reason"]
    assert controller.message({"event": "override", "action": "hold"}) == {"ok": True}
    assert controller.message({"event": "session_end"}) == {"ok": True}
    assert controller.close() == ""


ODD_LINES = [
    "",
    "   ",
    "not json",
    "{",
    "[1, 2]",
    "42",
    "null",
    '"text"',
    '{"event": "dance"}',
    '{"event": 5}',
    '{"event": "override", "action": "explode"}',
    '{"event": "session_start", "patient": 7, "session": 1}',
    '{"event": "session_start", "patient": "", "session": 1}',
    '{"event": "session_start", "patient": "x", "session": "one"}',
    '{"event": "session_start", "patient": "x", "session": true}',
    '{"foo": 1}',
    '{"t": "soon", "hr": 70}',
    '{"t": -5}',
    '{"t": NaN}',
    '{"t": Infinity}',
    '{"t": null}',
    "[" * 100_000,
]


def test_malformed_lines_get_an_error_reply_and_change_nothing(controller: Controller) -> None:
    _baseline(controller)
    for line in ODD_LINES:
        reply = controller.send(line)
        assert reply["ok"] is False and isinstance(reply["error"], str), line
    reply = controller.message({"t": 60, "hr": 70.0, "eda": 2.0, "suds": None})
    assert reply["state"] == "exposure"  # the session survived every bad line


ODD_SAMPLES = [
    {"t": 61, "hr": float("nan"), "eda": float("inf"), "suds": -3},
    {"t": 62, "hr": -70, "eda": -1, "suds": 101},
    {"t": 63, "hr": 1e300, "eda": 1e300, "suds": 1e300},
    {"t": 64, "hr": "70", "eda": [1], "suds": "50"},
    {"t": 65, "hr": True, "eda": {"a": 1}, "suds": 50.5, "extra": "ignored"},
    {"t": 66},
    {"t": 67, "hr": 10**400, "eda": None, "suds": None},
]


def test_odd_values_count_as_missing(controller: Controller) -> None:
    _baseline(controller)
    for sample in ODD_SAMPLES:
        reply = controller.send(json.dumps(sample, allow_nan=True))
        assert set(reply) == {"intensity", "state", "reason"}, sample
        assert reply["state"] == "exposure" and 0 <= reply["intensity"] <= 1


def test_samples_without_a_session_get_an_error_reply(controller: Controller) -> None:
    reply = controller.message({"t": 0, "hr": 70, "eda": 2, "suds": None})
    assert reply["ok"] is False and "session_start" in reply["error"]
    assert controller.message({"event": "override", "action": "pause"})["ok"] is False
    assert controller.message({"event": "session_end"}) == {"ok": True}


def test_time_going_backwards_does_not_restart_the_baseline(controller: Controller) -> None:
    _baseline(controller)
    controller.message({"t": 100, "hr": 70, "eda": 2, "suds": None})
    reply = controller.message({"t": 5, "hr": 70, "eda": 2, "suds": None})
    assert reply["state"] == "exposure"


def test_override_wins_over_the_controller(controller: Controller) -> None:
    _baseline(controller)
    assert controller.message({"event": "override", "action": "pause"}) == {"ok": True}
    reply = controller.message({"t": 60, "hr": 70, "eda": 2, "suds": 5})
    assert reply == {"intensity": 0.0, "state": "paused", "reason": reply["reason"]}
    assert controller.message({"event": "override", "action": "end"}) == {"ok": True}
    reply = controller.message({"t": 61, "hr": 70, "eda": 2, "suds": 5})
    assert reply["state"] == "ended" and reply["intensity"] == 0


def test_progress_persists_across_processes_with_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Controller("--state-dir", str(state))
    _baseline(first, patient="../../etc/passwd")
    for t in range(60, 700):
        first.message({"t": t, "hr": 70.0, "eda": 2.0, "suds": 15 if t % 10 == 0 else None})
    assert first.message({"event": "session_end"}) == {"ok": True}
    first.close()
    files = list(state.iterdir())
    assert len(files) == 1 and files[0].suffix == ".json" and "/" not in files[0].name
    saved = json.loads(files[0].read_text())
    assert saved["sessions_completed"] == 1 and saved["mastered_intensity"] >= 0.5

    second = Controller("--state-dir", str(state))
    _baseline(second, patient="../../etc/passwd", session=2)
    reply = second.message({"t": 60, "hr": 70.0, "eda": 2.0, "suds": None})
    assert reply["intensity"] >= 0.5  # carried over: not the first session's 0.1
    second.close()

    fresh = Controller()  # without --state-dir nothing is read from disk
    _baseline(fresh, patient="../../etc/passwd", session=2)
    assert fresh.message({"t": 60, "hr": 70.0, "eda": 2.0, "suds": None})["intensity"] == 0.1
    fresh.close()
