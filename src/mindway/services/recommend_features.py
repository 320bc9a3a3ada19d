"""The features a treatment recommender sees for one patient, from Mindway's own records, and
the clinic's recorded decisions with their outcomes as training rows.

Column names follow the recommender's simulator (``mindway.recommend.simulator``) where the
meaning is the same (``age``, ``sex``, ``ethnicity``, ``baseline_phq9``, ``anxiety_gad7``,
``prior_ssri_failures``, ``cyp2c19``), so a model trained on either reads both. A prior
treatment "failed" when the response was partial or none, or it caused a serious side effect
(treatment-resistance staging counts adequate trials without response; Rush et al. 2006,
STAR*D). Training rows use the features as they were when the decision was taken (kept
sealed with the decision), not as they are now, so later results cannot leak into them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.consent import has_consent
from mindway.services.measures import latest, stored_result
from mindway.services.patients import _birth_date
from mindway.services.research import RESEARCH_PURPOSE, age_band
from mindway.services.runtime import Runtime, UseCase
from mindway.store.models import Patient
from mindway.store.recommend_models import PgxResult, TreatmentDecision, TreatmentEpisode
from mindway.store.types import utcnow

GENES = ("CYP2D6", "CYP2C19", "CYP2B6")
SSRIS = frozenset(
    {"citalopram", "escitalopram", "fluoxetine", "fluvoxamine", "paroxetine", "sertraline"}
)
FAILED_RESPONSES = frozenset({"none", "partial"})
TREATMENT_COLUMN = "treatment"
OUTCOME_COLUMN = "phq9_improvement"
PHQ9_ITEMS = 9
GAD7_ITEMS = 7


def open_json(uc: UseCase, table: str, column: str, row_id: uuid.UUID, sealed: str) -> Any:
    return json.loads(uc.vault.open(table, column, row_id, sealed))


def episodes(uc: UseCase, patient_id: uuid.UUID) -> list[tuple[TreatmentEpisode, dict[str, Any]]]:
    rows = uc.db.scalars(
        select(TreatmentEpisode)
        .where(TreatmentEpisode.patient_id == patient_id)
        .order_by(TreatmentEpisode.recorded_at)
    )
    return [(r, open_json(uc, "treatment_episode", "details", r.id, r.details_enc)) for r in rows]


def phenotypes(uc: UseCase, patient_id: uuid.UUID) -> dict[str, str]:
    """The latest recorded phenotype per gene."""
    rows = uc.db.scalars(
        select(PgxResult).where(PgxResult.patient_id == patient_id).order_by(PgxResult.recorded_at)
    )
    found: dict[str, str] = {}
    for row in rows:
        found[row.gene] = open_json(uc, "pgx_result", "result", row.id, row.result_enc)["phenotype"]
    return found


def failed(details: dict[str, Any]) -> bool:
    return details.get("response") in FAILED_RESPONSES or bool(details.get("serious_side_effect"))


def patient_features(uc: UseCase, patient: Patient, today: date | None = None) -> dict[str, Any]:
    """One patient's features now (missing values are None)."""
    today = today or utcnow().date()
    birth = _birth_date(uc.vault, patient)
    features: dict[str, Any] = {
        "age": _age(birth, today) if birth else None,
        "age_band": age_band(birth, today) if birth else None,
        "sex": _lower(uc.vault.open_field(patient, "sex")),
        "ethnicity": _lower(uc.vault.open_field(patient, "ethnicity")),
    }
    features |= _scores(uc, patient.id, "phq9", "baseline_phq9", "phq9_item", PHQ9_ITEMS)
    features |= _scores(uc, patient.id, "gad7", "anxiety_gad7", "gad7_item", GAD7_ITEMS)
    history = [details for _, details in episodes(uc, patient.id)]
    features["prior_treatments"] = len(history)
    features["prior_failures"] = sum(failed(d) for d in history)
    features["prior_ssri_failures"] = sum(
        failed(d) for d in history if str(d.get("treatment", "")).lower() in SSRIS
    )
    genes = phenotypes(uc, patient.id)
    for gene in GENES:
        features[gene.lower()] = genes.get(gene)
    return features


def _lower(text: str | None) -> str | None:
    """Categories compare in lower case (records say "Female", training data "female")."""
    return text.strip().lower() if text and text.strip() else None


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _scores(
    uc: UseCase, patient_id: uuid.UUID, instrument: str, total: str, item: str, items: int
) -> dict[str, Any]:
    row = latest(uc, patient_id, instrument)
    if row is None:
        return {total: None, **{f"{item}{i}": None for i in range(1, items + 1)}}
    result = stored_result(uc.vault, row)
    answers = list(result.answers)[:items] + [None] * items
    return {total: result.total, **{f"{item}{i}": answers[i - 1] for i in range(1, items + 1)}}


def training_rows(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """Decisions with a recorded outcome, of patients who consent to research, as rows for
    ``mindway recommend train --treatment treatment --outcome phq9_improvement``. No ids."""
    with rt.use_case(actor, "recommend.training_rows", "dataset") as uc:
        access.require_role(uc, Permission.RESEARCH_EXPORT)
        decisions = uc.db.scalars(
            select(TreatmentDecision)
            .where(TreatmentDecision.outcome_enc.is_not(None))
            .order_by(TreatmentDecision.decided_at)
        )
        rows = []
        for decision in decisions:
            if not has_consent(uc.db, decision.patient_id, RESEARCH_PURPOSE):
                continue
            details = open_json(
                uc, "treatment_decision", "details", decision.id, decision.details_enc
            )
            assert decision.outcome_enc is not None
            outcome = open_json(
                uc, "treatment_decision", "outcome", decision.id, decision.outcome_enc
            )
            rows.append(
                {
                    TREATMENT_COLUMN: details["chosen"],
                    OUTCOME_COLUMN: outcome["improvement"],
                    **details["features"],
                }
            )
        uc.reason = f"{len(rows)} rows"
        return rows


def training_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (columns: treatment, outcome, then every feature seen, sorted)."""
    features = sorted({k for row in rows for k in row} - {TREATMENT_COLUMN, OUTCOME_COLUMN})
    out = io.StringIO()
    writer = csv.DictWriter(out, [TREATMENT_COLUMN, OUTCOME_COLUMN, *features], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
