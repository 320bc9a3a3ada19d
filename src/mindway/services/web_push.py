"""Check-in reminders by Web Push: the browser's subscription, and the channel that sends.

A browser that supports the Push API subscribes with the server's VAPID public key (RFC 8292)
and hands over a push-service endpoint URL plus its keys for message encryption: ``p256dh``
(its ECDH P-256 public key) and ``auth`` (16 random bytes) (RFC 8291). Mindway keeps both
sealed, since together they let anyone message the device. To remind, it POSTs an encrypted
message to the endpoint (RFC 8030 section 5) signed with a VAPID token; pywebpush, py-vapid and
http-ece do the encryption (aes128gcm, RFC 8188) and signing.

The message carries no health data: "Time for your check-in" and the page to open. The push
service answers 404 or 410 for a subscription that is gone (RFC 8030 section 7.3): it is
deleted. Any other failure is noted in ``last_error`` and never raised, and every request has a
short timeout, so a slow push service cannot hold up the minute loop.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.errors import InvalidInput
from mindway.security.keys import Keyring, VapidKey
from mindway.security.policy import OPERATOR, Actor, Permission
from mindway.security.vault import Vault
from mindway.services import access
from mindway.services.runtime import Runtime, UseCase
from mindway.store.models import CheckinReminder, PushSubscription
from mindway.store.types import utcnow

MAX_ENDPOINT = 2048
MAX_DEVICES = 10
TIMEOUT_SECONDS = 4.0  # per request; the minute loop must not wait long on a push service
PARALLEL = 8
TTL_SECONDS = 4 * 3600  # RFC 8030 section 5.2: a reminder is stale after a few hours
CHECKIN_PATH = "/patient/checkin"
PAYLOAD = json.dumps(
    {"title": "Mindway", "body": "Time for your check-in", "url": CHECKIN_PATH},
    separators=(",", ":"),
)
Outcome = Literal["sent", "expired", "failed"]


@dataclass(frozen=True)
class BrowserSubscription:
    """What ``PushSubscription.toJSON()`` gives, checked: endpoint, p256dh and auth."""

    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        """The ``subscription_info`` pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class Target:
    """One stored subscription, opened for sending."""

    id: uuid.UUID
    subscription: BrowserSubscription = field(repr=False)


def _b64url(text: object, what: str, size: int) -> str:
    if not isinstance(text, str) or not 0 < len(text) <= 200:
        raise InvalidInput(f"the subscription's {what} key is missing")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"the subscription's {what} key is not base64url") from None
    if len(raw) != size or (what == "p256dh" and raw[0] != 4):
        raise InvalidInput(f"the subscription's {what} key has the wrong length")
    return text.rstrip("=")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_subscription(data: object, *, allow_loopback: bool = False) -> BrowserSubscription:
    """A browser's subscription JSON, or :class:`InvalidInput`. Endpoints must be https (the
    push services all are); plain http only to a loopback address outside production."""
    if not isinstance(data, dict):
        raise InvalidInput("a push subscription must be a JSON object")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= MAX_ENDPOINT:
        raise InvalidInput("the subscription's endpoint is missing or too long")
    parts = urlsplit(endpoint)
    loopback = allow_loopback and parts.scheme == "http" and _loopback(parts.hostname or "")
    if (parts.scheme != "https" and not loopback) or not parts.hostname or parts.username:
        raise InvalidInput("the subscription's endpoint must be an https URL")
    if not isinstance(keys, dict):
        raise InvalidInput("the subscription has no keys")
    return BrowserSubscription(
        endpoint, _b64url(keys.get("p256dh"), "p256dh", 65), _b64url(keys.get("auth"), "auth", 16)
    )


def _open(vault: Vault, row: PushSubscription) -> BrowserSubscription:
    keys = json.loads(vault.open("push_subscription", "keys", row.id, row.keys_enc))
    endpoint = vault.open("push_subscription", "endpoint", row.id, row.endpoint_enc)
    return BrowserSubscription(endpoint, keys["p256dh"], keys["auth"])


def _rows(db: Session, patient_id: uuid.UUID) -> list[PushSubscription]:
    query = select(PushSubscription).where(PushSubscription.patient_id == patient_id)
    return list(db.scalars(query.order_by(PushSubscription.created_at)))


def _matching(uc: UseCase, patient_id: uuid.UUID, endpoint: str) -> list[PushSubscription]:
    return [r for r in _rows(uc.db, patient_id) if _open(uc.vault, r).endpoint == endpoint]


def subscribe(rt: Runtime, actor: Actor, patient_id: uuid.UUID, data: object) -> uuid.UUID:
    """Store this browser's subscription (replacing an older one for the same endpoint)."""
    with rt.use_case(actor, "push_subscription.create", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        sub = parse_subscription(data, allow_loopback=not uc.settings.production)
        for old in _matching(uc, patient_id, sub.endpoint):
            uc.db.delete(old)
        uc.db.flush()
        if len(_rows(uc.db, patient_id)) >= MAX_DEVICES:
            raise InvalidInput(f"at most {MAX_DEVICES} devices can get reminders")
        row = PushSubscription(id=uuid.uuid4(), patient_id=patient_id, created_at=utcnow())
        owner = str(patient_id)
        row.endpoint_enc = uc.vault.seal(
            owner, "push_subscription", "endpoint", row.id, sub.endpoint
        )
        keys = json.dumps({"p256dh": sub.p256dh, "auth": sub.auth})
        row.keys_enc = uc.vault.seal(owner, "push_subscription", "keys", row.id, keys)
        uc.db.add(row)
        uc.db.flush()
        uc.reason = f"device {row.id}"
        return row.id


def unsubscribe(rt: Runtime, actor: Actor, patient_id: uuid.UUID, endpoint: object) -> int:
    """Forget this browser's subscription; how many were removed (0 if it was not stored)."""
    with rt.use_case(actor, "push_subscription.delete", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        if not isinstance(endpoint, str) or not 0 < len(endpoint) <= MAX_ENDPOINT:
            raise InvalidInput("the subscription's endpoint is missing or too long")
        gone = _matching(uc, patient_id, endpoint)
        for row in gone:
            uc.db.delete(row)
        uc.reason = f"{len(gone)} devices"
        return len(gone)


def device_count(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> int:
    """How many of the patient's browsers get push reminders."""
    with rt.use_case(actor, "push_subscription.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        return len(_rows(uc.db, patient_id))


def export_subscriptions(uc: UseCase, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    """The patient's devices for a data export: endpoint and dates (never the keys)."""
    return [
        {
            "endpoint": _open(uc.vault, r).endpoint,
            "created_at": r.created_at.isoformat(),
            "last_error": r.last_error,
        }
        for r in _rows(uc.db, patient_id)
    ]


class WebPushChannel:
    """A :class:`~mindway.services.checkin_reminders.ReminderChannel` sending Web Push
    (RFC 8030) messages, encrypted for the browser (RFC 8291) and signed (RFC 8292)."""

    name = "web_push"

    def __init__(
        self,
        keyring: Keyring,
        vapid: VapidKey,
        timeout: float = TIMEOUT_SECONDS,
        payload: str = PAYLOAD,  # another reminder's message: no health data in it either
    ) -> None:
        self._keyring = keyring
        self._vapid = vapid
        self._signer = Vapid02.from_pem(vapid.private_pem.encode("ascii"))
        self.timeout = timeout
        self.payload = payload

    def targets(self, db: Session, patient_ids: list[uuid.UUID]) -> list[Target]:
        """The stored subscriptions of these patients, opened."""
        vault = Vault(db, self._keyring)
        return [Target(row.id, _open(vault, row)) for pid in patient_ids for row in _rows(db, pid)]

    def send(self, target: Target) -> tuple[Outcome, str | None]:
        """POST the reminder to one endpoint; never raises. ``expired`` for 404 and 410."""
        claims: dict[str, str | int] = {"sub": self._vapid.subject}  # webpush adds aud, exp
        try:
            webpush(
                target.subscription.info(),
                data=self.payload,
                vapid_private_key=self._signer,
                vapid_claims=claims,
                timeout=self.timeout,
                ttl=TTL_SECONDS,
                headers={"Urgency": "normal"},
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                return "expired", None
            return "failed", f"push service answered {status}" if status else str(exc)[:200]
        except OSError as exc:  # requests' connection errors and timeouts are OSErrors
            return "failed", f"{type(exc).__name__}: could not reach the push service"[:200]
        except Exception as exc:  # a damaged subscription must not stop the other reminders
            return "failed", f"{type(exc).__name__}"[:200]
        return "sent", None

    def send_all(self, targets: list[Target]) -> dict[uuid.UUID, tuple[Outcome, str | None]]:
        """Send to every target, a few at a time, each bounded by the timeout."""
        if not targets:
            return {}
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(targets))) as pool:
            results = list(pool.map(self.send, targets))
        return {t.id: r for t, r in zip(targets, results, strict=True)}

    @staticmethod
    def record(db: Session, results: dict[uuid.UUID, tuple[Outcome, str | None]]) -> None:
        """Delete expired subscriptions and note the last error of the others."""
        for sub_id, (outcome, error) in results.items():
            row = db.get(PushSubscription, sub_id)
            if row is None:
                continue
            if outcome == "expired":
                db.delete(row)
            else:
                row.last_error = error

    def deliver(self, db: Session, reminder: CheckinReminder, now: datetime) -> None:
        """Push to each of the patient's devices (does not change the in-app prompt)."""
        self.record(db, self.send_all(self.targets(db, [reminder.patient_id])))


def channel(rt: Runtime, payload: str = PAYLOAD) -> WebPushChannel | None:
    """The push channel for this runtime; ``None`` when it has no VAPID key."""
    return None if rt.vapid is None else WebPushChannel(rt.keyring, rt.vapid, payload=payload)


def notify(
    rt: Runtime, patients: list[uuid.UUID], action: str, resource: str, payload: str = PAYLOAD
) -> None:
    """Web Push to the devices of ``patients`` (a reminder just given). The network waits
    happen outside any transaction (a slow push service holds no database lock), each bounded
    by a short timeout; the outcome is recorded and audited afterwards as ``action``."""
    push = channel(rt, payload)
    if push is None or not patients:
        return
    with rt.transaction() as db:
        targets = push.targets(db, patients)
    if not targets:
        return
    results = push.send_all(targets)
    with rt.use_case(OPERATOR, action, resource) as uc:
        push.record(uc.db, results)
        outcomes = [outcome for outcome, _ in results.values()]
        uc.reason = ", ".join(f"{outcomes.count(o)} {o}" for o in ("sent", "expired", "failed"))
