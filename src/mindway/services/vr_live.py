"""Exposure sessions running in this process: the controller, its unsaved log, its watchers.

A live session answers each protocol message at once, in memory (one a second must not wait
for the database), and keeps what happened as records: every sample with the controller's
reply and estimate, every therapist override. :mod:`mindway.services.vr_sessions` seals the
records into the session's log in chunks. Because the controller is deterministic, replaying
the sealed records rebuilds the session exactly after a restart (or in another worker).
Clinicians watching a session get each record pushed to their connection's queue. With
several app processes a watcher may be connected to another process than the patient's scene
(which holds the controller): each record is also published on the event bus, and every other
process hands it to its own watchers of that session (:func:`attach`).

The process answering a session's samples owns it: it claims ``vr.owner:<session>`` on the
bus while samples arrive (refreshed every few seconds, forgotten :data:`OWNER_TTL_S` after the
last; released at the end). A therapist's override reaching another process is published on
:data:`CONTROL` and applied by the owner (:func:`forward`), so one process writes the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mindway.services.event_bus import EventBus
from mindway.vr import ControllerSession, MemoryProgressStore, PatientProgress, parse_sample
from mindway.vr.controller import ExposureController
from mindway.vr.decision import OVERRIDE_ACTIONS
from mindway.vr.protocol import error

if TYPE_CHECKING:
    from mindway.services.runtime import Runtime

CHECKPOINT_EVERY = 30
"""Records kept in memory before they are sealed into the log (a crash loses < 30 s)."""
CHANNEL = "vr.live"
"""The event-bus channel of watcher messages: ``{"session": id, "message": {...}}``."""
CONTROL = "vr.control"
"""The event-bus channel of forwarded overrides: ``{"session", "action", "account", "auth"}``."""
OWNER_TTL_S = 30.0
"""An owner silent this long (no sample answered) is forgotten: another process may take over."""


@dataclass(eq=False)
class Watcher:
    """A clinician's connection: records are put on its queue from any thread."""

    queue: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop

    def push(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the watcher's loop has closed: it is gone
            self.loop.call_soon_threadsafe(self.queue.put_nowait, message)


@dataclass(eq=False)
class LiveSession:
    """One open session: the protocol, the records not yet sealed, and who is watching."""

    session_id: uuid.UUID
    patient_key: str
    number: int
    protocol: ControllerSession
    saved_chunks: int = 0
    saved_events: int = 0
    pending: list[dict[str, Any]] = field(default_factory=list)
    watchers: set[Watcher] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    claimed_at: float | None = None

    @classmethod
    def open(
        cls, session_id: uuid.UUID, patient_key: str, number: int, progress: PatientProgress | None
    ) -> LiveSession:
        store = MemoryProgressStore()
        if progress is not None:
            store.save(progress)
        protocol = ControllerSession(store)
        reply = protocol.handle(
            {"event": "session_start", "patient": patient_key, "session": number}
        )
        assert reply == {"ok": True}, reply
        return cls(session_id, patient_key, number, protocol)

    @property
    def controller(self) -> ExposureController:
        assert self.protocol.controller is not None
        return self.protocol.controller

    def replay(self, records: list[dict[str, Any]]) -> None:
        """Feed sealed records back through the controller (rebuilding its state)."""
        for record in records:
            if "override" in record:
                self.protocol.handle({"event": "override", "action": record["override"]})
            else:
                self.protocol.handle({k: record.get(k) for k in ("t", "hr", "eda", "suds")})
        self.saved_events = len(self.controller.events)

    # -- messages ------------------------------------------------------------------------
    def sample(self, message: dict[str, Any]) -> dict[str, Any]:
        """A sample: the controller's reply, and a record of both for the log and watchers."""
        with self.lock:
            parsed = parse_sample(message)
            reply = self.protocol.handle(message)
            if "intensity" not in reply or isinstance(parsed, str):
                return reply
            estimate = self.controller.estimate
            record = {
                "t": self.controller.t,
                "hr": parsed.hr,
                "eda": parsed.eda,
                "suds": parsed.suds,
                **reply,
                "fear": round(estimate.fear, 1),
                "fear_sd": round(estimate.sd, 1),
            }
            self.pending.append(record)
        self.claim()
        self.broadcast({"event": "update", **record})
        return reply

    def claim(self) -> None:
        """Own the session (samples are answered here), refreshing the claim every few seconds;
        queued before this sample's update, so whoever saw the update sees the owner."""
        bus, now = _bus, time.monotonic()
        if bus is None or (self.claimed_at is not None and now - self.claimed_at < OWNER_TTL_S / 3):
            return
        self.claimed_at = now
        bus.claim(owner_key(self.session_id), OWNER_TTL_S)

    def override(self, action: Any) -> dict[str, Any]:
        """A therapist's override (the caller has checked that it comes from a clinician)."""
        if action not in OVERRIDE_ACTIONS:
            return error(f"override needs 'action': one of {', '.join(OVERRIDE_ACTIONS)}")
        with self.lock:
            reply = self.protocol.handle({"event": "override", "action": action})
            record = {"t": self.controller.t, "override": action}
            self.pending.append(record)
        self.broadcast({"event": "override", **record})
        return reply

    def broadcast(self, message: dict[str, Any]) -> None:
        """To this process's watchers, and through the bus to the other processes'."""
        self.tell_watchers(message)
        bus = _bus
        if bus is not None:
            bus.publish(CHANNEL, {"session": str(self.session_id), "message": message})

    def tell_watchers(self, message: dict[str, Any]) -> None:
        for watcher in list(self.watchers):
            watcher.push(message)

    # -- saving ----------------------------------------------------------------------------
    def take_chunk(self) -> dict[str, Any] | None:
        """The records and controller events not yet sealed (None when there are none)."""
        with self.lock:
            events = self.controller.events[self.saved_events :] if self.protocol.controller else []
            if not self.pending and not events:
                return None
            chunk = {"records": self.pending, "events": events}
            self.pending = []
            self.saved_events += len(events)
            self.saved_chunks += 1
            return chunk

    def due(self) -> bool:
        return len(self.pending) >= CHECKPOINT_EVERY

    def state(self) -> str:
        last = self.controller.last if self.protocol.controller else None
        return str(last.state) if last is not None else "baseline"

    def finish(self) -> PatientProgress:
        """Close the controller; the patient's progress with this session folded in."""
        with self.lock:
            self.protocol.close()
            progress = self.protocol.store.load(self.patient_key)
        assert progress is not None
        return progress


_sessions: dict[uuid.UUID, LiveSession] = {}
_registry = threading.Lock()


def find(session_id: uuid.UUID) -> LiveSession | None:
    with _registry:
        return _sessions.get(session_id)


def keep(live: LiveSession) -> LiveSession:
    """Register ``live`` unless another thread registered the same session first."""
    with _registry:
        return _sessions.setdefault(live.session_id, live)


def replace(stale: LiveSession, fresh: LiveSession) -> LiveSession:
    """Put ``fresh`` in place of ``stale`` (its watchers carried over) unless another thread
    replaced or dropped it first; the session registered in the end."""
    with _registry:
        current = _sessions.get(stale.session_id)
        if current is not stale:
            return current if current is not None else _sessions.setdefault(fresh.session_id, fresh)
        fresh.watchers = stale.watchers  # the same set: connections holding either see it
        _sessions[fresh.session_id] = fresh
        return fresh


def drop(session_id: uuid.UUID) -> LiveSession | None:
    with _registry:
        return _sessions.pop(session_id, None)


_bus: EventBus | None = None


def attach(bus: EventBus, rt: Runtime | None = None) -> None:
    """Publish this process's records on ``bus`` and hand other processes' to local watchers;
    with ``rt``, apply the overrides other processes forward to this one."""
    global _bus
    bus.subscribe(CHANNEL, _from_elsewhere)
    if rt is not None:
        from mindway.services import vr_sessions  # it builds on this module: import it late

        bus.subscribe(CONTROL, functools.partial(vr_sessions.apply_forwarded, rt))
    _bus = bus


def owner_key(session_id: uuid.UUID) -> str:
    return f"vr.owner:{session_id}"


def owned_elsewhere(session_id: uuid.UUID) -> bool:
    """True when another live process answers this session's samples (then it overrides)."""
    bus = _bus
    if bus is None:
        return False
    owner = bus.owner(owner_key(session_id))
    return owner is not None and owner != bus.origin


def disown(session_id: uuid.UUID) -> None:
    bus = _bus
    if bus is not None:
        bus.release(owner_key(session_id))


def forward(session_id: uuid.UUID, action: str, account: uuid.UUID, auth: uuid.UUID | None) -> None:
    """Send a therapist's override to the process owning the session (see :data:`CONTROL`)."""
    bus = _bus
    assert bus is not None, "forward only when owned_elsewhere()"
    message = {"session": str(session_id), "action": action, "account": str(account)}
    bus.publish(CONTROL, message | {"auth": str(auth) if auth else None})


def detach(bus: EventBus) -> None:
    global _bus
    if _bus is bus:
        _bus = None


def _from_elsewhere(envelope: dict[str, Any]) -> None:
    """A record another process produced: to our watchers of that session, if any. When the
    session ended there, the copy this process rebuilt for its watchers is stale: drop it."""
    message = envelope.get("message")
    try:
        session_id = uuid.UUID(str(envelope.get("session")))
    except ValueError:
        return
    live = find(session_id)
    if live is None or not isinstance(message, dict):
        return
    live.tell_watchers(message)
    if message.get("event") == "session_end":
        drop(session_id)
