"""``mindway export fhir PATIENT_ID`` and ``mindway import fhir FILE --clinician USERNAME``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from mindway.services import measures
from tests.cli.harness import Store, error_line
from tests.clinic import Clinic, build_clinic


@pytest.fixture
def clinic_store(store: Store) -> tuple[Store, Clinic]:
    """The test clinic in an empty store; patient A has answered PHQ-9 item 9."""
    with store.runtime() as rt:
        clinic = build_clinic(rt)
        measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [1] * 8 + [2])
    return store, clinic


def test_export_prints_a_valid_bundle_or_writes_a_private_file(
    clinic_store: tuple[Store, Clinic], tmp_path: Path
) -> None:
    store, clinic = clinic_store
    result = store.run("export", "fhir", str(clinic.patient_a_id))
    assert result.exit_code == 0, result.output
    Bundle.model_validate_json(result.stdout)
    entries = json.loads(result.stdout)["entry"]
    assert [e["resource"]["resourceType"] for e in entries] == [
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "Flag",
    ]
    target = tmp_path / "bundle.json"
    result = store.run("export", "fhir", str(clinic.patient_a_id), "-o", str(target))
    assert result.exit_code == 0 and "written to" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["type"] == "collection"
    assert store.audit_actions()[-1] == ("patient.export_fhir", "success", str(clinic.patient_a_id))


def test_import_stores_what_is_missing_once(
    clinic_store: tuple[Store, Clinic], tmp_path: Path
) -> None:
    store, clinic = clinic_store
    target = tmp_path / "bundle.json"
    assert store.run("export", "fhir", str(clinic.patient_a_id), "-o", str(target)).exit_code == 0
    store.sql("DELETE FROM questionnaire_response")
    command = ("import", "fhir", str(target), "--clinician", "clinician.a")
    first = store.run(*command)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {
        "patient_id": str(clinic.patient_a_id),
        "imported": 1,
        "skipped_duplicates": 0,
        "alerts_raised": ["risk:urgent"],
        "pgx_imported": [],  # the export carries no pharmacogenomic results
    }
    again = store.run("import", "fhir", "-", "--clinician", "clinician.a", input=target.read_text())
    assert (json.loads(again.stdout)["imported"], again.exit_code) == (0, 0)
    assert store.audit_actions()[-1] == ("patient.import_fhir", "success", str(clinic.patient_a_id))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle"),
    ],
)
def test_a_bad_file_fails_in_one_line_and_is_audited(
    clinic_store: tuple[Store, Clinic], tmp_path: Path, content: str, message: str
) -> None:
    store, _ = clinic_store
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = store.run("import", "fhir", str(bad), "--clinician", "clinician.a")
    assert result.exit_code == 1
    assert message in error_line(result)
    assert store.audit_actions()[-1] == ("patient.import_fhir", "failure", None)


def test_wrong_patient_or_file_fails_in_one_line(
    clinic_store: tuple[Store, Clinic], tmp_path: Path
) -> None:
    store, clinic = clinic_store
    missing = store.run("import", "fhir", str(tmp_path / "nope.json"), "--clinician", "x")
    assert missing.exit_code == 1 and "cannot read" in error_line(missing)
    for patient, message in (("nope", "must be a UUID"), (str(clinic.team_a), "not found")):
        result = store.run("export", "fhir", patient)
        assert result.exit_code == 1 and message in error_line(result)
