"""Questionnaires given in conversation: one item at a time, with the instrument's own wording,
answer options and skip logic (``mindway.clinical`` instruments), scored by its published rules.

An answer may be the option's number or its words ("several days"). The result is shown as a
score and band in plain words, never as a diagnosis, and is sent to the record (an effect).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mindway.clinical.instruments import Instrument, get_instrument
from mindway.clinical.scoring import ScoreResult, score

CONVERSATIONAL = ("phq9", "gad7", "cssrs")
_YES = re.compile(r"^\s*(?:y|yes|yeah|yep|sí|si)\b", re.I)
_NO = re.compile(r"^\s*(?:n|no|nope|nah|never)\b", re.I)


@dataclass(frozen=True)
class Question:
    number: int  # 1-based item number
    text: str


def next_question(instrument_id: str, answers: list[int | None]) -> Question | None:
    """The next item to ask given the answers so far (skip logic applied), or None."""
    instrument = get_instrument(instrument_id)
    for index in range(len(answers), len(instrument.items)):
        item = instrument.items[index]
        if item.ask_when and answers[item.ask_when.item - 1] != item.ask_when.equals:
            answers.append(None)
            continue
        return Question(index + 1, _wording(instrument, index))
    return None


def _wording(instrument: Instrument, index: int) -> str:
    item = instrument.items[index]
    options = instrument.options(item)
    choices = ", ".join(f"{o.value} = {o.label}" for o in options)
    lead = instrument.instructions if index == 0 and instrument.id != "cssrs" else ""
    return " ".join(p for p in (lead, f"{index + 1}. {item.text}", f"({choices})") if p)


def read_option(instrument_id: str, number: int, text: str) -> int | None:
    """The option value ``text`` names for item ``number``, or None if it names none."""
    instrument = get_instrument(instrument_id)
    options = instrument.options(instrument.items[number - 1])
    cleaned = text.strip().lower().rstrip(".!")
    if cleaned.isdigit():
        value = int(cleaned)
        return value if any(o.value == value for o in options) else None
    labels = {o.label.lower(): o.value for o in options}
    if cleaned in labels:
        return labels[cleaned]
    if set(labels) == {"no", "yes"}:
        return 1 if _YES.match(cleaned) else 0 if _NO.match(cleaned) else None
    matching = [v for label, v in labels.items() if label in cleaned]
    return matching[0] if len(matching) == 1 else None


def finish(instrument_id: str, answers: list[int | None]) -> ScoreResult:
    instrument = get_instrument(instrument_id)
    padded = answers + [None] * (len(instrument.items) - len(answers))
    return score(instrument, padded)


def summary(result: ScoreResult) -> str:
    """The result in plain words, with what it is not."""
    name = get_instrument(result.instrument).name
    if result.total is None:
        return f"Thank you for answering the {name}. I've added your answers to your record."
    band = f", in the {result.severity} range" if result.severity else ""
    return (
        f"Thank you. Your {name} score is {result.total}{band}. A questionnaire score is not a "
        "diagnosis; your clinician can talk it through with you."
    )
