"""Stepped-care routing for one patient: the latest scores from the record, plus what the
clinician knows (history, function, preferences), through the triage rules of
:mod:`mindway.clinical.triage`. A proposal for the clinician, never a decision by itself."""

from __future__ import annotations

import uuid
from typing import Any

from mindway.clinical.triage import TriageDecision, TriageInput, triage
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.measures import latest, stored_result
from mindway.services.runtime import Runtime, UseCase

PHQ9_ITEM9, PHQ9_DIFFICULTY = 8, 9  # positions in the stored PHQ-9 answers


def scores_from_record(uc: UseCase, patient_id: uuid.UUID) -> dict[str, Any]:
    """The triage inputs the record holds: newest valid PHQ-9, GAD-7 and C-SSRS results."""
    facts: dict[str, Any] = {}
    phq9_row = latest(uc, patient_id, "phq9")
    if phq9_row is not None:
        phq9 = stored_result(uc.vault, phq9_row)
        facts["phq9_total"] = phq9.total
        answers = phq9.answers
        facts["phq9_item9"] = answers[PHQ9_ITEM9] if len(answers) > PHQ9_ITEM9 else None
        if len(answers) > PHQ9_DIFFICULTY:
            facts["phq9_difficulty"] = answers[PHQ9_DIFFICULTY]
    gad7_row = latest(uc, patient_id, "gad7")
    if gad7_row is not None:
        facts["gad7_total"] = stored_result(uc.vault, gad7_row).total
    cssrs_row = latest(uc, patient_id, "cssrs")
    if cssrs_row is not None:
        facts["cssrs_risk"] = stored_result(uc.vault, cssrs_row).risk
    return facts


def propose(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, clinician_facts: dict[str, Any]
) -> TriageDecision:
    """Route on the record's scores and the clinician's facts; the record wins on scores."""
    with rt.use_case(actor, "triage.propose", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_WRITE, patient_id)
        facts = {**clinician_facts, **scores_from_record(uc, patient_id)}
        try:
            person = TriageInput.model_validate(facts)
        except ValueError as exc:
            raise InvalidInput(f"triage inputs are not coherent: {exc}") from exc
        return triage(person)
