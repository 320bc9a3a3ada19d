"""A patient's measurement-based care in and out as a FHIR R4 Bundle (HL7 FHIR R4, US Core
screening-assessment pattern), each direction one audited transaction.

Export is a data-portability request (GDPR Art. 20), so it needs ``PATIENT_EXPORT``. Import
writes to the record, so a clinician on the patient's care team does it (``RECORD_WRITE``);
the local operator may run it at the command line only in the name of such a clinician, who
is then recorded as having entered the results. Imported answers are re-scored by Mindway's
rules, and risk answers raise alerts exactly as a submitted questionnaire does.
Pharmacogenomic results (HL7 Genomics Reporting genotype and therapeutic-implication
Observations for CYP2D6, CYP2C19, CYP2B6) become the patient's PGx results, the diplotype
translated to a phenotype by CPIC, so the recommender's features and CPIC notes use them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from mindway.clinical.instruments import get_instrument
from mindway.clinical.scoring import score
from mindway.errors import Forbidden, InvalidInput
from mindway.interop.fhir_patient import (
    BundledResult,
    InvalidBundle,
    PatientBundle,
    PatientDemographics,
    parse_patient_bundle,
    patient_bundle,
)
from mindway.recommend import pharmacogenomics
from mindway.security.policy import Actor, Permission, Role, decide
from mindway.services import access
from mindway.services.measures import record_result, stored_result
from mindway.services.patients import record_view
from mindway.services.runtime import OutOfScope, Runtime, UseCase
from mindway.store.models import Account, ClinicalAlert, Patient, QuestionnaireResponse
from mindway.store.recommend_models import PgxResult

__all__ = ["FhirImportPublic", "export_fhir", "import_fhir"]


class FhirImportPublic(BaseModel):
    """What an import did: results stored, results already held, alerts raised, and
    pharmacogenomic results stored (genes)."""

    patient_id: uuid.UUID
    imported: int
    skipped_duplicates: int
    alerts_raised: list[str]
    pgx_imported: list[str] = []


def export_fhir(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> dict[str, Any]:
    """The patient's Bundle as FHIR JSON: results oldest first, then open risk Flags."""
    with rt.use_case(actor, "patient.export_fhir", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.PATIENT_EXPORT, patient_id)
        record = record_view(uc.db, uc.vault, patient)
        rows = uc.db.scalars(
            select(QuestionnaireResponse)
            .where(QuestionnaireResponse.patient_id == patient_id)
            .order_by(QuestionnaireResponse.completed_at, QuestionnaireResponse.id)
        )
        results = [BundledResult(r.id, stored_result(uc.vault, r), r.completed_at) for r in rows]
        risks = uc.db.execute(
            select(ClinicalAlert.id, ClinicalAlert.created_at)
            .where(
                ClinicalAlert.patient_id == patient_id,
                ClinicalAlert.kind == "risk",
                ClinicalAlert.acknowledged_at.is_(None),
            )
            .order_by(ClinicalAlert.created_at, ClinicalAlert.id)
        )
        demographics = PatientDemographics(
            record.id, record.given_name, record.family_name, record.birth_date, record.sex
        )
        bundle = patient_bundle(
            demographics,
            results,
            [(alert_id, created_at) for alert_id, created_at in risks],
            timestamp=datetime.now(UTC),
        )
        uc.reason = f"{len(results)} results"
        document: dict[str, Any] = json.loads(bundle.model_dump_json())
        return document


def _responsible_clinician(uc: UseCase, username: str | None, patient_id: uuid.UUID) -> uuid.UUID:
    """Who enters the results: the calling clinician, or the clinician the local operator
    names, who must be allowed to write to this patient's record."""
    if uc.actor is None or uc.actor.account_id is not None or username is None:
        access.require_patient(uc, Permission.RECORD_WRITE, patient_id)
        assert uc.actor is not None and uc.actor.account_id is not None  # a clinician's
        return uc.actor.account_id
    if uc.actor.role is not Role.ADMIN:
        raise Forbidden("only the local operator imports in a clinician's name")
    patient = uc.db.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        uc.failure_reason = "no such patient"
        raise OutOfScope("patient not found")
    account = uc.db.scalars(select(Account).where(Account.username == username)).first()
    if account is None or account.disabled or account.role != Role.CLINICIAN:
        uc.failure_reason = "no such clinician"
        raise InvalidInput(f"no active clinician account {username!r}")
    clinician = Actor(role=Role.CLINICIAN, account_id=account.id)
    decision = decide(
        clinician, Permission.RECORD_WRITE, access.relation(uc.db, clinician, patient_id)
    )
    if not decision.allowed or decision.via_break_glass:
        uc.failure_reason = decision.reason
        raise Forbidden(f"clinician {username!r} is not on this patient's care team")
    return account.id


def _pgx_data(parsed: PatientBundle) -> list[tuple[str, dict[str, str | None]]]:
    """Each gene's result as stored by ``recommendations.record_pgx``, checked before any
    write: a diplotype gives the phenotype (CPIC), which must agree with a stated one."""
    found = []
    for result in parsed.pgx:
        phenotype = result.phenotype
        if result.diplotype:
            derived = pharmacogenomics.phenotype_from_diplotype(result.gene, result.diplotype)
            if phenotype and derived != "indeterminate" and phenotype != derived:
                raise InvalidBundle(
                    f"{result.gene} {result.diplotype} is a {derived} metaboliser by CPIC, "
                    f"but the Bundle says {phenotype}"
                )
            phenotype = phenotype if derived == "indeterminate" and phenotype else derived
        if phenotype not in pharmacogenomics.PHENOTYPES:
            raise InvalidBundle(f"{result.gene}: no readable phenotype")
        found.append((result.gene, {"diplotype": result.diplotype, "phenotype": phenotype}))
    return found


def _store_pgx(
    uc: UseCase,
    patient_id: uuid.UUID,
    results: list[tuple[str, dict[str, str | None]]],
    entered_by: uuid.UUID,
) -> list[str]:
    """Store each gene's result unless the latest one held for that gene is the same."""
    rows = uc.db.scalars(
        select(PgxResult).where(PgxResult.patient_id == patient_id).order_by(PgxResult.recorded_at)
    )
    latest = {
        r.gene: json.loads(uc.vault.open("pgx_result", "result", r.id, r.result_enc)) for r in rows
    }
    stored = []
    for gene, data in results:
        if latest.get(gene) == data:
            continue
        row = PgxResult(id=uuid.uuid4(), patient_id=patient_id, gene=gene, result_enc="")
        row.recorded_by = entered_by
        row.result_enc = uc.vault.seal(
            str(patient_id), "pgx_result", "result", row.id, json.dumps(data)
        )
        uc.db.add(row)
        stored.append(gene)
    uc.db.flush()
    return stored


def _store(uc: UseCase, parsed: PatientBundle, entered_by: uuid.UUID) -> FhirImportPublic:
    pgx = _pgx_data(parsed)
    rows = uc.db.execute(
        select(QuestionnaireResponse.instrument, QuestionnaireResponse.completed_at).where(
            QuestionnaireResponse.patient_id == parsed.patient_id
        )
    )
    held = {(instrument, completed_at) for instrument, completed_at in rows}
    imported, alerts = 0, []
    for response in sorted(parsed.responses, key=lambda r: r.completed_at):
        key = (response.instrument, response.completed_at)
        if key in held:
            continue
        held.add(key)
        result = score(get_instrument(response.instrument), response.answers)
        _, specs = record_result(
            uc,
            parsed.patient_id,
            result,
            completed_at=response.completed_at,
            entered_by=entered_by,
        )
        imported += 1
        alerts += [f"{s.kind}:{s.level}" for s in specs]
    return FhirImportPublic(
        patient_id=parsed.patient_id,
        imported=imported,
        skipped_duplicates=len(parsed.responses) - imported,
        alerts_raised=alerts,
        pgx_imported=_store_pgx(uc, parsed.patient_id, pgx, entered_by),
    )


def import_fhir(
    rt: Runtime,
    actor: Actor,
    text: str,
    *,
    patient_id: uuid.UUID | None = None,
    clinician: str | None = None,
) -> FhirImportPublic:
    """Store the Bundle's questionnaire results for the existing patient it names (who must be
    ``patient_id`` when given), skipping results already held (same instrument, same authored
    time), so importing twice changes nothing. Any bad part refuses the whole Bundle."""
    with rt.use_case(actor, "patient.import_fhir", "patient", patient_id) as uc:
        parsed = parse_patient_bundle(text)
        if patient_id is not None and parsed.patient_id != patient_id:
            uc.failure_reason = "another patient"
            raise InvalidInput("the Bundle's Patient is another patient than the one named")
        uc.about(parsed.patient_id)
        entered_by = _responsible_clinician(uc, clinician, parsed.patient_id)
        summary = _store(uc, parsed, entered_by)
        uc.reason = f"{summary.imported} imported, {summary.skipped_duplicates} already held"
        return summary
