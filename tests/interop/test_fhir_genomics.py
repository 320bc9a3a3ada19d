"""Pharmacogenomic results imported from a FHIR Bundle (HL7 Genomics Reporting IG STU2:
genotype Observation LOINC 84413-4 with gene-studied 48018-6 / HGNC id; therapeutic
implication with LOINC 53040-2) become the patient's phenotypes in the recommender's features.
Diplotype -> phenotype follows CPIC (CYP2C19 *2/*2 poor: Bousman et al. 2023, Table 1;
CYP2D6 *1/*4 activity score 1 -> intermediate: Caudle et al. 2020)."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mindway.errors import InvalidInput
from mindway.interop.fhir_genomics import (
    InvalidGenomics,
    diplotype_of,
    pgx_results,
    phenotype_term,
)
from mindway.security.policy import OPERATOR
from mindway.services import fhir_exchange, recommend_features
from mindway.services.runtime import Runtime
from mindway.store.models import Patient
from mindway.store.recommend_models import PgxResult
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts

Document = dict[str, Any]
BUNDLE = Path(__file__).with_name("pgx_bundle.json")
SUBJECT = "urn:uuid:patient"


def _bundle(patient_id: uuid.UUID) -> Document:
    document: Document = json.loads(BUNDLE.read_text())
    patient = document["entry"][0]["resource"]
    patient["identifier"][0]["value"] = str(patient_id)
    return document


def _entries(document: Document) -> list[Document]:
    return [e for e in document["entry"] if "resource" in e]


def test_genotypes_and_stated_phenotypes_are_read_for_cpic_genes_only() -> None:
    results = pgx_results(_entries(_bundle(uuid.uuid4())), {SUBJECT})
    by_gene = {r.gene: r for r in results}
    assert set(by_gene) == {"CYP2C19", "CYP2D6"}  # the CYP2C9 genotype is left aside
    assert (by_gene["CYP2C19"].diplotype, by_gene["CYP2C19"].phenotype) == ("*2/*2", "poor")
    assert (by_gene["CYP2D6"].diplotype, by_gene["CYP2D6"].phenotype) == ("*1/*4", None)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Poor metabolizer", "poor"),
        ("Ultrarapid metaboliser", "ultrarapid"),
        ("Likely intermediate metabolizer", "likely intermediate"),
    ],
)
def test_metaboliser_statuses_map_to_cpic_terms(text: str, term: str) -> None:
    assert phenotype_term(text) == term


def test_unreadable_values_are_refused() -> None:
    with pytest.raises(InvalidGenomics):
        phenotype_term("slow-ish")
    with pytest.raises(InvalidGenomics):
        diplotype_of("rs4244285 A/A", "CYP2C19")
    assert diplotype_of("CYP2C19*1/*17", "CYP2C19") == "*1/*17"


def test_import_stores_phenotypes_that_reach_the_recommender_features(
    rt: Runtime, clinic: Clinic
) -> None:
    document = _bundle(clinic.patient_a_id)
    done = fhir_exchange.import_fhir(rt, clinic.clinician_a, json.dumps(document))
    assert sorted(done.pgx_imported) == ["CYP2C19", "CYP2D6"]
    with rt.use_case(clinic.clinician_a, "test.features", "patient", clinic.patient_a_id) as uc:
        patient = uc.db.get(Patient, clinic.patient_a_id)
        assert patient is not None
        features = recommend_features.patient_features(uc, patient)
    assert (features["cyp2c19"], features["cyp2d6"], features["cyp2b6"]) == (
        "poor",
        "intermediate",
        None,
    )
    again = fhir_exchange.import_fhir(rt, clinic.clinician_a, json.dumps(document))
    assert again.pgx_imported == []  # the same results are not stored twice


def _conflicting(document: Document) -> None:
    implication = document["entry"][3]["resource"]
    implication["component"][1]["valueCodeableConcept"]["text"] = "Ultrarapid metabolizer"


def _unknown_status(document: Document) -> None:
    implication = document["entry"][3]["resource"]
    implication["component"][1]["valueCodeableConcept"]["text"] = "Fast-ish"


def _preliminary(document: Document) -> None:
    document["entry"][1]["resource"]["status"] = "preliminary"


def _bad_diplotype(document: Document) -> None:
    document["entry"][1]["resource"]["valueCodeableConcept"]["text"] = "two copies of *2"


def _other_subject(document: Document) -> None:
    document["entry"][2]["resource"]["subject"]["reference"] = "Patient/someone-else"


@pytest.mark.parametrize(
    "change",
    [_conflicting, _unknown_status, _preliminary, _bad_diplotype, _other_subject],
    ids=["genotype vs stated phenotype", "status", "not final", "diplotype", "subject"],
)
def test_a_bad_pgx_bundle_stores_nothing(rt: Runtime, clinic: Clinic, change: Any) -> None:
    document = copy.deepcopy(_bundle(clinic.patient_a_id))
    change(document)
    before, watch = table_counts(rt), AuditWatch(rt)
    with pytest.raises(InvalidInput):
        fhir_exchange.import_fhir(rt, clinic.clinician_a, json.dumps(document))
    assert table_counts(rt) == before
    assert [(e.action, e.outcome) for e in watch.new()] == [("patient.import_fhir", "failure")]
    with rt.transaction() as db:
        assert list(db.scalars(select(PgxResult))) == []


def test_the_operator_needs_a_clinician_to_import(rt: Runtime, clinic: Clinic) -> None:
    document = _bundle(clinic.patient_a_id)
    done = fhir_exchange.import_fhir(rt, OPERATOR, json.dumps(document), clinician="clinician.a")
    with rt.transaction() as db:
        rows = list(db.scalars(select(PgxResult)))
    assert sorted(done.pgx_imported) == ["CYP2C19", "CYP2D6"]
    assert {r.recorded_by for r in rows} == {clinic.clinician_a.account_id}
