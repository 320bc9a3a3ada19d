from __future__ import annotations

from collections.abc import Iterator

import pytest

from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.web.visitor import Visitor, browser


@pytest.fixture
def visitor(rt: Runtime, clinic: Clinic) -> Iterator[Visitor]:
    with browser(rt) as v:
        yield v
