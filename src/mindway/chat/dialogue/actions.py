"""Named steps of code that flows run on arrival (``action:`` in ``data/flows.yaml``): suggest
a thinking trap, and turn finished exercises into effects the chat service carries out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mindway.chat.dialogue.state import Conversation, Effect, HandOff, RecordCheckin, SaveExercise
from mindway.chat.embedding import Vectors, embed
from mindway.chat.replies import reply
from mindway.therapy.distortions import Distortion, load_distortions


@dataclass(frozen=True)
class ActionContext:
    conversation: Conversation
    has_care_team: bool


@dataclass
class ActionResult:
    slots: dict[str, Any] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)


@lru_cache(maxsize=1)
def _distortion_index() -> tuple[tuple[Distortion, ...], Vectors, list[int]]:
    distortions = load_distortions()
    owners = [i for i, d in enumerate(distortions) for _ in d.examples]
    vectors = embed([e for d in distortions for e in d.examples])
    return distortions, vectors, owners


def suggest_distortion(thought: str) -> Distortion:
    """The thinking trap whose example thoughts are closest to ``thought`` (Beck 1979; Burns
    1980): a suggestion for the person to weigh, not a verdict."""
    distortions, vectors, owners = _distortion_index()
    similarity = vectors @ embed([thought])[0]
    scores: dict[int, list[float]] = {}
    for owner, value in zip(owners, similarity, strict=True):
        scores.setdefault(owner, []).append(float(value))
    best = max(scores, key=lambda k: sum(sorted(scores[k], reverse=True)[:3]))
    return distortions[best]


def _suggest(slots: dict[str, Any], _: ActionContext) -> ActionResult:
    found = suggest_distortion(str(slots.get("thought", "")))
    emotion = slots.get("emotion") or {}
    return ActionResult(
        slots={
            "distortion": found.id,
            "distortion_name": found.name.lower(),
            "distortion_description": found.description,
            "distortion_question": found.question,
            "emotion_name": emotion.get("name", "feeling"),
            "emotion_intensity": emotion.get("intensity", "?"),
        }
    )


def _mood_feedback(mood: int) -> str:
    if mood <= 3:
        return (
            "That sounds like a hard day. Would you like to try slow breathing, or plan one "
            "small activity?"
        )
    if mood <= 6:
        return "Thanks for checking in. Noticing your mood is a skill in itself."
    return "I'm glad today is going better."


def _record_checkin(slots: dict[str, Any], _: ActionContext) -> ActionResult:
    mood = int(slots["mood"])
    note = slots.get("note")
    return ActionResult(
        slots={"mood_feedback": _mood_feedback(mood)},
        effects=[RecordCheckin(mood=mood, note=note)],
    )


def _saver(
    exercise: str, keys: tuple[str, ...]
) -> Callable[[dict[str, Any], ActionContext], ActionResult]:
    def save(slots: dict[str, Any], _: ActionContext) -> ActionResult:
        return ActionResult(
            effects=[SaveExercise(exercise, {k: slots.get(k) for k in keys if k in slots})]
        )

    return save


def _hand_off(slots: dict[str, Any], context: ActionContext) -> ActionResult:
    message = str(slots["message"])
    if not context.has_care_team:
        return ActionResult(
            slots={"handoff_result": reply("handoff_no_team", context.conversation.locale)}
        )
    points = tuple(context.conversation.key_points[-5:])
    return ActionResult(
        slots={
            "handoff_result": reply("handoff_done", context.conversation.locale, message=message)
        },
        effects=[HandOff(message, points)],
    )


ACTIONS: dict[str, Callable[[dict[str, Any], ActionContext], ActionResult]] = {
    "suggest_distortion": _suggest,
    "record_checkin": _record_checkin,
    "save_thought_record": _saver(
        "thought_record",
        (
            "situation",
            "thought",
            "emotion",
            "evidence_for",
            "evidence_against",
            "distortion",
            "distortion_fits",
            "balanced_thought",
            "rerate",
        ),
    ),
    "save_activity_plan": _saver("activity_plan", ("activity", "when", "predicted_enjoyment")),
    "save_worry": _saver("worry", ("worry", "can_act", "step", "worry_time")),
    "hand_off": _hand_off,
}
