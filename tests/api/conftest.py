from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import serve
from tests.clinic import Clinic, build_clinic


@pytest.fixture
def clinic(rt: Runtime) -> Clinic:
    return build_clinic(rt)


@pytest.fixture
def client(rt: Runtime, clinic: Clinic) -> Iterator[TestClient]:
    with serve(rt) as test_client:
        yield test_client
