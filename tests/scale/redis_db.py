"""A Redis database of the scale tests' own (number 7), emptied before and after use.

Redis runs on 127.0.0.1:6379 on the development and CI machines; under ``CI=true`` the tests
fail, not skip, when it is unreachable. Pub/sub channels are not per database, so the tests
use unique channel names or session ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

REDIS_URL = os.environ.get("MINDWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@contextmanager
def flushed_redis() -> Iterator[str]:
    """The test Redis database's URL, flushed on the way in and out (that database only)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        try:
            client.ping()
        except redis.RedisError as exc:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"Redis is unreachable at {REDIS_URL} under CI: {exc}")
            pytest.skip(f"Redis unreachable: {exc}")
        client.flushdb()
        try:
            yield REDIS_URL
        finally:
            client.flushdb()
    finally:
        client.close()
