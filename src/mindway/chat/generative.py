"""Optional generative phrasing of the companion's replies (issue 4, item 3); off by default.

The companion always writes its own reply first (the *draft*: scripted, reviewed, safe). A
language model behind an OpenAI-compatible endpoint (a local Ollama or vLLM server) may only
re-word that draft more warmly. What it writes reaches the person only if it passes the
content policy (``mindway.chat.content_policy``) and the risk screener; otherwise the person
reads the draft. Published failures of free generation are why it is never trusted alone:
bridge heights listed to a person at risk (Moore et al. 2025, FAccT) and calorie-deficit
advice from an eating-disorder bot (NEDA Tessa, 2023). Safe messaging: 988 Lifeline
guidelines; #chatsafe (Robinson et al. 2018).

``guarded_reply`` returns ``(text, source)``; ``source`` is ``"generated"`` or
``"fallback:<reason>"`` with reason ``off``, ``unavailable``, ``lost_question`` (the draft
asked something the rewording dropped), ``policy:<rule>`` or ``risk:<level>``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import httpx

from mindway.chat.content_policy import violations

__all__ = [
    "MAX_REPLY_CHARS",
    "Backend",
    "GenerativeSettings",
    "OpenAICompatibleBackend",
    "guarded_reply",
    "system_prompt",
]

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 800
MAX_HISTORY_TURNS = 8
_ROLES = {
    "user": "user",
    "person": "user",
    "patient": "user",
    "assistant": "assistant",
    "companion": "assistant",
}
_LANGUAGES = {"en": "English", "es": "Spanish", "de": "German", "fr": "French"}
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class GenerativeSettings:
    """Where the endpoint is and how it is asked; ``url`` is the server root or its ``/v1``."""

    url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 8.0
    max_tokens: int = 160
    temperature: float = 0.4


class Backend(Protocol):
    def phrase(self, draft: str, history: Sequence[tuple[str, str]], locale: str) -> str | None:
        """The draft re-worded, or None when no usable text came back."""
        ...


def system_prompt(locale: str) -> str:
    """The standing instructions: software not a person, no diagnosis, no dosing, no methods."""
    code = locale.split("-")[0].lower()
    language = _LANGUAGES.get(code, locale)
    return (
        "You re-word replies for Mindway, a CBT self-help companion. You are software, not a "
        "person: never claim to be human, a therapist or a clinician, and never claim personal "
        "experiences. Never diagnose or name a condition the person might have. Never give "
        "medication or dosing advice. Never mention methods, means or places of suicide or "
        "self-harm, and never promise secrecy. Do not add links or phone numbers. Rewrite the "
        "draft reply you are given so it sounds warm, kind and human-centred, keeping its "
        "meaning and keeping any question in it. Use 1-3 short sentences in plain language. "
        f"Reply in {language} only, with the reply text and nothing else."
    )


def _instruction(draft: str) -> str:
    return f"Rewrite this draft reply warmly, keeping its meaning and any question:\n\n{draft}"


def _messages(draft: str, history: Sequence[tuple[str, str]], locale: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_prompt(locale)}]
    for speaker, text in list(history)[-MAX_HISTORY_TURNS:]:
        role = _ROLES.get(speaker.lower())
        if role is None:
            raise ValueError(f"unknown speaker {speaker!r}: expected one of {sorted(_ROLES)}")
        messages.append({"role": role, "content": text})
    messages.append({"role": "user", "content": _instruction(draft)})
    return messages


def _completions_url(url: str) -> str:
    base = url.rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _content_of(payload: Any) -> str | None:
    """``choices[0].message.content`` if it is a whole reply (not cut off by max_tokens)."""
    if not isinstance(payload, dict):
        return None
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    if choices[0].get("finish_reason") == "length":
        return None
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else None


def _cleaned(content: str) -> str | None:
    """Drop a reasoning model's ``<think>`` block and wrapping quotes; refuse empty or long."""
    text = _THINKING.sub("", content).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text if 0 < len(text) <= MAX_REPLY_CHARS else None


class OpenAICompatibleBackend:
    """Asks ``POST {url}/v1/chat/completions`` to re-word a draft; None on any failure."""

    def __init__(self, settings: GenerativeSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        self._endpoint = _completions_url(settings.url)

    def _headers(self) -> dict[str, str]:
        key = self.settings.api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _body(self, draft: str, history: Sequence[tuple[str, str]], locale: str) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "messages": _messages(draft, history, locale),
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
        }

    def phrase(self, draft: str, history: Sequence[tuple[str, str]], locale: str) -> str | None:
        body = self._body(draft, history, locale)
        try:
            response = self._client.post(
                self._endpoint, json=body, headers=self._headers(), timeout=self.settings.timeout_s
            )
            response.raise_for_status()
            payload = response.json()
        except httpx.HTTPError as error:
            log.warning("generative backend failed: %s", type(error).__name__)
            return None
        except ValueError:
            log.warning("generative backend sent a body that is not JSON")
            return None
        content = _content_of(payload)
        text = _cleaned(content) if content is not None else None
        if text is None:
            log.warning("generative backend sent no usable reply")
        return text

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> OpenAICompatibleBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _generated(
    backend: Backend, draft: str, history: Sequence[tuple[str, str]], locale: str
) -> str | None:
    try:
        return backend.phrase(draft, history, locale)
    except Exception:  # a broken backend costs warmth, never the reply
        log.exception("generative backend raised")
        return None


def guarded_reply(
    draft: str,
    *,
    backend: Backend | None,
    screen: Callable[[str], str],
    history: Sequence[tuple[str, str]] = (),
    locale: str = "en-US",
) -> tuple[str, str]:
    """The backend's wording if it passes the content policy and screens ``none``, else the
    draft. ``screen`` returns the risk level of a text from the safety screener; it is called
    last because it is the slow check, and its errors propagate (safety never fails silently).
    """
    if backend is None:
        return draft, "fallback:off"
    text = _generated(backend, draft, history, locale)
    if text is None:
        return draft, "fallback:unavailable"
    if "?" in draft and "?" not in text and "¿" not in text:
        return draft, "fallback:lost_question"
    broken = violations(text)
    if broken:
        return draft, f"fallback:policy:{broken[0]}"
    level = screen(text)
    if level != "none":
        return draft, f"fallback:risk:{level}"
    return text, "generated"
