"""Events between app processes: what one process publishes, every other process hears.

Several stateless app processes share one PostgreSQL and one Redis. A clinician watching a
live VR session may hold their socket on a different process than the patient's scene, so
records are published on a channel and delivered to each subscribed process but the sender
(which has delivered them to its own listeners already). Without ``MINDWAY_REDIS_URL`` there
is one process, and the in-process :class:`LocalBus` stands in (it also lets tests play
several processes on one :class:`Hub`). Delivery is at most once: a process that is down
misses what was said meanwhile, which is why anything that must survive lives in the database.

A bus also records which process owns a named thing (a live VR session's controller): a claim
holds for a time-to-live and is refreshed by its owner, so an owner that dies is forgotten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("mindway.events")

Handler = Callable[[dict[str, Any]], None]
RECONNECT_PAUSE_S = 1.0
SEND_TIMEOUT_S = 2.0
OUTBOX_SIZE = 10_000  # messages waiting while Redis is away (bounded: then dropped)
PREFIX = "mindway:"  # Redis channel names, so that other users of the server are not heard


class EventBus(Protocol):
    """Publish JSON objects on named channels; receive those other processes publish."""

    origin: str

    def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str, handler: Handler) -> None: ...

    def claim(self, name: str, ttl_s: float) -> None:
        """Make this process the owner of ``name`` for ``ttl_s`` seconds (without waiting)."""

    def owner(self, name: str) -> str | None:
        """The origin of the process owning ``name``, or None (unowned, or unknown)."""

    def release(self, name: str) -> None:
        """Give ``name`` up, if this process owns it."""

    def close(self) -> None: ...


def _deliver(handler: Handler, message: dict[str, Any]) -> None:
    try:
        handler(message)
    except Exception:  # one faulty listener must not silence the channel for the others
        log.exception("event handler failed")


class Hub:
    """The in-process switchboard that :class:`LocalBus` instances share."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: dict[str, list[tuple[str, Handler]]] = {}
        self.owners: dict[str, tuple[str, float]] = {}  # name -> (origin, monotonic expiry)


class LocalBus:
    """The bus inside one process: handlers of other buses on the same hub hear a message."""

    def __init__(self, hub: Hub | None = None) -> None:
        self.hub = hub or Hub()
        self.origin = uuid.uuid4().hex

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self.hub.lock:
            listeners = list(self.hub.listeners.get(channel, ()))
        for origin, handler in listeners:
            if origin != self.origin:
                _deliver(handler, message)

    def subscribe(self, channel: str, handler: Handler) -> None:
        with self.hub.lock:
            self.hub.listeners.setdefault(channel, []).append((self.origin, handler))

    def claim(self, name: str, ttl_s: float) -> None:
        with self.hub.lock:
            self.hub.owners[name] = (self.origin, time.monotonic() + ttl_s)

    def owner(self, name: str) -> str | None:
        with self.hub.lock:
            origin, expires = self.hub.owners.get(name, ("", 0.0))
        return origin if origin and time.monotonic() < expires else None

    def release(self, name: str) -> None:
        with self.hub.lock:
            if self.hub.owners.get(name, ("", 0.0))[0] == self.origin:
                del self.hub.owners[name]

    def close(self) -> None:
        with self.hub.lock:
            for channel, listeners in self.hub.listeners.items():
                self.hub.listeners[channel] = [e for e in listeners if e[0] != self.origin]


_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
"""Delete an owner key only if it still names this process (atomic in Redis)."""


class RedisBus:
    """Redis pub/sub: one connection listening in a daemon thread, handlers called there.

    Each message travels as ``{"origin": ..., "message": ...}`` so a process skips its own.
    Publishing only queues the message: a thread of its own sends it, so that a caller on the
    event loop (a VR sample is answered there) never waits for Redis. Claims are queued the
    same way (after what was published before them); an owner is the key ``mindway:<name>``
    holding the owner's origin, with the claim's time-to-live.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.origin = uuid.uuid4().hex
        self.client = redis.Redis.from_url(
            url, decode_responses=True, health_check_interval=30, socket_connect_timeout=5
        )
        self.sender = redis.Redis.from_url(url, socket_timeout=SEND_TIMEOUT_S)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self.handlers: dict[str, list[Handler]] = {}
        self.thread: Any = None
        self.lock = threading.Lock()
        self.outbox: queue.Queue[tuple[str, str, str] | None] = queue.Queue(maxsize=OUTBOX_SIZE)
        self.publisher = threading.Thread(target=self._send_all, name="event-bus", daemon=True)
        self.publisher.start()

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        envelope = json.dumps({"origin": self.origin, "message": message}, ensure_ascii=False)
        self._queue("publish", PREFIX + channel, envelope)

    def _queue(self, op: str, name: str, value: str) -> None:
        try:
            self.outbox.put_nowait((op, name, value))
        except queue.Full:  # Redis has been away for a while: live views miss this one
            log.warning("event outbox full; dropped a %s on %s", op, name)

    def _send_all(self) -> None:
        while (item := self.outbox.get()) is not None:
            op, name, value = item
            try:
                if op == "publish":
                    self.sender.publish(name, value)
                elif op == "claim":
                    self.sender.set(name, self.origin, px=int(float(value) * 1000))
                else:
                    self.sender.eval(_RELEASE, 1, name, self.origin)
            except Exception:  # live views are a convenience; the records are sealed regardless
                log.warning("could not %s on %s: Redis does not answer", op, name)

    def claim(self, name: str, ttl_s: float) -> None:
        self._queue("claim", PREFIX + name, str(ttl_s))

    def owner(self, name: str) -> str | None:
        try:
            value = self.client.get(PREFIX + name)
        except Exception:
            log.warning("could not read the owner of %s: Redis does not answer", name)
            return None
        return str(value) if value else None

    def release(self, name: str) -> None:
        self._queue("release", PREFIX + name, "")

    def _receive(self, raw: dict[str, Any]) -> None:
        try:
            envelope = json.loads(raw["data"])
        except (TypeError, ValueError):
            log.warning("ignored a malformed event on %s", raw.get("channel"))
            return
        if not isinstance(envelope, dict) or envelope.get("origin") == self.origin:
            return
        message = envelope.get("message")
        channel = str(raw.get("channel", ""))[len(PREFIX) :]
        if isinstance(message, dict):
            for handler in list(self.handlers.get(channel, ())):
                _deliver(handler, message)

    def subscribe(self, channel: str, handler: Handler) -> None:
        with self.lock:
            self.handlers.setdefault(channel, []).append(handler)
            self.pubsub.subscribe(**{PREFIX + channel: self._receive})
            if self.thread is None:
                self.thread = self.pubsub.run_in_thread(
                    sleep_time=1.0, daemon=True, exception_handler=self._listener_failed
                )

    @staticmethod
    def _listener_failed(exc: BaseException, pubsub: Any, thread: Any) -> None:
        """Keep listening through a Redis restart (redis-py resubscribes on reconnect)."""
        log.warning("event listener: %s; reconnecting", exc)
        time.sleep(RECONNECT_PAUSE_S)  # in the listener's own thread: a back-off, not a wait

    def close(self) -> None:
        """Send what is queued (a few seconds at most), stop listening, disconnect."""
        with contextlib.suppress(queue.Full):
            self.outbox.put(None, timeout=SEND_TIMEOUT_S)
        self.publisher.join(timeout=SEND_TIMEOUT_S * 2)
        with self.lock:
            if self.thread is not None:
                self.thread.stop()
                self.thread = None
            self.pubsub.close()
            self.client.close()
            self.sender.close()


def open_bus(redis_url: str | None) -> EventBus:
    """Redis when a URL is configured, else the bus of this one process."""
    return RedisBus(redis_url) if redis_url else LocalBus()
