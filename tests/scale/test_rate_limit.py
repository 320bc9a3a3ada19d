"""The GCRA rate limiter: a burst of ``limit``, then one request per ``period / limit``."""

from __future__ import annotations

import pytest

from mindway.services.rate_limit import Decision, MemoryRateLimiter, RedisRateLimiter, gcra


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_gcra_allows_a_burst_of_limit_then_one_per_interval() -> None:
    tat, now = 0.0, 100.0
    allowed = []
    for _ in range(4):
        decision, tat = gcra(tat, now, limit=3, period_s=60)
        allowed.append(decision.allowed)
    assert allowed == [True, True, True, False]
    assert decision.retry_after_s == pytest.approx(20.0)  # 60 s / 3 requests


def test_memory_limiter_refills_one_request_per_interval() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    assert [limiter.hit("a", 3, 60).allowed for _ in range(3)] == [True, True, True]
    refused = limiter.hit("a", 3, 60)
    assert not refused.allowed and refused.retry_after_header == "20"
    assert limiter.hit("b", 3, 60).allowed  # keys are counted apart
    clock.now += 19.5
    assert not limiter.hit("a", 3, 60).allowed
    clock.now += 0.5
    assert limiter.hit("a", 3, 60).allowed
    assert not limiter.hit("a", 3, 60).allowed


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert Decision(False, 0.2).retry_after_header == "1"
    assert Decision(False, 1.01).retry_after_header == "2"


def test_redis_limiter_counts_across_processes(redis_url: str) -> None:
    """Two limiters stand for two app processes: they fill one bucket together."""
    first, second = RedisRateLimiter(redis_url), RedisRateLimiter(redis_url)
    try:
        results = [(first if i % 2 else second).hit("account:x", 4, 60) for i in range(5)]
        assert [r.allowed for r in results] == [True, True, True, True, False]
        assert 0 < results[-1].retry_after_s <= 15.0  # 60 s / 4 requests
        assert second.hit("account:y", 4, 60).allowed
    finally:
        first.close()
        second.close()


def test_redis_limiter_fails_open_when_redis_is_down() -> None:
    """An outage must not refuse every request (crisis paths included); it is logged."""
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
    try:
        assert all(limiter.hit("account:z", 1, 60).allowed for _ in range(3))
    finally:
        limiter.close()
