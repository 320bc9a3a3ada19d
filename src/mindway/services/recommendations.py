"""Treatment recommendations for one patient, for the clinician: decision support only.

The clinic's active model is the latest version in ``<data dir>/models/recommend`` (put there
by ``mindway recommend train ... --model-dir <data dir>/models/recommend``). For one patient
on the clinician's team the view ranks the model's options by expected PHQ-9 improvement with
an interval, says why (drivers), adds the CPIC notes for the patient's phenotypes and the
contraindications in the record (a serious side effect on the same drug before), shows the
model's fairness audit for the patient's groups, and declines, saying why, when the patient
lies outside the training data. Options with a contraindication or a CPIC "avoid" go last:
the model card says those override the ranking. A clinician decides (DESIGN.md); what they
decide is recorded with what was shown, and the outcome recorded later makes it training data
(``recommend_features.training_rows``). Patients never see this.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from threadpoolctl import threadpool_limits

from mindway.errors import Forbidden, InvalidInput, NotFound
from mindway.recommend import pharmacogenomics, registry
from mindway.recommend.model import Recommendation
from mindway.recommend.training import TrainedRecommender, explain, predict
from mindway.security.policy import Actor, Permission, Role
from mindway.services import access
from mindway.services.recommend_features import (
    GENES,
    episodes,
    open_json,
    patient_features,
    phenotypes,
    training_csv,
    training_rows,
)
from mindway.services.recommend_views import (
    DecisionPublic,
    OptionShown,
    OptionView,
    PgxNoteView,
    PgxResultPublic,
    RecommendationView,
    TreatmentPublic,
    fairness_rows,
    plain_driver,
)
from mindway.services.runtime import Runtime, UseCase
from mindway.store.models import Patient
from mindway.store.recommend_models import PgxResult, TreatmentDecision, TreatmentEpisode
from mindway.store.types import utcnow

__all__ = ["training_csv", "training_rows"]

RESPONSES = ("remission", "response", "partial", "none", "unknown")
MAX_TEXT = 500
MAX_NAME = 60
_models: dict[str, TrainedRecommender] = {}
Loaded = tuple[TrainedRecommender, dict[str, Any]] | None
_lock = threading.Lock()


def model_dir(rt: Runtime) -> Path:
    return Path(rt.settings.data_dir) / "models" / "recommend"


def active_model(directory: Path) -> tuple[TrainedRecommender, dict[str, Any]] | None:
    """The latest model in the registry (hash-checked once per version), or None."""
    try:
        _, manifest = registry.read_manifest(directory)
    except NotFound:
        return None
    key = f"{directory}:{manifest['version']}:{manifest['sha256']}"
    with _lock:
        if key not in _models:
            _models[key] = registry.load(directory, int(manifest["version"])).bundle
        return _models[key], manifest


def _load(rt: Runtime) -> tuple[Loaded, str | None]:
    """The active model, or None and why not when it cannot be used (never a crash)."""
    directory = model_dir(rt)
    try:
        loaded = active_model(directory)
    except (InvalidInput, NotFound) as exc:  # TamperedModel is an InvalidInput
        return None, f"The clinic's treatment model in {directory} cannot be used: {exc.detail}."
    if loaded is None:
        return None, (
            "No treatment model has been trained for this clinic yet "
            f"(mindway recommend train ... --model-dir {directory})."
        )
    return loaded, None


def _clinician_patient(uc: UseCase, permission: Permission, patient_id: uuid.UUID) -> Patient:
    """Clinicians only (403 for anyone else, before looking the patient up), then the usual
    care-team check (404 outside the caseload)."""
    if uc.actor is None:
        raise Forbidden("sign in first")
    if uc.actor.role is not Role.CLINICIAN:
        uc.failure_reason = "decision support is for clinicians"
        raise Forbidden("treatment recommendations are for the care team")
    return access.require_patient(uc, permission, patient_id)


def recommend(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> RecommendationView:
    """The clinician's view of one patient's options (see the module docstring)."""
    loaded, problem = _load(rt)
    with rt.use_case(actor, "recommend.view", "patient", patient_id) as uc:
        patient = _clinician_patient(uc, Permission.RECORD_READ, patient_id)
        view = _view(uc, patient, loaded, problem)
        uc.reason = "no model" if view.model_version is None else f"model v{view.model_version}"
        return view


def _view(uc: UseCase, patient: Patient, loaded: Loaded, problem: str | None) -> RecommendationView:
    features = patient_features(uc, patient)
    genes = phenotypes(uc, patient.id)
    history = treatment_history(uc, patient.id)
    base = {
        "patient_id": patient.id,
        "pgx_results": pgx_results(uc, patient.id),
        "history": history,
        "decisions": decisions(uc, patient.id),
    }
    if loaded is None:
        return RecommendationView(
            **base,
            model_version=None,
            no_model=problem,
            pgx_notes=_all_notes(genes),
        )
    trained, manifest = loaded
    frame = pd.DataFrame([features])
    with threadpool_limits(limits=1):
        result = predict(trained, frame)[0]
        options = [] if result.declined else _options(trained, frame, result, genes, history)
    return RecommendationView(
        **base,
        model_version=int(manifest["version"]),
        trained_at=str(manifest.get("created_at", "")),
        direction=str(manifest.get("direction", "higher_is_better")),
        declined=result.declined,
        options=options,
        pgx_notes=_all_notes(genes) if result.declined else [],
        fairness=fairness_rows(trained.audit, features),
    )


def _options(
    trained: TrainedRecommender,
    frame: pd.DataFrame,
    result: Recommendation,
    genes: dict[str, str],
    history: list[TreatmentPublic],
) -> list[OptionView]:
    options = []
    for arm, expected in result.expected_outcome.items():
        notes = [_note(n) for n in pharmacogenomics.guidance(arm, genes)]
        options.append(
            OptionView(
                treatment=arm,
                expected_improvement=round(expected, 2),
                interval=(round(result.interval[arm][0], 2), round(result.interval[arm][1], 2)),
                drivers=[plain_driver(d) for d in explain(trained, frame, arm)[:3]],
                pgx=notes,
                contraindications=_contraindications(arm, history),
                model_choice=arm == result.recommended,
            )
        )
    sign = -1.0 if trained.model.lower_is_better else 1.0
    options.sort(key=lambda o: (o.caution, -sign * o.expected_improvement))
    return [o.model_copy(update={"rank": i}) for i, o in enumerate(options, start=1)]


def _contraindications(arm: str, history: list[TreatmentPublic]) -> list[str]:
    found = []
    for episode in history:
        if episode.treatment.lower() != arm.lower():
            continue
        if episode.serious_side_effect:
            what = f" ({episode.side_effects})" if episode.side_effects else ""
            found.append(f"Serious side effect on {episode.treatment} before{what}.")
        elif episode.response == "none":
            found.append(f"No response to {episode.treatment} before.")
    return found


def _note(note: pharmacogenomics.PgxNote) -> PgxNoteView:
    return PgxNoteView(
        drug=note.drug,
        gene=note.gene,
        phenotype=note.phenotype,
        basis=note.basis,
        recommendation=note.recommendation,
        strength=note.strength,
        effect=note.effect,
        citation=note.citation,
        verified=note.verified,
    )


def _all_notes(genes: dict[str, str]) -> list[PgxNoteView]:
    """CPIC notes that change something for this patient, for every drug in the table."""
    drugs = sorted({r.drug for r in pharmacogenomics.rules()})
    notes = [_note(n) for d in drugs for n in pharmacogenomics.guidance(d, genes)]
    return [n for n in notes if n.effect != "standard"]


def pgx_results(uc: UseCase, patient_id: uuid.UUID) -> list[PgxResultPublic]:
    rows = uc.db.scalars(
        select(PgxResult).where(PgxResult.patient_id == patient_id).order_by(PgxResult.recorded_at)
    )
    found = []
    for row in rows:
        data = open_json(uc, "pgx_result", "result", row.id, row.result_enc)
        found.append(PgxResultPublic(id=row.id, gene=row.gene, recorded_at=row.recorded_at, **data))
    return found


def treatment_history(uc: UseCase, patient_id: uuid.UUID) -> list[TreatmentPublic]:
    return [
        TreatmentPublic(id=row.id, recorded_at=row.recorded_at, **details)
        for row, details in episodes(uc, patient_id)
    ]


def decisions(uc: UseCase, patient_id: uuid.UUID) -> list[DecisionPublic]:
    rows = uc.db.scalars(
        select(TreatmentDecision)
        .where(TreatmentDecision.patient_id == patient_id)
        .order_by(TreatmentDecision.decided_at.desc())
    )
    found = []
    for row in rows:
        details = open_json(uc, "treatment_decision", "details", row.id, row.details_enc)
        outcome = (
            open_json(uc, "treatment_decision", "outcome", row.id, row.outcome_enc)
            if row.outcome_enc
            else {}
        )
        found.append(
            DecisionPublic(
                id=row.id,
                decided_at=row.decided_at,
                model_version=row.model_version,
                chosen=details["chosen"],
                reason=details["reason"],
                options=[OptionShown(**o) for o in details["options"]],
                outcome=outcome.get("improvement"),
                outcome_note=outcome.get("note"),
                outcome_at=row.outcome_at,
            )
        )
    return found


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name} is required")
    if len(text) > limit:
        raise InvalidInput(f"{name} may be at most {limit} characters")
    return text or None


def record_pgx(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    gene: str,
    *,
    diplotype: str | None = None,
    phenotype: str | None = None,
) -> PgxResultPublic:
    """A laboratory result: a diplotype (translated to a phenotype by CPIC) or a phenotype."""
    gene = gene.strip().upper()
    if gene not in GENES:
        raise InvalidInput(f"gene must be one of {', '.join(GENES)}")
    diplotype = _text(diplotype, "diplotype", 40)
    phenotype = _text(phenotype, "phenotype", 40)
    if diplotype:
        derived = pharmacogenomics.phenotype_from_diplotype(gene, diplotype)
        if phenotype and phenotype.lower() != derived:
            raise InvalidInput(f"{gene} {diplotype} is a {derived} metaboliser, not {phenotype}")
        phenotype = derived
    if not phenotype or phenotype.lower() not in pharmacogenomics.PHENOTYPES:
        raise InvalidInput("give a diplotype such as *1/*2, or a phenotype such as poor")
    data = {"diplotype": diplotype, "phenotype": phenotype.lower()}
    with rt.use_case(actor, "recommend.pgx_record", "patient", patient_id) as uc:
        _clinician_patient(uc, Permission.RECORD_WRITE, patient_id)
        row = PgxResult(id=uuid.uuid4(), patient_id=patient_id, gene=gene, result_enc="")
        row.recorded_by = actor.account_id
        row.result_enc = uc.vault.seal(
            str(patient_id), "pgx_result", "result", row.id, json.dumps(data)
        )
        uc.db.add(row)
        uc.db.flush()
        return PgxResultPublic(id=row.id, gene=gene, recorded_at=row.recorded_at, **data)


def record_treatment(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    treatment: str,
    *,
    started: date | None = None,
    ended: date | None = None,
    response: str = "unknown",
    side_effects: str | None = None,
    serious_side_effect: bool = False,
) -> TreatmentPublic:
    """A past or current treatment with its response and side effects."""
    name = _text(treatment, "treatment", MAX_NAME, required=True)
    if response not in RESPONSES:
        raise InvalidInput(f"response must be one of {', '.join(RESPONSES)}")
    if started and ended and ended < started:
        raise InvalidInput("a treatment cannot end before it started")
    details = {
        "treatment": str(name).lower(),
        "started": started.isoformat() if started else None,
        "ended": ended.isoformat() if ended else None,
        "response": response,
        "side_effects": _text(side_effects, "side effects", MAX_TEXT),
        "serious_side_effect": serious_side_effect,
    }
    with rt.use_case(actor, "recommend.treatment_record", "patient", patient_id) as uc:
        _clinician_patient(uc, Permission.RECORD_WRITE, patient_id)
        row = TreatmentEpisode(id=uuid.uuid4(), patient_id=patient_id, details_enc="")
        row.recorded_by = actor.account_id
        row.details_enc = uc.vault.seal(
            str(patient_id), "treatment_episode", "details", row.id, json.dumps(details)
        )
        uc.db.add(row)
        uc.db.flush()
        return TreatmentPublic(id=row.id, recorded_at=row.recorded_at, **details)


def record_decision(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, chosen: str, reason: str | None
) -> DecisionPublic:
    """What the clinician decided, with the options as the model showed them right now and
    the features it saw (recomputed here, never taken from the form)."""
    name = str(_text(chosen, "the treatment chosen", MAX_NAME, required=True)).lower()
    why = _text(reason, "the reason", MAX_TEXT)
    loaded, problem = _load(rt)
    with rt.use_case(actor, "recommend.decision_record", "patient", patient_id) as uc:
        patient = _clinician_patient(uc, Permission.RECORD_WRITE, patient_id)
        shown = _view(uc, patient, loaded, problem)
        options = [
            OptionShown(
                treatment=o.treatment,
                expected_improvement=o.expected_improvement,
                interval=o.interval,
            )
            for o in shown.options
        ]
        details = {
            "chosen": name,
            "reason": why,
            "options": [o.model_dump(mode="json") for o in options],
            "declined": shown.declined,
            "features": patient_features(uc, patient),
        }
        row = TreatmentDecision(id=uuid.uuid4(), patient_id=patient_id, details_enc="")
        row.decided_by = actor.account_id
        row.model_version = shown.model_version
        row.details_enc = uc.vault.seal(
            str(patient_id), "treatment_decision", "details", row.id, json.dumps(details)
        )
        uc.db.add(row)
        uc.db.flush()
        return DecisionPublic(
            id=row.id,
            decided_at=row.decided_at,
            model_version=row.model_version,
            chosen=name,
            reason=why,
            options=options,
        )


def record_outcome(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    decision_id: uuid.UUID,
    improvement: float,
    note: str | None,
) -> DecisionPublic:
    """The outcome of a decision (PHQ-9 improvement, points; negative means worse)."""
    if not -27 <= improvement <= 27:
        raise InvalidInput("a PHQ-9 improvement lies between -27 and 27 points")
    text = _text(note, "the note", MAX_TEXT)
    with rt.use_case(actor, "recommend.outcome_record", "patient", patient_id) as uc:
        _clinician_patient(uc, Permission.RECORD_WRITE, patient_id)
        row = uc.db.get(TreatmentDecision, decision_id)
        if row is None or row.patient_id != patient_id:
            uc.failure_reason = "no such decision for this patient"
            raise NotFound("no such decision")
        outcome = json.dumps({"improvement": improvement, "note": text})
        row.outcome_enc = uc.vault.seal(
            str(patient_id), "treatment_decision", "outcome", row.id, outcome
        )
        row.outcome_at = utcnow()
        uc.db.flush()
        return next(d for d in decisions(uc, patient_id) if d.id == decision_id)


def export_recommend(uc: UseCase, patient: Patient) -> dict[str, Any]:
    """The patient's pharmacogenomic results, treatment history and decisions (GDPR Art. 15)."""
    return {
        "pharmacogenomics": [r.model_dump(mode="json") for r in pgx_results(uc, patient.id)],
        "treatments": [t.model_dump(mode="json") for t in treatment_history(uc, patient.id)],
        "decisions": [d.model_dump(mode="json") for d in decisions(uc, patient.id)],
    }


def erase_recommend(uc: UseCase, patient: Patient) -> None:
    from sqlalchemy import delete

    for model in (PgxResult, TreatmentEpisode, TreatmentDecision):
        uc.db.execute(delete(model).where(model.patient_id == patient.id))
