"""A questionnaire in progress, carried between screens in a signed hidden field.

Nothing half-finished is stored: the answers so far travel with the form, signed with an
HMAC under the server's secret key over the session id and the instrument as well, so a
draft cannot be altered, moved to another questionnaire, or replayed in another session.
Answers are checked against the instrument again when the draft is opened, and once more by
the scoring service on submit.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass, replace
from typing import Any

from mindway.clinical.instruments import Instrument
from mindway.security import crypto
from mindway.services.runtime import Runtime
from mindway.web.session import WebSession

FIELD = "draft"
MAX_AGE_S = 60 * 60
MAX_CHARS = 4096


class DraftRejected(Exception):
    """The draft was altered, comes from another session or questionnaire, or is too old."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__(
            "questionnaire draft expired" if expired else "questionnaire draft refused"
        )
        self.expired = expired


@dataclass(frozen=True)
class Draft:
    """Answers so far (one per item, None where not answered), the item on screen (``at``;
    ``len(answers)`` is the check-your-answers screen), whether the person came from that
    screen to change one answer, and when the draft started (Unix time in milliseconds)."""

    instrument: str
    answers: tuple[int | None, ...]
    at: int
    started: int
    editing: bool = False

    @classmethod
    def start(cls, instrument: Instrument) -> Draft:
        return cls(instrument.id, (None,) * len(instrument.items), 0, _now_ms())

    def moved(self, at: int, *, editing: bool | None = None) -> Draft:
        return replace(self, at=at, editing=self.editing if editing is None else editing)

    def answered(self, index: int, value: int | None) -> Draft:
        answers = list(self.answers)
        answers[index] = value
        return replace(self, answers=tuple(answers))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _mac(rt: Runtime, ws: WebSession, instrument: str, payload: str) -> str:
    message = f"mindway.questionnaire-draft:{ws.info.session_id}:{instrument}:{payload}"
    return crypto.keyed_hash(rt.keyring.secret_key, message.encode())


def seal(rt: Runtime, ws: WebSession, draft: Draft) -> str:
    data = {
        "a": list(draft.answers),
        "p": draft.at,
        "t": draft.started,
        "e": draft.editing,
    }
    raw = json.dumps(data, separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{payload}.{_mac(rt, ws, draft.instrument, payload)}"


def _decode(payload: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise DraftRejected from exc
    if not isinstance(data, dict):
        raise DraftRejected
    return data


def _answers(instrument: Instrument, value: object) -> tuple[int | None, ...]:
    """The answers, each None or one of its item's option values, one per item."""
    if not isinstance(value, list) or len(value) != len(instrument.items):
        raise DraftRejected
    for item, answer in zip(instrument.items, value, strict=True):
        allowed = {option.value for option in instrument.options(item)}
        if answer is not None and (type(answer) is not int or answer not in allowed):
            raise DraftRejected
    return tuple(value)


def open_draft(rt: Runtime, ws: WebSession, instrument: Instrument, text: str) -> Draft:
    """The draft in ``text`` if this server signed it for this session and instrument."""
    payload, dot, mac = text.partition(".")
    if not dot or len(text) > MAX_CHARS:
        raise DraftRejected
    if not crypto.same(mac, _mac(rt, ws, instrument.id, payload)):
        raise DraftRejected
    data = _decode(payload)
    answers = _answers(instrument, data.get("a"))
    at, started, editing = data.get("p"), data.get("t"), data.get("e")
    if type(at) is not int or not 0 <= at <= len(answers):
        raise DraftRejected
    if type(started) is not int or type(editing) is not bool:
        raise DraftRejected
    if not 0 <= _now_ms() - started <= MAX_AGE_S * 1000:
        raise DraftRejected(expired=True)
    return Draft(instrument.id, answers, at, started, editing)
