"""The event bus between app processes, and live VR records reaching other processes."""

from __future__ import annotations

import asyncio
import queue
import time
import uuid
from typing import Any

import pytest
import redis

from mindway.services import vr_live
from mindway.services.event_bus import PREFIX, Hub, LocalBus, RedisBus
from tests.services.vr_drive import deliver_pending

WAIT_S = 10.0


def test_local_bus_reaches_other_buses_on_the_hub_not_the_sender() -> None:
    hub = Hub()
    one, two = LocalBus(hub), LocalBus(hub)
    heard_one: list[dict[str, Any]] = []
    heard_two: list[dict[str, Any]] = []
    one.subscribe("c", heard_one.append)
    two.subscribe("c", heard_two.append)
    one.publish("c", {"n": 1})
    one.publish("other", {"n": 2})
    assert heard_one == [] and heard_two == [{"n": 1}]
    two.close()
    one.publish("c", {"n": 3})
    assert heard_two == [{"n": 1}]


def test_a_failing_handler_does_not_silence_the_others() -> None:
    hub = Hub()
    sender, listener = LocalBus(hub), LocalBus(hub)
    heard: list[dict[str, Any]] = []

    def broken(_message: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    listener.subscribe("c", broken)
    listener.subscribe("c", heard.append)
    sender.publish("c", {"ok": True})
    assert heard == [{"ok": True}]


def _subscribed(url: str, channel: str, count: int) -> None:
    """Wait until Redis reports ``count`` subscribers (SUBSCRIBE is answered asynchronously)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + WAIT_S
    try:
        while (
            dict(client.pubsub_numsub(PREFIX + channel)).get((PREFIX + channel).encode()) != count
        ):
            assert time.monotonic() < deadline, "the subscription never became active"
            time.sleep(0.05)
    finally:
        client.close()


def test_redis_bus_delivers_to_other_processes_only(redis_url: str) -> None:
    channel = f"test.{uuid.uuid4().hex}"
    one, two = RedisBus(redis_url), RedisBus(redis_url)
    heard_one: queue.Queue[dict[str, Any]] = queue.Queue()
    heard_two: queue.Queue[dict[str, Any]] = queue.Queue()
    try:
        one.subscribe(channel, heard_one.put)
        two.subscribe(channel, heard_two.put)
        _subscribed(redis_url, channel, 2)
        redis.Redis.from_url(redis_url).publish(PREFIX + channel, "not json")  # ignored
        one.publish(channel, {"from": "one", "text": "ünïcode"})
        two.publish(channel, {"from": "two"})
        assert heard_two.get(timeout=WAIT_S) == {"from": "one", "text": "ünïcode"}
        assert heard_one.get(timeout=WAIT_S) == {"from": "two"}
        assert heard_one.empty() and heard_two.empty()
    finally:
        one.close()
        two.close()


def test_publishing_without_redis_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    bus = RedisBus("redis://127.0.0.1:1/0")
    try:
        bus.publish("c", {"x": 1})
    finally:
        bus.close()
    assert "could not publish" in caplog.text


def _live_session() -> vr_live.LiveSession:
    patient, item = uuid.uuid4(), uuid.uuid4()
    return vr_live.keep(vr_live.LiveSession.open(uuid.uuid4(), f"{patient}/{item}", 1, None))


def test_records_of_a_session_reach_watchers_in_another_process() -> None:
    """Process A runs the controller; process B rebuilt the session for its watcher."""
    hub = Hub()
    here, elsewhere = LocalBus(hub), LocalBus(hub)
    published: list[dict[str, Any]] = []
    elsewhere.subscribe(vr_live.CHANNEL, published.append)
    live = _live_session()
    loop = asyncio.new_event_loop()
    watcher = vr_live.Watcher(asyncio.Queue(), loop)
    live.watchers.add(watcher)
    vr_live.attach(here)
    try:
        reply = live.sample({"t": 1.0, "hr": 80.0, "eda": 2.0, "suds": 40})
        assert "intensity" in reply
        assert len(published) == 1 and published[0]["session"] == str(live.session_id)
        assert published[0]["message"]["event"] == "update"
        # Another process's record for this session reaches our watcher unchanged.
        record = {"event": "update", "t": 2.0, "intensity": 0.3}
        vr_live._from_elsewhere({"session": str(live.session_id), "message": record})
        vr_live._from_elsewhere({"session": "not-a-uuid", "message": record})
        end = {"event": "session_end", "reason": "ended"}
        vr_live._from_elsewhere({"session": str(live.session_id), "message": end})
        deliver_pending(loop)
        seen = [watcher.queue.get_nowait() for _ in range(watcher.queue.qsize())]
        assert [m["event"] for m in seen] == ["update", "update", "session_end"]
        assert seen[1] == record
        assert vr_live.find(live.session_id) is None  # the stale copy was dropped
    finally:
        vr_live.detach(here)
        vr_live.drop(live.session_id)
        loop.close()


def test_a_local_claim_names_its_owner_until_released_or_expired() -> None:
    hub = Hub()
    one, two = LocalBus(hub), LocalBus(hub)
    assert one.owner("x") is None
    one.claim("x", 60.0)
    assert one.owner("x") == two.owner("x") == one.origin
    two.release("x")  # not two's to give up
    assert two.owner("x") == one.origin
    one.release("x")
    assert two.owner("x") is None
    two.claim("x", -1.0)  # already expired
    assert one.owner("x") is None


def _owner_is(bus: RedisBus, name: str, expected: str | None) -> None:
    """Wait for a queued claim or release to reach Redis (it is sent by the bus's thread)."""
    deadline = time.monotonic() + WAIT_S
    while bus.owner(name) != expected:
        assert time.monotonic() < deadline, f"the owner of {name} never became {expected}"
        time.sleep(0.05)


def test_a_redis_claim_is_seen_by_other_processes_and_expires(redis_url: str) -> None:
    name = f"test.owner.{uuid.uuid4().hex}"
    one, two = RedisBus(redis_url), RedisBus(redis_url)
    client = redis.Redis.from_url(redis_url)
    try:
        assert two.owner(name) is None
        one.claim(name, 30.0)
        _owner_is(two, name, one.origin)
        assert 0 < client.pttl(PREFIX + name) <= 30_000  # a dead owner is forgotten
        two.release(name)  # only the owner's release deletes the key
        two.claim(f"{name}.other", 30.0)  # queued after the release: once seen, it was sent
        _owner_is(one, f"{name}.other", two.origin)
        assert two.owner(name) == one.origin
        one.release(name)
        _owner_is(two, name, None)
    finally:
        client.close()
        one.close()
        two.close()


def test_answering_a_sample_claims_the_session_for_this_process() -> None:
    hub = Hub()
    here, elsewhere = LocalBus(hub), LocalBus(hub)
    live = _live_session()
    vr_live.attach(here)
    try:
        key = vr_live.owner_key(live.session_id)
        assert elsewhere.owner(key) is None and not vr_live.owned_elsewhere(live.session_id)
        live.sample({"t": 0.0, "hr": 80.0, "eda": 2.0, "suds": 40})
        assert elsewhere.owner(key) == here.origin
        assert not vr_live.owned_elsewhere(live.session_id)
        elsewhere.claim(key, vr_live.OWNER_TTL_S)  # the scene reconnected to another process
        assert vr_live.owned_elsewhere(live.session_id)
        vr_live.disown(live.session_id)  # not ours any more: left alone
        assert elsewhere.owner(key) == elsewhere.origin
    finally:
        vr_live.detach(here)
        vr_live.drop(live.session_id)
