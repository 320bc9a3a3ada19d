"""CBT exercises as forms: the fields of each, which are free text (to be risk-screened),
and the checks a finished form must pass.

- Thought record: situation, automatic thought, emotion and its intensity, evidence for and
  against, the thinking trap, a balanced thought, and the emotion re-rated (Beck 1979;
  Greenberger & Padesky, Mind over Mood, 2nd ed. 2016, ch. 6-9).
- Activity plan: an activity, when, the mood expected and (afterwards) the mood it gave, as
  in behavioural activation (Martell, Addis & Jacobson 2001).
- Sleep diary: the Consensus Sleep Diary core items (Carney et al. 2012, Sleep 35(2):287).

A draft may be incomplete; :func:`finish_errors` says what a finished one still lacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mindway.therapy.distortions import load_distortions

__all__ = [
    "FORMS",
    "FORM_FOR_HOMEWORK",
    "HOMEWORK_OF",
    "MAX_TEXT",
    "Field",
    "Form",
    "clean",
    "finish_errors",
    "free_text",
]

FieldKind = Literal["text", "rating_100", "rating_10", "time", "number", "trap"]
MAX_TEXT = 1000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind
    required: bool = True
    hint: str = ""


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    fields: tuple[Field, ...]


THOUGHT_RECORD = Form(
    "thought_record",
    "Thought record",
    (
        Field("situation", "What was the situation?", "text", hint="Where, when, who with"),
        Field("automatic_thought", "What went through your mind?", "text"),
        Field("emotion", "What did you feel?", "text", hint="One word, like sad or anxious"),
        Field("intensity_before", "How strong was the feeling? (0-100)", "rating_100"),
        Field("evidence_for", "What supports the thought?", "text"),
        Field("evidence_against", "What does not support it?", "text"),
        Field("thinking_trap", "Which thinking trap fits best?", "trap"),
        Field("balanced_thought", "A more balanced thought", "text"),
        Field("intensity_after", "How strong is the feeling now? (0-100)", "rating_100"),
    ),
)
ACTIVITY_PLAN = Form(
    "activity_plan",
    "Activity plan",
    (
        Field("activity", "What will you do?", "text", hint="Small and specific"),
        Field("when", "When will you do it?", "text", hint="Like Tuesday after lunch"),
        Field("mood_expected", "How do you expect to feel after? (0-10)", "rating_10"),
        Field("mood_after", "How did you feel after? (0-10)", "rating_10", required=False),
    ),
)
SLEEP_DIARY = Form(
    "sleep_diary",
    "Sleep diary",
    (
        Field("bedtime", "What time did you go to bed? (HH:MM)", "time"),
        Field("minutes_to_sleep", "How many minutes did it take to fall asleep?", "number"),
        Field("awakenings", "How many times did you wake in the night?", "number"),
        Field("final_wake", "What time did you wake for the day? (HH:MM)", "time"),
        Field("hours_slept", "How many hours did you sleep in all?", "number"),
        Field("quality", "How well did you sleep? (0-10)", "rating_10"),
        Field("notes", "Anything else about the night?", "text", required=False),
    ),
)
FORMS: Mapping[str, Form] = {f.id: f for f in (THOUGHT_RECORD, ACTIVITY_PLAN, SLEEP_DIARY)}
HOMEWORK_OF: Mapping[str, str] = {
    "thought_record": "thought_record",
    "activity_plan": "behavioural_activation",
    "sleep_diary": "sleep_diary",
}
"""The programme homework (library exercise id) each form counts as."""
FORM_FOR_HOMEWORK: Mapping[str, str] = {v: k for k, v in HOMEWORK_OF.items()}


def free_text(form: Form, values: Mapping[str, str]) -> str:
    """Every free-text answer, one per line: what the safety layer screens first."""
    return "\n".join(values.get(f.name, "") for f in form.fields if f.kind == "text").strip()


def clean(form: Form, values: Mapping[str, str]) -> dict[str, str]:
    """The form's own fields only, trimmed and cut to ``MAX_TEXT`` (a draft keeps anything)."""
    return {f.name: values.get(f.name, "").strip()[:MAX_TEXT] for f in form.fields}


def _number_error(field: Field, value: str) -> str | None:
    bounds = {"rating_100": (0, 100), "rating_10": (0, 10), "number": (0, 1440)}[field.kind]
    try:
        number = float(value)
    except ValueError:
        return f"{field.label}: give a number"
    if not bounds[0] <= number <= bounds[1]:
        return f"{field.label}: give a number from {bounds[0]} to {bounds[1]}"
    return None


def _field_error(field: Field, value: str) -> str | None:
    if not value:
        return f"{field.label}: please answer" if field.required else None
    if field.kind == "time" and not _TIME.match(value):
        return f"{field.label}: give a time like 23:15"
    if field.kind == "trap" and value not in {d.id for d in load_distortions()}:
        return f"{field.label}: choose one from the list"
    if field.kind in ("rating_100", "rating_10", "number"):
        return _number_error(field, value)
    return None


def finish_errors(form: Form, values: Mapping[str, str]) -> list[str]:
    """What a form still needs before it can be saved as finished (empty when complete)."""
    return [e for f in form.fields if (e := _field_error(f, values.get(f.name, "")))]
