"""Web Push reminders: sealed subscriptions, the VAPID key, and real delivery to a push
endpoint on 127.0.0.1 that decrypts the message (RFC 8291) and checks the VAPID signature
(RFC 8292), as a browser's push service and the browser would. No traffic leaves 127.0.0.1."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pydantic import SecretStr
from sqlalchemy import select

from mindway.errors import ConfigurationError, Forbidden, InvalidInput
from mindway.security import crypto
from mindway.security.keys import keys_dir, load_vapid_key
from mindway.services import checkin_reminders, privacy, web_push
from mindway.services.runtime import Runtime
from mindway.store.models import CheckinReminder, PushSubscription
from tests.clinic import Clinic
from tests.conftest import fast_settings
from tests.services.audit_trail import AuditWatch, table_counts


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's side of a subscription: its ECDH P-256 key and 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push endpoint on 127.0.0.1 (a thread): records each POST, answers ``status``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.received.append(Received(self.path, headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = PushService()
    try:
        yield service
    finally:
        service.close()


def verify_vapid(authorization: str, public_key: str, audience: str, subject: str) -> None:
    """Check an RFC 8292 ``vapid t=<JWT>, k=<key>`` header: ES256 signature and claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert fields["k"] == public_key
    header, claims, signature = fields["t"].split(".")
    assert json.loads(unb64url(header))["alg"] == "ES256"
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    point.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):  # and the check does check
        point.verify(der, f"{header}.{claims}x".encode(), ec.ECDSA(hashes.SHA256()))
    body = json.loads(unb64url(claims))
    assert body["aud"] == audience and body["sub"] == subject
    assert time.time() < body["exp"] <= time.time() + 24 * 3600


def _due_now(rt: Runtime, clinic: Clinic) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    hhmm = (now - timedelta(minutes=1)).strftime("%H:%M")
    checkin_reminders.set_reminder(rt, clinic.patient_a, clinic.patient_a_id, [hhmm], "UTC")
    return now


def _rows(rt: Runtime) -> list[PushSubscription]:
    with rt.transaction() as db:
        rows = list(db.scalars(select(PushSubscription)))
        db.expunge_all()
        return rows


# --- subscriptions -------------------------------------------------------------------------


def test_subscribe_seals_the_endpoint_and_unsubscribe_forgets_it(
    rt: Runtime, clinic: Clinic
) -> None:
    endpoint = "https://push.example.net/wpush/v2/secret-device-token"
    data = Browser().subscription(endpoint)
    watch = AuditWatch(rt)
    web_push.subscribe(rt, clinic.patient_a, clinic.patient_a_id, data)
    assert watch.single().action == "push_subscription.create"
    web_push.subscribe(rt, clinic.patient_a, clinic.patient_a_id, data)  # same device again
    (row,) = _rows(rt)
    assert row.endpoint_enc.startswith("mw1.") and row.keys_enc.startswith("mw1.")
    for sealed in (row.endpoint_enc, row.keys_enc):
        assert "secret-device-token" not in sealed and data["keys"]["auth"] not in sealed
    assert web_push.device_count(rt, clinic.patient_a, clinic.patient_a_id) == 1
    assert web_push.unsubscribe(rt, clinic.patient_a, clinic.patient_a_id, "https://x.test/") == 0
    watch = AuditWatch(rt)
    assert web_push.unsubscribe(rt, clinic.patient_a, clinic.patient_a_id, endpoint) == 1
    assert watch.single().action == "push_subscription.delete"
    assert _rows(rt) == []


def test_only_the_patient_subscribes_their_devices(rt: Runtime, clinic: Clinic) -> None:
    data = Browser().subscription("https://push.example.net/a")
    with pytest.raises(Forbidden):
        web_push.subscribe(rt, clinic.clinician_a, clinic.patient_a_id, data)
    assert _rows(rt) == []


GOOD_KEYS = Browser().subscription("https://push.example.net/a")["keys"]


@pytest.mark.parametrize(
    "data",
    [
        "https://push.example.net/a",
        {"endpoint": "http://push.example.net/a", "keys": GOOD_KEYS},  # not https
        {"endpoint": "https://user@push.example.net/a", "keys": GOOD_KEYS},
        {"endpoint": "https://push.example.net/" + "a" * 3000, "keys": GOOD_KEYS},
        {"endpoint": "https://push.example.net/a"},
        {"endpoint": "https://push.example.net/a", "keys": {**GOOD_KEYS, "auth": "c2hvcnQ"}},
        {"endpoint": "https://push.example.net/a", "keys": {**GOOD_KEYS, "p256dh": "!!"}},
        {"endpoint": "https://push.example.net/a", "keys": {**GOOD_KEYS, "p256dh": 5}},
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_stored(
    rt: Runtime, clinic: Clinic, data: object
) -> None:
    before = table_counts(rt)
    with pytest.raises(InvalidInput):
        web_push.subscribe(rt, clinic.patient_a, clinic.patient_a_id, data)
    assert _rows(rt) == [] and table_counts(rt)["push_subscription"] == 0
    assert {k: v for k, v in table_counts(rt).items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }


def test_export_lists_devices_and_erasure_removes_them(rt: Runtime, clinic: Clinic) -> None:
    web_push.subscribe(
        rt, clinic.patient_a, clinic.patient_a_id, Browser().subscription("https://p.test/1")
    )
    document = privacy.export_patient(rt, clinic.patient_a, clinic.patient_a_id)
    (device,) = document["push_subscriptions"]
    assert device["endpoint"] == "https://p.test/1" and "keys" not in device
    privacy.erase_patient(rt, clinic.admin, clinic.patient_a_id)
    assert _rows(rt) == []


# --- the VAPID key -------------------------------------------------------------------------


def test_vapid_key_is_generated_private_and_kept(tmp_path: Path) -> None:
    settings = fast_settings(tmp_path)
    first = load_vapid_key(settings)
    path = keys_dir(settings) / "vapid_private.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_vapid_key(settings) == first and first.subject == "mailto:admin@localhost"
    point = unb64url(first.public_key)
    assert len(point) == 65 and point[0] == 4
    assert "PRIVATE" not in repr(first)


def test_production_needs_its_own_vapid_key_and_a_real_subject(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="MINDWAY_VAPID_PRIVATE_KEY"):
        load_vapid_key(fast_settings(tmp_path, production=True))
    assert not (keys_dir(fast_settings(tmp_path)) / "vapid_private.pem").exists()
    pem = crypto.new_vapid_private_pem()
    with pytest.raises(ConfigurationError, match="MINDWAY_VAPID_SUBJECT"):
        load_vapid_key(fast_settings(tmp_path, production=True, vapid_private_key=SecretStr(pem)))
    real = "mailto:privacy@clinic.example"
    key = load_vapid_key(
        fast_settings(
            tmp_path, vapid_private_key=SecretStr(pem), vapid_subject=real, production=True
        )
    )
    assert key.public_key == crypto.vapid_public_key(pem)
    generated = load_vapid_key(fast_settings(tmp_path / "dev")).private_pem
    with pytest.raises(ConfigurationError, match="generated"):
        load_vapid_key(
            fast_settings(
                tmp_path / "dev",
                vapid_private_key=SecretStr(generated),
                vapid_subject=real,
                production=True,
            )
        )
    with pytest.raises(ConfigurationError, match="P-256"):
        other = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        load_vapid_key(fast_settings(tmp_path, vapid_private_key=SecretStr(other.decode())))


# --- delivery ------------------------------------------------------------------------------


def test_reminder_arrives_encrypted_and_signed(
    rt: Runtime, clinic: Clinic, push_service: PushService
) -> None:
    assert rt.vapid is not None
    browser = Browser()
    endpoint = push_service.origin + "/wpush/device-1"
    web_push.subscribe(rt, clinic.patient_a, clinic.patient_a_id, browser.subscription(endpoint))
    now = _due_now(rt, clinic)
    watch = AuditWatch(rt)
    assert checkin_reminders.send_due_prompts(rt, now) == 1
    assert [e.action for e in watch.new()] == [
        "checkin_reminder.prompt",
        "checkin_reminder.push",
    ]
    assert watch.new()[-1].reason == "1 sent, 0 expired, 0 failed"
    assert checkin_reminders.prompt_pending(rt, clinic.patient_a)  # in-app too
    (got,) = push_service.received
    assert got.path == "/wpush/device-1"
    assert got.headers["content-encoding"] == "aes128gcm"
    assert int(got.headers["ttl"]) == web_push.TTL_SECONDS
    assert b"check-in" not in got.body  # encrypted on the wire
    plain = http_ece.decrypt(
        got.body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
    )
    assert json.loads(plain) == {
        "title": "Mindway",
        "body": "Time for your check-in",
        "url": "/patient/checkin",
    }
    verify_vapid(
        got.headers["authorization"], rt.vapid.public_key, push_service.origin, rt.vapid.subject
    )
    (row,) = _rows(rt)
    assert row.last_error is None


def test_gone_subscription_is_deleted_and_errors_are_noted(
    rt: Runtime, clinic: Clinic, push_service: PushService
) -> None:
    web_push.subscribe(
        rt,
        clinic.patient_a,
        clinic.patient_a_id,
        Browser().subscription(push_service.origin + "/gone"),
    )
    push_service.status = 410
    now = _due_now(rt, clinic)
    assert checkin_reminders.send_due_prompts(rt, now) == 1
    assert _rows(rt) == []
    assert checkin_reminders.prompt_pending(rt, clinic.patient_a)  # the in-app prompt stays

    web_push.subscribe(
        rt,
        clinic.patient_a,
        clinic.patient_a_id,
        Browser().subscription(push_service.origin + "/broken"),
    )
    push_service.status = 500
    assert rt.vapid is not None
    channel = web_push.WebPushChannel(rt.keyring, rt.vapid)
    with rt.transaction() as db:
        (target,) = channel.targets(db, [clinic.patient_a_id])
    results = channel.send_all([target])
    assert results[target.id] == ("failed", "push service answered 500")
    with rt.transaction() as db:
        channel.record(db, results)
    (row,) = _rows(rt)
    assert row.last_error == "push service answered 500"


def test_an_unreachable_push_service_neither_raises_nor_waits_long(
    rt: Runtime, clinic: Clinic, push_service: PushService
) -> None:
    dead = push_service.origin
    push_service.close()  # the port is closed now: connection refused
    web_push.subscribe(
        rt, clinic.patient_a, clinic.patient_a_id, Browser().subscription(dead + "/x")
    )
    now = _due_now(rt, clinic)
    started = time.monotonic()
    assert checkin_reminders.send_due_prompts(rt, now) == 1
    assert time.monotonic() - started < web_push.TIMEOUT_SECONDS + 2
    (row,) = _rows(rt)
    assert row.last_error is not None and "could not reach" in row.last_error


def test_no_push_without_subscriptions_or_without_a_key(rt: Runtime, clinic: Clinic) -> None:
    now = _due_now(rt, clinic)
    watch = AuditWatch(rt)
    assert checkin_reminders.send_due_prompts(rt, now) == 1
    assert [e.action for e in watch.new()] == ["checkin_reminder.prompt"]
    assert web_push.channel(Runtime(rt.settings, rt.keyring, rt.engine, rt.sessions)) is None


def test_the_channel_plugs_in_as_a_reminder_channel(
    rt: Runtime, clinic: Clinic, push_service: PushService
) -> None:
    assert rt.vapid is not None
    channel: checkin_reminders.ReminderChannel = web_push.WebPushChannel(rt.keyring, rt.vapid)
    web_push.subscribe(
        rt, clinic.patient_a, clinic.patient_a_id, Browser().subscription(push_service.origin)
    )
    _due_now(rt, clinic)
    with rt.transaction() as db:
        reminder = db.get(CheckinReminder, clinic.patient_a_id)
        assert reminder is not None
        channel.deliver(db, reminder, datetime.now(UTC))
    assert len(push_service.received) == 1 and channel.name == "web_push"
