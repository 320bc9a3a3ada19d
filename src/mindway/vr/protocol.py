"""The exposure protocol: JSON messages in, one JSON reply per message out.

The browser scene sends the same messages over WebSocket that ``mindway vr control`` reads
as JSON lines:

* ``{"event": "session_start", "patient": str, "session": int}`` -> ``{"ok": true}``
* ``{"t": float, "hr": float|null, "eda": float|null, "suds": int|null}`` (one a second)
  -> ``{"intensity": float in [0, 1], "state": "baseline"|"exposure"|"coping"|"paused"|
  "ended", "reason": str}``
* ``{"event": "override", "action": "pause"|"resume"|"hold"|"step_down"|"end"}``
  -> ``{"ok": true}`` (the therapist's override wins from the next sample on)
* ``{"event": "session_end"}`` -> ``{"ok": true}`` (also when no session is open)

Every message gets exactly one reply and nothing raises. A message that cannot be acted on
(not JSON, not an object, a blank line, an unknown event or action, a bad ``patient`` or
``session``, a sample whose ``t`` is not a finite number >= 0, and any sample or override
before ``session_start``) gets ``{"ok": false, "error": "..."}`` and changes nothing.
In a sample, a value that is missing, of the wrong type, NaN, infinite, negative or out of
range (HR outside 25-250 bpm, EDA outside 0.01-100 uS, SUDS outside 0-100) counts as missing;
a ``t`` that goes backwards does not move the clock back; extra keys are ignored here.

One extra is read by the server's live sessions (WebSocket and the HTTP messages endpoint):
``"rr": [ms, ...]``, the RR intervals of the beats since the previous sample, for HRV over
sliding windows (:mod:`mindway.vr.windows`); a list that is not such numbers counts as none.
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

from mindway.vr.controller import OVERRIDE_ACTIONS, ExposureController, Sample
from mindway.vr.physiology import EDA_RANGE, HR_RANGE
from mindway.vr.progress import PatientProgress
from mindway.vr.store import MemoryProgressStore, ProgressStore

MAX_PATIENT_ID = 256
MAX_LINE = 65_536
OK: dict[str, Any] = {"ok": True}


def error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


def _number(value: Any) -> float | None:
    """A finite real number, or None (booleans and strings are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def _in_range(value: Any, low: float, high: float) -> float | None:
    number = _number(value)
    return number if number is not None and low <= number <= high else None


def parse_sample(message: dict[str, Any]) -> Sample | str:
    """The validated sample, or the reason it cannot be used."""
    t = _number(message.get("t"))
    if t is None or t < 0:
        return "a sample needs 't': a finite number of seconds >= 0"
    suds = _in_range(message.get("suds"), 0.0, 100.0)
    return Sample(
        t=t,
        hr=_in_range(message.get("hr"), *HR_RANGE),
        eda=_in_range(message.get("eda"), *EDA_RANGE),
        suds=None if suds is None else round(suds),
    )


class ControllerSession:
    """One protocol connection: holds at most one open session at a time.

    ``handle`` takes a decoded message (normally a dict) and returns the reply dict;
    ``handle_line`` does the same for one line of text. Progress goes to ``store`` when a
    session ends (or a new one starts, or ``close`` is called).
    """

    def __init__(self, store: ProgressStore | None = None) -> None:
        self.store: ProgressStore = store if store is not None else MemoryProgressStore()
        self.controller: ExposureController | None = None

    def handle_line(self, line: str) -> dict[str, Any]:
        text = line.strip()
        if not text:
            return error("blank line: expected one JSON object")
        if len(text) > MAX_LINE:
            return error("line too long")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return error(f"not valid JSON: {str(exc)[:120]}")
        return self.handle(message)

    def handle(self, message: Any) -> dict[str, Any]:
        try:
            return self._dispatch(message)
        except Exception as exc:
            return error(f"internal error: {type(exc).__name__}")

    def _dispatch(self, message: Any) -> dict[str, Any]:
        if not isinstance(message, dict):
            return error("expected a JSON object")
        if "event" in message:
            event = message["event"]
            if event == "session_start":
                return self._start(message)
            if event == "session_end":
                self.close()
                return dict(OK)
            if event == "override":
                return self._override(message)
            return error(f"unknown event {str(event)[:40]!r}")
        if "t" in message:
            return self._sample(message)
        return error("unknown message: expected an 'event' or a sample with 't'")

    def _start(self, message: dict[str, Any]) -> dict[str, Any]:
        patient, session = message.get("patient"), message.get("session")
        if not isinstance(patient, str) or not patient.strip() or len(patient) > MAX_PATIENT_ID:
            return error(f"session_start needs 'patient': a non-empty string (<= {MAX_PATIENT_ID})")
        if isinstance(session, bool) or not isinstance(session, int) or not 0 <= session < 10**9:
            return error("session_start needs 'session': a whole number >= 0")
        self.close()
        progress = self.store.load(patient) or PatientProgress(patient=patient)
        self.controller = ExposureController(progress, session)
        return dict(OK)

    def _sample(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.controller is None:
            return error("no session: send session_start first")
        sample = parse_sample(message)
        if isinstance(sample, str):
            return error(sample)
        return self.controller.step(sample).to_reply()

    def _override(self, message: dict[str, Any]) -> dict[str, Any]:
        action = message.get("action")
        if action not in OVERRIDE_ACTIONS:
            return error(f"override needs 'action': one of {', '.join(OVERRIDE_ACTIONS)}")
        if self.controller is None:
            return error("no session: send session_start first")
        self.controller.override(str(action))
        return dict(OK)

    def close(self) -> None:
        """End the open session, if any, and save the patient's progress."""
        controller, self.controller = self.controller, None
        if controller is not None:
            self.store.save(controller.finish())

    def export_state(self, patient: str) -> dict[str, Any] | None:
        """The patient's saved progress as a JSON-able dict (None if never seen)."""
        progress = self.store.load(patient)
        return None if progress is None else progress.to_dict()

    def import_state(self, document: dict[str, Any]) -> None:
        """Store progress exported earlier; raises ValueError if it is not such a document."""
        try:
            progress = PatientProgress.from_dict(document)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a progress document: {exc}") from exc
        self.store.save(progress)


def serve_lines(session: ControllerSession, lines: TextIO, replies: TextIO) -> None:
    """Answer each line of ``lines`` with one JSON line on ``replies``, flushed at once."""
    for line in iter(lines.readline, ""):
        reply = session.handle_line(line)
        replies.write(json.dumps(reply, ensure_ascii=False) + "\n")
        replies.flush()
    session.close()
