"""What the schemathesis fuzzing (tests/api/test_fuzz_openapi.py) found, as minimal explicit
cases checked against the OpenAPI document exactly as the app publishes it.

Each was a strict xfail until the app was fixed; now each keeps its fix in place.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.calls import API, sign_in
from tests.api.test_fuzz_openapi import send
from tests.clinic import Clinic

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def backend() -> str:
    return "sqlite"


def published(client: TestClient, method: str, path: str) -> Any:
    """The operation as /openapi.json documents it, unchanged."""
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())[path][method]


def test_a_validation_problem_is_documented_as_served(client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["clinician_a"])
    operation = published(client, "POST", f"{API}/patients/{{patient_id}}/notes")
    case = operation.Case(path_parameters={"patient_id": str(clinic.patient_a_id)}, body={})
    response = send(client, case, headers)
    assert response.status_code == 422
    case.validate_response(response, checks=CONFORMANCE)


def test_the_fhir_bundle_is_documented_as_fhir_json(client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["patient_a"])
    operation = published(client, "GET", f"{API}/patients/{{patient_id}}/fhir")
    case = operation.Case(path_parameters={"patient_id": str(clinic.patient_a_id)})
    response = send(client, case, headers)
    assert response.status_code == 200
    case.validate_response(response, checks=CONFORMANCE)


def test_the_training_csv_is_documented_as_text_csv(client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["researcher"])
    operation = published(client, "GET", f"{API}/research/treatment-decisions.csv")
    case = operation.Case()
    response = send(client, case, headers)
    assert response.status_code == 200
    case.validate_response(response, checks=CONFORMANCE)


def test_a_not_found_problem_is_documented(client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["clinician_a"])
    operation = published(client, "GET", f"{API}/patients/{{patient_id}}")
    case = operation.Case(path_parameters={"patient_id": str(uuid.uuid4())})
    response = send(client, case, headers)
    assert response.status_code == 404
    case.validate_response(response, checks=CONFORMANCE)
