"""A level-of-care suggestion from the questionnaires answered in the conversation, by the
stepped-care rules of ``mindway.clinical.triage`` (NICE NG222), with its reasons; advice for
the person and their clinician to discuss, never a diagnosis or a decision."""

from __future__ import annotations

from typing import Any

from mindway.clinical.triage import TriageInput, triage


def triage_reply(scores: dict[str, dict[str, Any]]) -> str:
    phq9, gad7, cssrs = scores.get("phq9", {}), scores.get("gad7", {}), scores.get("cssrs", {})
    decision = triage(
        TriageInput(
            phq9_total=phq9.get("total"),
            phq9_item9=phq9.get("item9"),
            gad7_total=gad7.get("total"),
            cssrs_risk=cssrs.get("risk"),
        )
    )
    reasons = " ".join(f"• {r.text}" for r in decision.reasons)
    urgent = (
        " Because of your answers, your clinician should review this soon."
        if decision.urgent_review
        else ""
    )
    return (
        f"Based on your answers, the kind of help that usually fits is step {decision.step}: "
        f"{decision.step_name}. Why: {reasons}{urgent} This is a suggestion for you and your "
        "clinician to talk about, not a diagnosis or a decision. Would you like me to send it "
        'to your clinician? You can say "message my clinician".'
    )
