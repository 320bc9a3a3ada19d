"""Flows as data (``data/flows.yaml``): load, validate, and read answers of each kind.

A step says something, may run a named action on arrival, expects an answer of one kind
and stores it in a slot, then goes to ``next`` (a step name, or a yes/no branch). A step
with no ``expect`` ends the flow after it is said.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA = Path(__file__).resolve().parents[1] / "data" / "flows.yaml"
MAX_TEXT = 1000
Expect = Literal["text", "optional_text", "scale_0_10", "number_0_100", "yes_no", "emotion_rating"]


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    say: str
    action: str | None = None
    expect: Expect | None = None
    slot: str | None = None
    next: str | dict[str, str] | None = None


class Flow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    title: str
    start: str
    steps: dict[str, Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _linked(self) -> Flow:
        if self.start not in self.steps:
            raise ValueError(f"start step {self.start!r} is not a step")
        for name, step in self.steps.items():
            targets = step.next.values() if isinstance(step.next, dict) else [step.next]
            for target in targets:
                if target is not None and target not in self.steps:
                    raise ValueError(f"step {name!r} goes to unknown step {target!r}")
            if step.expect and not (step.slot and step.next):
                raise ValueError(f"step {name!r} expects an answer but has no slot or next")
        return self


@lru_cache(maxsize=1)
def flows() -> dict[str, Flow]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {name: Flow.model_validate(spec) for name, spec in raw["flows"].items()}


class NotAnAnswer(ValueError):
    """The message does not answer the step; the message says what is expected."""


_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_YES = re.compile(
    r"^\s*(?:y|yes|yeah|yep|yup|sure|ok|okay|si|sí|i think so|it does|correct)\b", re.I
)
_NO = re.compile(r"^\s*(?:n|no|nope|nah|not really|it doesn't|don't think so)\b", re.I)
_SKIP = re.compile(r"^\s*(?:skip|no|nothing|none|n/a|-)\s*\.?\s*$", re.I)


def read_answer(expect: Expect, text: str) -> Any:
    """The answer in ``text`` for an ``expect`` kind, or :class:`NotAnAnswer`."""
    cleaned = text.strip()
    if expect in ("text", "optional_text"):
        if expect == "optional_text" and (not cleaned or _SKIP.match(cleaned)):
            return None
        if not cleaned:
            raise NotAnAnswer("Could you write a few words?")
        return cleaned[:MAX_TEXT]
    if expect == "yes_no":
        if _YES.match(cleaned):
            return True
        if _NO.match(cleaned):
            return False
        raise NotAnAnswer('Please answer "yes" or "no".')
    if expect == "emotion_rating":
        return _emotion_rating(cleaned)
    high = 10 if expect == "scale_0_10" else 100
    return _number(cleaned, high)


def _number(text: str, high: int) -> int:
    found = _NUMBER.search(text)
    if not found:
        raise NotAnAnswer(f"Please give a number from 0 to {high}.")
    value = float(found.group(0).replace(",", "."))
    if not 0 <= value <= high:
        raise NotAnAnswer(f"Please give a number from 0 to {high}.")
    return round(value)


def _emotion_rating(text: str) -> dict[str, Any]:
    found = _NUMBER.search(text)
    name = _NUMBER.sub("", text).strip(" ,.:-/%") or None
    if not found or not name:
        raise NotAnAnswer('Please name the feeling and rate it from 0 to 100, like "anxious 70".')
    value = float(found.group(0).replace(",", "."))
    if not 0 <= value <= 100:
        raise NotAnAnswer("Please rate the feeling from 0 to 100.")
    return {"name": name[:60].lower(), "intensity": round(value)}


def next_step(step: Step, answer: Any) -> str | None:
    if isinstance(step.next, dict):
        return step.next["yes" if answer else "no"]
    return step.next
