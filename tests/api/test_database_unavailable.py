"""While the database is unreachable (a PostgreSQL restart), the API answers 503 with
Retry-After and a problem document, not a 500 with a traceback (issue 8, faults)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from mindway.services import patients
from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic


def test_an_unreachable_database_is_a_503_with_retry_after(
    client: TestClient, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = sign_in(client, clinic.usernames["clinician_a"])

    def unreachable(*_: object, **__: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(patients, "caseload", unreachable)
    response = client.get(f"{API}/patients", headers=headers)
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"
