"""What the recommendation view shows, and the plain words for drivers and fairness."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mindway.recommend.explain import Driver
from mindway.recommend.fairness import age_band
from mindway.services.views import View

# Feature names in words a clinician reads without a data dictionary.
LABELS = {
    "age": "Age",
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "baseline_phq9": "PHQ-9 total",
    "anxiety_gad7": "GAD-7 total",
    "prior_ssri_failures": "SSRIs that did not work before",
    "prior_failures": "Treatments that did not work before",
    "prior_treatments": "Treatments before",
    "cyp2c19": "CYP2C19 phenotype",
    "cyp2d6": "CYP2D6 phenotype",
    "cyp2b6": "CYP2B6 phenotype",
    "fatigue": "Fatigue (0-10)",
    "childhood_trauma": "Childhood trauma",
}


class PgxResultPublic(View):
    id: uuid.UUID
    gene: str
    diplotype: str | None
    phenotype: str
    recorded_at: datetime


class TreatmentPublic(View):
    id: uuid.UUID
    treatment: str
    started: str | None
    ended: str | None
    response: str
    side_effects: str | None
    serious_side_effect: bool
    recorded_at: datetime


class PgxNoteView(View):
    drug: str
    gene: str
    phenotype: str
    basis: str
    recommendation: str
    strength: str
    effect: str
    citation: str
    verified: bool


class OptionShown(View):
    """An option as it was shown when a decision was taken."""

    treatment: str
    expected_improvement: float
    interval: tuple[float, float]


class OptionView(OptionShown):
    rank: int = 0
    drivers: list[str]
    pgx: list[PgxNoteView]
    contraindications: list[str]
    model_choice: bool

    @property
    def caution(self) -> bool:
        """A contraindication in the record or a CPIC "avoid": listed after the others."""
        return bool(self.contraindications) or any(n.effect == "avoid" for n in self.pgx)


class DecisionPublic(View):
    id: uuid.UUID
    decided_at: datetime
    model_version: int | None
    chosen: str
    reason: str | None
    options: list[OptionShown]
    outcome: float | None = None
    outcome_note: str | None = None
    outcome_at: datetime | None = None


class FairnessRow(View):
    """How the model did, in training, for the patient's own group in one audited column."""

    column: str
    group: str
    n: int
    error: float
    error_ci: tuple[float, float]
    benefit: float
    benefit_ci: tuple[float, float]
    flags: list[str]


class RecommendationView(View):
    patient_id: uuid.UUID
    decision_support: str = "Decision support: a clinician decides, with the patient."
    model_version: int | None
    trained_at: str | None = None
    direction: str = "higher_is_better"
    outcome_label: str = "Expected PHQ-9 improvement (points, 12 weeks)"
    no_model: str | None = None
    declined: str | None = None
    options: list[OptionView] = []
    pgx_notes: list[PgxNoteView] = []
    fairness: list[FairnessRow] = []
    pgx_results: list[PgxResultPublic]
    history: list[TreatmentPublic]
    decisions: list[DecisionPublic]


def label(feature: str) -> str:
    return LABELS.get(feature, feature.replace("_", " ").capitalize())


def plain_driver(driver: Driver) -> str:
    """E.g. "CYP2C19 phenotype poor (typical: normal) lowers the expected improvement by 2.1"."""
    value = "missing" if driver.value is None else _fmt(driver.value)
    direction = "raises" if driver.contribution > 0 else "lowers"
    return (
        f"{label(driver.feature)} {value} (typical: {_fmt(driver.typical)}) {direction} the "
        f"expected improvement by {abs(driver.contribution):.1f} points"
    )


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def fairness_rows(audit: dict[str, Any], features: dict[str, Any]) -> list[FairnessRow]:
    """The audit's row for this patient's own level in every audited column."""
    rows = []
    for column, found in audit.items():
        group = _level(column, features)
        row = found["groups"].get(group)
        if row is None:
            continue
        rows.append(
            FairnessRow(
                column=label(column) if column != "age band" else "Age band",
                group=group,
                n=int(row["n"]),
                error=float(row["error"]),
                error_ci=(float(row["error_ci"][0]), float(row["error_ci"][1])),
                benefit=float(row["benefit"]),
                benefit_ci=(float(row["benefit_ci"][0]), float(row["benefit_ci"][1])),
                flags=list(found["flags"]),
            )
        )
    return rows


def _level(column: str, features: dict[str, Any]) -> str:
    import pandas as pd

    if column == "age band":
        return str(age_band(pd.Series([features.get("age")])).iloc[0])
    value = features.get(column)
    return "(missing)" if value is None else str(value)
