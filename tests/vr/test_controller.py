"""The controller's rules: baseline, window, habituation, over-arousal, safety, overrides.

Clinical rules: a baseline minute before exposure; step up once fear has fallen ~50% from its
peak or stays low (habituation rule of thumb; Portêlo, Shiban & Maia 2021); keep fear in a
moderate window and never flood (Foa & Kozak 1986; Bălan et al. 2020).
"""

from __future__ import annotations

from mindway.vr.controller import BASELINE_S, COPING_S, SESSION_S
from mindway.vr.protocol import ControllerSession
from tests.vr.driving import constant, run, start


def test_first_minute_is_a_baseline_at_zero() -> None:
    session = ControllerSession()
    start(session)
    replies = run(session, 0, 60, constant(10))
    assert all(r["intensity"] == 0 and r["state"] == "baseline" for r in replies)
    after = run(session, 60, 61, constant(10))[0]
    assert after["state"] == "exposure" and 0 < after["intensity"] <= 1
    assert "baseline done" in after["reason"]


def test_session_ends_after_30_minutes() -> None:
    session = ControllerSession()
    start(session)
    replies = run(session, 0, int(SESSION_S) + 5, constant(20))
    assert replies[int(SESSION_S) - 1]["state"] != "ended"
    for reply in replies[int(SESSION_S) :]:
        assert reply["state"] == "ended" and reply["intensity"] == 0
        assert "30 minutes" in reply["reason"]


def test_steps_up_when_fear_stays_below_the_window() -> None:
    session = ControllerSession()
    start(session)
    replies = run(session, 0, 400, constant(15))
    levels = [r["intensity"] for r in replies]
    assert levels[-1] > levels[int(BASELINE_S)]
    assert any("step up" in r["reason"] and "below 40" in r["reason"] for r in replies)


def test_steps_up_when_fear_falls_by_half_from_its_peak() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 60, constant(10))
    run(session, 60, 140, constant(68, every=1))
    level = session.controller.level if session.controller else 0.0
    replies = run(session, 140, 200, constant(30, every=1))
    assert any("fell by half from its peak" in r["reason"] for r in replies)
    assert replies[-1]["intensity"] > level


def test_steps_down_on_over_arousal_then_takes_a_coping_break() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 400, constant(15))
    level = session.controller.level if session.controller else 0.0
    assert level >= 0.3
    replies = run(session, 400, 440, constant(76, every=1))
    downs = [r for r in replies if "step down" in r["reason"]]
    assert downs and downs[0]["intensity"] < level
    replies = run(session, 440, 480, constant(90, every=1))
    coping = [r for r in replies if r["state"] == "coping"]
    assert coping and all(r["intensity"] == 0 for r in coping)
    assert "coping break" in coping[0]["reason"]


def test_coping_break_lasts_a_minute_then_resumes_one_step_lower() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 400, constant(15))
    assert session.controller is not None
    replies = run(session, 400, 420, constant(92, every=1))
    first = next(i for i, r in enumerate(replies) if r["state"] == "coping")
    at_break = session.controller.level
    replies = run(session, 420, 420 + int(COPING_S) + 5, constant(20, every=1))
    resumed = [r for r in replies if r["state"] == "exposure"]
    assert resumed and "one step lower" in resumed[0]["reason"]
    assert resumed[0]["intensity"] < at_break
    assert first >= 0


def test_never_floods_on_a_simulated_patient() -> None:
    import random

    from mindway.vr.evaluation import AdaptivePolicy, ArmRecord, run_patient
    from mindway.vr.simulation import SimulatedPatient, draw_parameters

    record = ArmRecord()
    params = draw_parameters(random.Random(3))
    run_patient(AdaptivePolicy(), SimulatedPatient(params, 3), record)
    assert max(record.flooding_seconds) <= 30
    assert record.reached_full == [True]


def test_safety_stop_on_suds_95() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 100, constant(15))
    reply = session.handle({"t": 100.0, "hr": 72.0, "eda": None, "suds": 97})
    assert reply["state"] == "coping" and reply["intensity"] == 0
    assert "safety stop" in reply["reason"] and "SUDS 97" in reply["reason"]


def test_safety_stop_on_sustained_extreme_heart_rate() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 100, constant(15), hr=70.0)
    replies = [
        session.handle({"t": float(t), "hr": 70.0 + min(100.0, (t - 100) * 5), "suds": None})
        for t in range(100, 160)
    ]
    alarms = [r for r in replies if "HR above 160" in r["reason"]]
    assert alarms and all(r["state"] == "coping" and r["intensity"] == 0 for r in alarms)


def test_third_safety_stop_ends_the_session() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 70, constant(15))
    states = []
    for t in range(70, 400):
        states.append(session.handle({"t": float(t), "suds": 99 if t % 70 == 0 else None}))
    assert states[-1]["state"] == "ended" and "third safety stop" in states[-1]["reason"]


def test_pause_wins_and_resume_returns_to_exposure() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 100, constant(15))
    assert session.handle({"event": "override", "action": "pause"}) == {"ok": True}
    replies = run(session, 100, 150, constant(5, every=1))
    assert all(r["state"] == "paused" and r["intensity"] == 0 for r in replies)
    assert session.handle({"event": "override", "action": "resume"}) == {"ok": True}
    reply = run(session, 150, 151, constant(15))[0]
    assert reply["state"] == "exposure" and reply["intensity"] > 0
    assert "resumed by the therapist" in reply["reason"]


def test_hold_keeps_the_intensity_even_when_fear_is_high() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 300, constant(15))
    assert session.controller is not None
    level = session.controller.level
    session.handle({"event": "override", "action": "hold"})
    replies = run(session, 300, 360, constant(99, every=1))
    assert all(r["intensity"] == level and r["state"] == "exposure" for r in replies)
    assert (
        "SAFETY ALERT" in replies[-1]["reason"] and "held by the therapist" in replies[-1]["reason"]
    )


def test_step_down_and_end_overrides() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 300, constant(15))
    before = run(session, 300, 301, constant(15))[0]["intensity"]
    session.handle({"event": "override", "action": "step_down"})
    after = run(session, 301, 302, constant(15))[0]
    assert after["intensity"] < before and "stepped down by the therapist" in after["reason"]
    session.handle({"event": "override", "action": "end"})
    replies = run(session, 302, 320, constant(15))
    assert all(r["state"] == "ended" and r["intensity"] == 0 for r in replies)
    assert "ended by the therapist" in replies[0]["reason"]


def test_progress_carries_across_sessions_in_memory() -> None:
    session = ControllerSession()
    start(session, "anna", 1)
    run(session, 0, 700, constant(15))
    assert session.handle({"event": "session_end"}) == {"ok": True}
    state = session.export_state("anna")
    assert state is not None and state["sessions_completed"] == 1
    assert state["mastered_intensity"] >= 0.5
    start(session, "anna", 2)
    first = run(session, 0, 61, constant(15))[-1]
    assert first["intensity"] >= 0.5  # starts near where fear was last tolerable, not at 0.1
    start(session, "bob", 1)
    assert run(session, 0, 61, constant(15))[-1]["intensity"] == 0.1


def test_state_export_import_round_trip() -> None:
    session = ControllerSession()
    start(session, "anna", 1)
    run(session, 0, 400, constant(15))
    session.close()
    document = session.export_state("anna")
    assert document is not None
    other = ControllerSession()
    other.import_state(document)
    assert other.export_state("anna") == document


def test_hold_during_a_coping_break_keeps_intensity_zero() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 300, constant(15))
    run(session, 300, 305, constant(96, every=1))
    session.handle({"event": "override", "action": "hold"})
    replies = run(session, 305, 400, constant(20, every=1))
    assert all(r["intensity"] == 0 and r["state"] == "coping" for r in replies)


def test_pause_in_a_break_then_resume_goes_one_step_lower() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 300, constant(15))
    assert session.controller is not None
    level = session.controller.level
    run(session, 300, 305, constant(96, every=1))
    session.handle({"event": "override", "action": "pause"})
    assert run(session, 305, 310, constant(20))[-1]["state"] == "paused"
    session.handle({"event": "override", "action": "resume"})
    reply = run(session, 310, 311, constant(20))[0]
    assert reply["state"] == "exposure" and 0 < reply["intensity"] < level


def test_every_change_is_logged_with_its_reason() -> None:
    session = ControllerSession()
    start(session)
    run(session, 0, 400, constant(15))
    assert session.controller is not None
    events = session.controller.events
    changes = [e for e in events if "state" in e]
    assert changes[0]["state"] == "baseline" and changes[1]["state"] == "exposure"
    assert all(e["reason"] and "fear" in e and "fear_sd" in e for e in changes)
    levels = [e["intensity"] for e in changes]
    assert len(levels) >= 4 and levels == sorted(levels)
