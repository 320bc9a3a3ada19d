from __future__ import annotations

import pytest

from mindway.services.runtime import Runtime
from tests.clinic import Clinic, build_clinic


@pytest.fixture
def clinic(rt: Runtime) -> Clinic:
    return build_clinic(rt)
