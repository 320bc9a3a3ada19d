"""A patient's FHIR Bundle out and back in: access, one audit event, re-scoring, alerts,
idempotence, and a round trip into a fresh store that gives the same resources."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from mindway.errors import Forbidden, InvalidInput
from mindway.interop.fhir_patient import RISK_FLAG_TEXT
from mindway.security.policy import OPERATOR
from mindway.services import clinical_alerts, fhir_exchange, measures, patients
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import CareTeamPatient, Patient, QuestionnaireResponse
from tests.clinic import Clinic, build_clinic
from tests.conftest import fast_settings
from tests.databases import open_empty
from tests.services.audit_trail import AuditWatch, table_counts

Document = dict[str, Any]
PHQ9_ITEM9 = [1] * 8 + [2]
NOTE = "Talked about the move to a new flat."


def resources(document: Document, *kinds: str) -> list[Document]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] in kinds]


def scored_history(rt: Runtime, clinic: Clinic) -> None:
    """Patient A: PHQ-9 twice (the second with item 9 answered), a GAD-7, a note."""
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [1] * 8 + [0])
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "gad7", [2] * 7)
    measures.submit(rt, clinic.clinician_a, clinic.patient_a_id, "phq9", PHQ9_ITEM9)
    patients.add_note(rt, clinic.clinician_a, clinic.patient_a_id, "session", NOTE)


def test_the_export_is_a_valid_bundle_of_results_and_open_risk(rt: Runtime, clinic: Clinic) -> None:
    scored_history(rt, clinic)
    watch = AuditWatch(rt)
    document = fhir_exchange.export_fhir(rt, clinic.patient_a, clinic.patient_a_id)
    event = watch.single()
    assert (event.action, event.outcome, event.resource_id) == (
        "patient.export_fhir",
        "success",
        str(clinic.patient_a_id),
    )
    Bundle.model_validate(document)
    kinds = [e["resource"]["resourceType"] for e in document["entry"]]
    assert kinds == ["Patient"] + ["QuestionnaireResponse", "Observation"] * 3 + ["Flag"]
    assert [o.get("valueInteger") for o in resources(document, "Observation")] == [8, 14, 10]
    assert resources(document, "Flag")[0]["code"]["text"] == RISK_FLAG_TEXT
    assert NOTE not in json.dumps(document)  # notes stay in the GDPR export
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    clinical_alerts.acknowledge(rt, clinic.clinician_a, alert.id)
    assert resources(fhir_exchange.export_fhir(rt, OPERATOR, clinic.patient_a_id), "Flag") == []


def test_export_follows_the_export_permission(rt: Runtime, clinic: Clinic) -> None:
    assert fhir_exchange.export_fhir(rt, clinic.admin, clinic.patient_b_id)["type"] == "collection"
    watch = AuditWatch(rt)
    with pytest.raises(Forbidden):
        fhir_exchange.export_fhir(rt, clinic.clinician_a, clinic.patient_a_id)
    with pytest.raises(OutOfScope):
        fhir_exchange.export_fhir(rt, clinic.patient_b, clinic.patient_a_id)
    assert [(e.action, e.outcome) for e in watch.new()] == [("patient.export_fhir", "denied")] * 2


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[Runtime, Clinic]]:
    """A second, empty store (SQLite) with its own clinic."""
    runtime = open_empty(fast_settings(tmp_path / "fresh"))
    try:
        yield runtime, build_clinic(runtime)
    finally:
        runtime.close()


def same_patient(rt: Runtime, team: uuid.UUID, patient_id: uuid.UUID) -> None:
    """The record moved to another store keeps its id (on a team of that store)."""
    with rt.transaction() as db:
        db.add(Patient(id=patient_id))
        db.flush()
        db.add(CareTeamPatient(team_id=team, patient_id=patient_id))


def comparable(document: Document) -> list[Document]:
    """Responses and Observations with the references between them left out (ids aside)."""
    return [
        {k: v for k, v in r.items() if k != "derivedFrom"}
        for r in resources(document, "QuestionnaireResponse", "Observation")
    ]


def test_export_import_export_gives_the_same_resources(
    rt: Runtime, clinic: Clinic, fresh: tuple[Runtime, Clinic]
) -> None:
    scored_history(rt, clinic)
    first = fhir_exchange.export_fhir(rt, OPERATOR, clinic.patient_a_id)
    other, other_clinic = fresh
    same_patient(other, other_clinic.team_a, clinic.patient_a_id)
    watch = AuditWatch(other)
    summary = fhir_exchange.import_fhir(other, other_clinic.clinician_a, json.dumps(first))
    event = watch.single()
    assert (event.action, event.outcome) == ("patient.import_fhir", "success")
    assert (summary.imported, summary.skipped_duplicates) == (3, 0)
    assert summary.alerts_raised == ["risk:urgent"]  # item 9, as when it was submitted
    second = fhir_exchange.export_fhir(other, OPERATOR, clinic.patient_a_id)
    assert comparable(second) == comparable(first)
    assert len(resources(second, "Flag")) == 1
    counts = table_counts(other)
    again = fhir_exchange.import_fhir(other, other_clinic.clinician_a, json.dumps(second))
    assert (again.imported, again.skipped_duplicates, table_counts(other)) == (0, 3, counts)


def test_operator_imports_in_the_name_of_a_clinician_on_the_team(
    rt: Runtime, clinic: Clinic
) -> None:
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [1] * 9)
    document = fhir_exchange.export_fhir(rt, OPERATOR, clinic.patient_a_id)
    with rt.transaction() as db:
        db.query(QuestionnaireResponse).delete()
    text = json.dumps(document)
    with pytest.raises(Forbidden):  # the operator alone is no clinician
        fhir_exchange.import_fhir(rt, OPERATOR, text)
    with pytest.raises(Forbidden):
        fhir_exchange.import_fhir(rt, OPERATOR, text, clinician="clinician.b")
    with pytest.raises(InvalidInput):
        fhir_exchange.import_fhir(rt, OPERATOR, text, clinician="admin")
    for actor in (clinic.patient_a, clinic.admin):
        with pytest.raises(Forbidden):
            fhir_exchange.import_fhir(rt, actor, text)
    with pytest.raises(OutOfScope):
        fhir_exchange.import_fhir(rt, clinic.clinician_b, text)
    done = fhir_exchange.import_fhir(rt, OPERATOR, text, clinician="clinician.a")
    assert done.imported == 1
    with rt.transaction() as db:
        (row,) = db.scalars(select(QuestionnaireResponse))
        assert row.entered_by == clinic.clinician_a.account_id


def _other_patient(d: Document) -> None:
    d["entry"][0]["resource"]["identifier"][0]["value"] = str(uuid.uuid4())


def _out_of_range(d: Document) -> None:
    coding = d["entry"][1]["resource"]["item"][0]["answer"][0]["valueCoding"]
    coding["code"], coding["extension"][0]["valueDecimal"] = "LA-nope", 5


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda d: d.clear(), InvalidInput),
        (lambda d: d["entry"][1]["resource"].update(questionnaire="urn:x:bdi"), InvalidInput),
        (_out_of_range, InvalidInput),
        (_other_patient, OutOfScope),
    ],
    ids=["not a bundle", "unknown instrument", "answer out of range", "unknown patient"],
)
def test_a_bad_bundle_stores_nothing_and_is_audited(
    rt: Runtime, clinic: Clinic, change: Any, refusal: type[Exception]
) -> None:
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", PHQ9_ITEM9)
    document = fhir_exchange.export_fhir(rt, OPERATOR, clinic.patient_a_id)
    with rt.transaction() as db:
        db.query(QuestionnaireResponse).delete()
    change(document)
    before, watch = table_counts(rt), AuditWatch(rt)
    with pytest.raises(refusal):
        fhir_exchange.import_fhir(rt, clinic.clinician_a, json.dumps(document))
    assert table_counts(rt) == before
    outcome = "denied" if refusal is OutOfScope else "failure"
    assert [(e.action, e.outcome) for e in watch.new()] == [("patient.import_fhir", outcome)]


def test_a_bundle_of_another_patient_than_named_is_refused(rt: Runtime, clinic: Clinic) -> None:
    document = fhir_exchange.export_fhir(rt, OPERATOR, clinic.patient_b_id)
    with pytest.raises(InvalidInput, match="another patient"):
        fhir_exchange.import_fhir(
            rt,
            OPERATOR,
            json.dumps(document),
            patient_id=clinic.patient_a_id,
            clinician="clinician.b",
        )
