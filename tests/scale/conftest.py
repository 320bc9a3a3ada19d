"""Fixtures of the scale tests: a flushed Redis database of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.redis_db import flushed_redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    with flushed_redis() as url:
        yield url
