"""Request rate limits shared by every app process: the generic cell rate algorithm (GCRA).

GCRA (the ATM Forum's leaky bucket as a virtual scheduler, as used by Redis-cell and
Stripe) keeps one timestamp per key, the "theoretical arrival time": ``limit`` requests may
arrive at once, then one every ``period / limit`` seconds. It needs no list of past requests,
so a key costs a few bytes in Redis. The Redis implementation runs as one Lua script (atomic
across processes, on the Redis server's clock); the in-memory one serves a single process.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("mindway.rate_limit")
PREFIX = "mindway:rate:"


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead; if not, how many seconds until one may."""

    allowed: bool
    retry_after_s: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """RFC 9110 10.2.3 Retry-After: whole seconds, rounded up, at least 1."""
        return str(max(1, math.ceil(self.retry_after_s)))


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, period_s: float) -> Decision:
        """Count one request on ``key``, allowed at most ``limit`` per ``period_s``."""
        ...

    def close(self) -> None: ...


def gcra(tat: float, now: float, limit: int, period_s: float) -> tuple[Decision, float]:
    """One GCRA step: the decision and the new theoretical arrival time to store."""
    interval = period_s / limit
    new_tat = max(tat, now) + interval
    allow_at = new_tat - period_s
    if now < allow_at:
        return Decision(False, allow_at - now), tat
    return Decision(True), new_tat


class MemoryRateLimiter:
    """GCRA in this process's memory (without Redis there is one process)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.tats: dict[str, float] = {}

    def hit(self, key: str, limit: int, period_s: float) -> Decision:
        with self.lock:
            now = self.clock()
            if len(self.tats) > 100_000:  # forget keys whose bucket has drained
                self.tats = {k: t for k, t in self.tats.items() if t > now}
            decision, self.tats[key] = gcra(self.tats.get(key, now), now, limit, period_s)
            return decision

    def close(self) -> None:
        self.tats.clear()


# KEYS[1]: the key; ARGV: limit, period (ms). Returns {allowed, retry_after_ms}. Time comes
# from the Redis server so that processes on different machines agree.
GCRA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local interval = period / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now))
return {1, 0}
"""


class RedisRateLimiter:
    """GCRA in Redis, atomic in one Lua script: every process counts into the same bucket."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, health_check_interval=30)
        self.script = self.client.register_script(GCRA_SCRIPT)

    def hit(self, key: str, limit: int, period_s: float) -> Decision:
        import redis

        try:
            allowed, retry_ms = self.script(keys=[PREFIX + key], args=[limit, int(period_s * 1000)])
        except redis.RedisError as exc:
            # Fail open: a Redis outage must not take the service (and its crisis paths) down.
            log.warning("rate limit not checked, Redis does not answer: %s", exc)
            return Decision(True)
        return Decision(bool(allowed), int(retry_ms) / 1000)

    def close(self) -> None:
        self.client.close()


def open_limiter(redis_url: str | None) -> RateLimiter:
    """Redis when a URL is configured, else this process's memory."""
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
