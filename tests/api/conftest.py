from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import serve
from tests.clinic import Clinic


@pytest.fixture
def client(rt: Runtime, clinic: Clinic) -> Iterator[TestClient]:
    with serve(rt) as test_client:
        yield test_client
