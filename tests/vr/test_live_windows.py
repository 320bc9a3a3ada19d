"""neurokit2 windows in a live session: a device's RR intervals and EDA are analysed off the
one-second path, reach the controller's estimate and the session report, and replaying the
sealed log after a restart rebuilds the same estimate to the last digit."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

import pytest

from mindway.services import vr_hierarchy, vr_live, vr_reports, vr_sessions
from mindway.services.runtime import Runtime
from mindway.vr.simulation import SimulatedPatient, draw_parameters
from mindway.vr.windows import WindowData, WindowFeatures, analyse
from tests.clinic import Clinic
from tests.services.vr_drive import ITEM
from tests.web.visitor import browser

SETTLE_S = 120.0
"""Only a bound on a hang: the test waits for the analysis to finish, never a fixed time."""


def _eda_patient() -> SimulatedPatient:
    seed = next(s for s in range(100) if draw_parameters(random.Random(s)).has_eda)
    return SimulatedPatient(draw_parameters(random.Random(seed)), seed)


class Device:
    """A simulated patient wearing a chest strap: HR, EDA and the RR intervals of each
    second's beats (their variability shrinking as fear rises, as vagal tone withdraws)."""

    def __init__(self) -> None:
        self.sim = _eda_patient()
        self.rng = random.Random(5)
        self.intensity, self.coping, self.beat_debt = 0.0, False, 0.0

    def message(self, t: int) -> dict[str, Any]:
        obs = self.sim.step(self.intensity, self.coping)
        hr = obs.hr or 75.0
        mean_rr, jitter = 60_000.0 / hr, 45.0 * (1.0 - obs.fear / 120.0)
        self.beat_debt += hr / 60.0
        beats = int(self.beat_debt)
        self.beat_debt -= beats
        rr = [round(mean_rr + self.rng.gauss(0.0, jitter), 1) for _ in range(beats)]
        return {"t": float(t), "hr": obs.hr, "eda": obs.eda, "suds": obs.suds, "rr": rr}

    def follow(self, reply: dict[str, Any]) -> None:
        if "intensity" in reply:
            self.intensity, self.coping = reply["intensity"], reply["state"] == "coping"


def _session(rt: Runtime, clinic: Clinic) -> uuid.UUID:
    added = vr_hierarchy.add_item(rt, clinic.clinician_a, clinic.patient_a_id, ITEM)
    assert added.item is not None
    return vr_sessions.start_session(rt, clinic.patient_a, clinic.patient_a_id, added.item.id).id


def _drive(
    rt: Runtime, clinic: Clinic, sid: uuid.UUID, device: Device, seconds: range
) -> list[dict[str, Any]]:
    """The WebSocket's path: each message answered in memory, sealed every 30 records."""
    live = vr_live.find(sid)
    assert live is not None
    replies = []
    for t in seconds:
        reply = vr_sessions.answer(live, clinic.patient_a, device.message(t))
        device.follow(reply)
        replies.append(reply)
        if live.due():
            vr_sessions.checkpoint(rt, clinic.patient_a, sid)
    return replies


def test_windows_reach_the_estimate_and_the_report_and_replay_exactly(
    rt: Runtime, clinic: Clinic
) -> None:
    sid = _session(rt, clinic)
    device = Device()
    _drive(rt, clinic, sid, device, range(0, 100))
    assert vr_sessions.settle_windows(sid, SETTLE_S)
    replies = _drive(rt, clinic, sid, device, range(100, 200))
    assert vr_sessions.settle_windows(sid, SETTLE_S)
    _drive(rt, clinic, sid, device, range(200, 201))  # applies the windows still waiting
    assert all({"intensity", "state", "reason"} == set(r) for r in replies)
    live = vr_live.find(sid)
    assert live is not None
    controller = live.controller
    ends = [w.t_end for w in controller.windows]
    assert ends == [30.0 + 15 * k for k in range(len(ends))] and ends[-1] >= 195.0
    assert controller.window_baseline.keys() == {"rmssd_ms", "scr_per_min"}
    assert all(w.beats >= 40 and w.rmssd_ms for w in controller.windows[1:])
    later = [w for w in controller.windows if w.t_end > 60]
    reference = controller.window_baseline["rmssd_ms"]
    assert any((w.rmssd_ms or reference) < reference for w in later)

    # A restart: the process forgets the session; the sealed log rebuilds it exactly.
    vr_sessions.checkpoint(rt, clinic.patient_a, sid)
    before = (controller.estimator.fear, controller.estimator.variance, controller.level)
    windows_before = controller.windows
    vr_live.drop(sid)
    vr_sessions.connect(rt, clinic.patient_a, sid)
    rebuilt = vr_live.find(sid)
    assert rebuilt is not None and rebuilt is not live
    after = rebuilt.controller
    assert (after.estimator.fear, after.estimator.variance, after.level) == before
    assert after.windows == windows_before

    vr_sessions.end_session(rt, clinic.patient_a, sid)
    report = vr_reports.report(rt, clinic.clinician_a, sid, clinic.patient_a_id)
    assert report.series["t"] == [float(t) for t in range(201)]  # windows are not seconds
    assert [w["t_end"] for w in report.windows] == ends
    assert all(e["kind"] in ("change", "override") for e in report.events)
    with browser(rt) as clinician:
        clinician.sign_in("clinician.a")
        path = f"/clinician/patients/{clinic.patient_a_id}/exposure/sessions/{sid}"
        page = clinician.get(path).text
    assert "Physiology over sliding windows" in page and "0\u201360 (baseline)" in page
    assert page.count("<tr><td>") >= len(ends)


def test_the_one_second_path_never_waits_for_the_analysis(
    rt: Runtime, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While neurokit2 is busy (here: held until released), every sample is still answered
    at once; a window applies at the first sample after it is both due and analysed."""
    release, started = threading.Event(), threading.Event()

    def held(data: WindowData) -> WindowFeatures:
        started.set()
        assert release.wait(SETTLE_S)
        return analyse(data)

    monkeypatch.setattr(vr_sessions, "analyse", held)
    sid = _session(rt, clinic)
    device = Device()
    try:
        replies = _drive(rt, clinic, sid, device, range(0, 45))
        assert started.wait(SETTLE_S)  # the first window (t 0-30) is being analysed ...
        live = vr_live.find(sid)
        assert live is not None
        assert len(replies) == 45 and live.controller.windows == []  # ... and nobody waited
    finally:
        release.set()
    assert vr_sessions.settle_windows(sid, SETTLE_S)
    _drive(rt, clinic, sid, device, range(45, 50))
    assert [w.t_end for w in live.controller.windows] == [30.0]  # due 5 s after it closed
    _drive(rt, clinic, sid, device, range(50, 51))
    assert [w.t_end for w in live.controller.windows] == [30.0, 45.0]
    vr_sessions.end_session(rt, clinic.patient_a, sid)
