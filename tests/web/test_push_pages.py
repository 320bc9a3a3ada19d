"""Web Push on the check-in page: the progressive-enhancement section, the service worker,
and the JSON subscribe/unsubscribe calls (CSRF header enforced; bad input stores nothing)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from mindway.services import therapy_reminders, web_push
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.test_web_push import Browser
from tests.web.visitor import Visitor, snapshot

ENDPOINT = "https://push.example.net/wpush/v2/device-token"


def post_json(
    visitor: Visitor, path: str, body: Any, token: str | None, **headers: str
) -> httpx.Response:
    sent = {"Content-Type": "application/json", **headers}
    if token is not None:
        sent["X-CSRF-Token"] = token
    content = body if isinstance(body, str) else json.dumps(body)
    reply: httpx.Response = visitor.client.post(
        path, content=content, headers=sent, follow_redirects=False
    )
    return reply


def test_checkin_page_offers_push_without_inline_script(rt: Runtime, visitor: Visitor) -> None:
    assert rt.vapid is not None
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/checkin").text
    assert f'data-vapid-key="{rt.vapid.public_key}"' in page
    assert 'id="push"' in page and "hidden" in page.split('id="push"')[1].split(">")[0]
    assert "Send reminders to this device" in page and "Stop reminders on this device" in page
    assert "Reminders show on your home page" in page  # without JS or push support
    assert '<script src="/static/push.js" defer></script>' in page
    assert "<script>" not in page
    token = visitor.csrf("/patient/checkin")
    assert f'data-csrf="{token}"' in page


def test_service_worker_and_script_are_served(visitor: Visitor) -> None:
    worker = visitor.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "notificationclick" in worker.text and '"/patient/checkin"' in worker.text
    # every page a reminder may open is one the worker agrees to open (it ignores others)
    pages = re.search(r"var PAGES = \{([^}]*)\}", worker.text)
    assert pages is not None
    allowed = set(re.findall(r'"(/[^"]+)":', pages.group(1)))
    assert allowed == {web_push.CHECKIN_PATH, therapy_reminders.PROGRAMME_PATH}
    script = visitor.get("/static/push.js")
    assert script.status_code == 200 and "'PushManager' in window" not in script.text
    assert '"PushManager" in window' in script.text and "X-CSRF-Token" in script.text


def test_patient_subscribes_and_unsubscribes_this_device(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    token = visitor.csrf("/patient/checkin")
    data = Browser().subscription(ENDPOINT)
    reply = post_json(visitor, "/patient/push/subscribe", data, token)
    assert reply.status_code == 201 and reply.json() == {"subscribed": True}
    assert web_push.device_count(rt, clinic.patient_a, clinic.patient_a_id) == 1
    assert "1 device gets reminder notifications" in visitor.get("/patient/checkin").text
    reply = post_json(visitor, "/patient/push/unsubscribe", {"endpoint": ENDPOINT}, token)
    assert reply.status_code == 200 and reply.json() == {"removed": 1}
    assert web_push.device_count(rt, clinic.patient_a, clinic.patient_a_id) == 0


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_subscribe_without_the_csrf_token_is_refused(
    rt: Runtime, visitor: Visitor, token: str | None
) -> None:
    visitor.sign_in("patient.a")
    visitor.csrf("/patient/checkin")
    before = snapshot(rt)
    for path, body in (
        ("/patient/push/subscribe", Browser().subscription(ENDPOINT)),
        ("/patient/push/unsubscribe", {"endpoint": ENDPOINT}),
    ):
        reply = post_json(visitor, path, body, token)
        assert reply.status_code == 403
    assert snapshot(rt) == before


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("{not json", {}),
        ("x" * 9000, {}),
        (json.dumps(Browser().subscription(ENDPOINT)), {"Content-Type": "text/plain"}),
    ],
    ids=["not-json", "too-large", "not-declared-json"],
)
def test_unreadable_bodies_are_refused_and_change_nothing(
    rt: Runtime, visitor: Visitor, body: str, headers: dict[str, str]
) -> None:
    visitor.sign_in("patient.a")
    token = visitor.csrf("/patient/checkin")
    before = snapshot(rt)
    reply = post_json(visitor, "/patient/push/subscribe", body, token, **headers)
    assert reply.status_code == 422
    assert snapshot(rt) == before


def test_a_bad_subscription_stores_nothing(rt: Runtime, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    token = visitor.csrf("/patient/checkin")
    bad = {"endpoint": "http://push.example.net/a", "keys": {"p256dh": "x", "auth": "y"}}
    reply = post_json(visitor, "/patient/push/subscribe", bad, token)
    assert reply.status_code == 422
    assert snapshot(rt)["push_subscription"] == 0


def test_only_patients_subscribe(rt: Runtime, visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    token = visitor.csrf("/clinician")
    reply = post_json(visitor, "/patient/push/subscribe", Browser().subscription(ENDPOINT), token)
    assert reply.status_code in (403, 404)
    assert snapshot(rt)["push_subscription"] == 0
