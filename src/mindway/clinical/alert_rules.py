"""Which questionnaire results need the care team's attention, how urgently, and why.

A risk answer starts the risk workflow whatever the total: PHQ-9 item 9 above 0 (one-year
suicide-attempt risk rose from 0.4% to 4% across its answers, Simon et al. 2013, Psychiatric
Services 64:1195) and C-SSRS screener risk (Columbia triage guidance: high risk needs a
same-day assessment). A reliable deterioration (NHS Talking Therapies thresholds, Clark 2018)
is fed back to the clinician, since feedback on deterioration cuts it (Lambert 2017).
These rules escalate; nothing here rules care out (NICE NG225).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from mindway.clinical import outcomes
from mindway.clinical.scoring import ScoreResult

AlertKind = Literal["risk", "deterioration", "not_on_track", "disengagement"]
AlertLevel = Literal["urgent", "high", "routine"]

SAME_DAY = timedelta(hours=4)
NEXT_DAY = timedelta(hours=24)
THIS_WEEK = timedelta(days=3)
RELIABLE_RISE = {"phq9": outcomes.PHQ9_RELIABLE_CHANGE, "gad7": outcomes.GAD7_RELIABLE_CHANGE}
LEVEL_ORDER: dict[str, int] = {"urgent": 0, "high": 1, "routine": 2}


@dataclass(frozen=True)
class AlertSpec:
    """An alert to raise: what, how urgent, by when, and the reason in plain words."""

    kind: AlertKind
    level: AlertLevel
    due_in: timedelta
    detail: str


def risk_alerts(result: ScoreResult) -> list[AlertSpec]:
    """Alerts for risk answers in one result, valid or not (an item answer stands alone)."""
    specs: list[AlertSpec] = []
    if "suicidal_ideation" in result.flags:
        answer = result.answers[8] if len(result.answers) > 8 else None
        specs.append(
            AlertSpec(
                "risk",
                "urgent",
                SAME_DAY,
                f"PHQ-9 item 9 answered {answer} (thoughts of being better off dead or of hurting "
                "oneself): assess risk today.",
            )
        )
    if result.risk == "high":
        specs.append(
            AlertSpec(
                "risk",
                "urgent",
                SAME_DAY,
                "C-SSRS screener: high risk (intent, plan or recent behaviour): same-day "
                "assessment and safety plan.",
            )
        )
    elif result.risk == "moderate":
        specs.append(
            AlertSpec(
                "risk",
                "high",
                NEXT_DAY,
                "C-SSRS screener: moderate risk (method, or behaviour over 3 months ago): "
                "clinician review within a day.",
            )
        )
    elif result.risk == "low":
        specs.append(
            AlertSpec(
                "risk",
                "routine",
                THIS_WEEK,
                "C-SSRS screener: low risk (wish to be dead or non-specific thoughts): review at "
                "the next contact and keep the safety plan current.",
            )
        )
    return specs


def deterioration_alert(previous: ScoreResult, latest: ScoreResult) -> AlertSpec | None:
    """A reliable rise since the previous score of the same instrument (PHQ-9 >= 6, GAD-7 >= 4)."""
    threshold = RELIABLE_RISE.get(latest.instrument)
    if threshold is None or previous.total is None or latest.total is None:
        return None
    rise = latest.total - previous.total
    if rise < threshold:
        return None
    name = latest.instrument.upper().replace("PHQ9", "PHQ-9").replace("GAD7", "GAD-7")
    return AlertSpec(
        "deterioration",
        "high",
        THIS_WEEK,
        f"{name} rose {rise} points ({previous.total} to {latest.total}), a reliable "
        f"deterioration (threshold {threshold}): review the plan with the patient.",
    )


def alerts_for(result: ScoreResult, previous: ScoreResult | None) -> list[AlertSpec]:
    """Every alert a new result calls for, most urgent first."""
    specs = risk_alerts(result)
    if previous is not None and (spec := deterioration_alert(previous, result)) is not None:
        specs.append(spec)
    return sorted(specs, key=lambda s: LEVEL_ORDER[s.level])
