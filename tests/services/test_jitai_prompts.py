"""JITAI prompts on a fake clock: decisions only at decision points in waking hours, each
logged once with its probability, a prompt shown for an hour, and the posterior updated from
the proximal outcome (a check-in within the hour)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from mindway.security.vault import Vault
from mindway.services import checkins, jitai_prompts, programmes
from mindway.services.runtime import Runtime
from mindway.store.models import MoodCheckin
from mindway.store.therapy_models import JitaiDecision, JitaiState
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch

DAY = datetime(2030, 3, 4, tzinfo=UTC)  # a Monday; the patient has no time zone: UTC


def _decisions(rt: Runtime) -> list[JitaiDecision]:
    with rt.transaction() as db:
        return list(db.scalars(select(JitaiDecision).order_by(JitaiDecision.decided_at)))


def _updates(rt: Runtime, clinic: Clinic) -> int:
    """How many outcomes the patient's sealed posterior has learned from."""
    with rt.transaction() as db:
        state = db.get(JitaiState, clinic.patient_a_id)
        assert state is not None
        sealed = Vault(db, rt.keyring).open(
            "jitai_state", "policy", state.patient_id, state.policy_enc
        )
    return int(json.loads(sealed)["posterior"]["n_updates"])


def test_decisions_at_decision_points_only_and_learning_from_outcomes(
    rt: Runtime, clinic: Clinic
) -> None:
    watch = AuditWatch(rt)
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=9, minute=5)) == 0  # nobody enrolled
    assert watch.new() == []
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    watch = AuditWatch(rt)
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=3)) == 0  # asleep: no point
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=10, minute=30)) == 0
    assert watch.new() == []
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=9, minute=1)) == 1
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=9, minute=2)) == 0  # once a point
    (first,) = _decisions(rt)
    assert first.reason == "randomised" and 0.0 < first.probability < 1.0
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {"mood": 6}, None)
    with rt.transaction() as db:
        db.execute(update(MoodCheckin).values(recorded_at=DAY.replace(hour=9, minute=30)))
    assert jitai_prompts.decide_prompts(rt, DAY.replace(hour=12, minute=1)) == 1
    first, second = _decisions(rt)
    assert first.outcome == 1.0 and first.resolved_at is not None and second.outcome is None
    assert _updates(rt, clinic) == 1


def test_a_prompt_shows_for_an_hour_and_can_be_dismissed(rt: Runtime, clinic: Clinic) -> None:
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "depression_cbt")
    prompted = None
    for day in range(10):
        for hour in jitai_prompts.DECISION_HOURS:
            at = DAY + timedelta(days=day, hours=hour, minutes=1)
            jitai_prompts.decide_prompts(rt, at)
            if _decisions(rt)[-1].action != "none":
                prompted = at
                break
        if prompted:
            break
    assert prompted is not None
    shown = jitai_prompts.pending_prompt(rt, clinic.patient_a, clinic.patient_a_id, prompted)
    assert shown is not None and shown.href.startswith("/patient/")
    later = prompted + timedelta(minutes=61)
    assert jitai_prompts.pending_prompt(rt, clinic.patient_a, clinic.patient_a_id, later) is None
    jitai_prompts.dismiss_prompt(rt, clinic.patient_a, clinic.patient_a_id, shown.id)
    assert jitai_prompts.pending_prompt(rt, clinic.patient_a, clinic.patient_a_id, prompted) is None
    assert all(d.probability > 0 for d in _decisions(rt))
