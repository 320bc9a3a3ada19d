"""Moving through a questionnaire one item per screen: next, back, skip, change, submit.

Pure functions over a :class:`Draft`, so the pages stay thin and the rules are tested
without a browser. Skip logic follows the instrument file (``ask_when``): an item is shown
only when its gate item was given the answer it names, and answers to items that are no
longer asked are cleared before the answers are checked or sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mindway.clinical.instruments import Instrument, Item
from mindway.web.i18n import N_
from mindway.web.questionnaire_draft import Draft

CHOOSE = N_("Please choose one of the answers to go on.")
NEEDED = N_("This question needs an answer before you go on.")
BUTTONS = N_("Please use the buttons on the page.")


@dataclass(frozen=True)
class Step:
    """The draft after one button press, a message for the person, or the go-ahead to send."""

    draft: Draft
    error: str | None = None
    submit: bool = False


def may_skip(item: Item) -> bool:
    return item.optional or item.trailing_optional


def is_asked(instrument: Instrument, answers: Sequence[int | None], index: int) -> bool:
    rule = instrument.items[index].ask_when
    return rule is None or answers[rule.item - 1] == rule.equals


def asked(instrument: Instrument, answers: Sequence[int | None]) -> list[int]:
    return [i for i in range(len(instrument.items)) if is_asked(instrument, answers, i)]


def normalised(instrument: Instrument, draft: Draft) -> Draft:
    """The draft without answers to items its other answers no longer ask (gates come first)."""
    answers = list(draft.answers)
    for index in range(len(answers)):
        if not is_asked(instrument, answers, index):
            answers[index] = None
    return replace(draft, answers=tuple(answers))


def first_gap(instrument: Instrument, answers: Sequence[int | None]) -> int | None:
    """The first asked item that needs an answer and has none."""
    for index in asked(instrument, answers):
        if answers[index] is None and not may_skip(instrument.items[index]):
            return index
    return None


def progress(instrument: Instrument, draft: Draft) -> tuple[int, int]:
    """("Question n of m"): the item's place among the items asked so far."""
    shown = asked(instrument, draft.answers)
    return 1 + sum(1 for i in shown if i < draft.at), len(shown)


def previous(instrument: Instrument, draft: Draft) -> int | None:
    for index in range(draft.at - 1, -1, -1):
        if is_asked(instrument, draft.answers, index):
            return index
    return None


def _forward(instrument: Instrument, draft: Draft) -> Draft:
    """To the next asked item, or back to the check screen after a change is complete."""
    review = len(instrument.items)
    if draft.editing and first_gap(instrument, draft.answers) is None:
        return draft.moved(review, editing=False)
    later = (i for i in range(draft.at + 1, review) if is_asked(instrument, draft.answers, i))
    at = next(later, review)
    return draft.moved(at, editing=draft.editing and at != review)


def _chosen(instrument: Instrument, item: Item, text: str) -> int | None:
    for option in instrument.options(item):
        if text == str(option.value):
            return option.value
    return None


def apply(instrument: Instrument, draft: Draft, go: str, answer: str) -> Step:
    """One press of Next, Skip, Back, Change (``edit-N``) or Send."""
    review = len(instrument.items)
    on_item = draft.at < review
    if go == "next" and on_item:
        value = _chosen(instrument, instrument.items[draft.at], answer)
        if value is None:
            return Step(draft, CHOOSE)
        return Step(_forward(instrument, normalised(instrument, draft.answered(draft.at, value))))
    if go == "skip" and on_item:
        if not may_skip(instrument.items[draft.at]):
            return Step(draft, NEEDED)
        return Step(_forward(instrument, normalised(instrument, draft.answered(draft.at, None))))
    if go == "back":
        at = previous(instrument, draft)
        return Step(draft if at is None else draft.moved(at, editing=False))
    if go.startswith("edit-") and not on_item:
        index = go.removeprefix("edit-")
        if index.isdigit() and int(index) in asked(instrument, draft.answers):
            return Step(draft.moved(int(index), editing=True))
    if go == "submit" and not on_item:
        gap = first_gap(instrument, draft.answers)
        if gap is not None:
            return Step(draft.moved(gap, editing=True), NEEDED)
        return Step(draft, submit=True)
    return Step(draft, BUTTONS)


def item_screen(instrument: Instrument, draft: Draft) -> dict[str, Any]:
    """What the item template shows: the question, its answers, and where the person is."""
    item = instrument.items[draft.at]
    number, count = progress(instrument, draft)
    chosen = draft.answers[draft.at]
    return {
        "item": item,
        "number": number,
        "count": count,
        "options": [
            {"value": o.value, "label": o.label, "checked": o.value == chosen}
            for o in instrument.options(item)
        ],
        "can_skip": may_skip(item),
        "has_back": previous(instrument, draft) is not None,
    }


def review_rows(instrument: Instrument, draft: Draft) -> list[dict[str, Any]]:
    """Each asked question with the answer given, for the check-your-answers screen."""
    rows = []
    for number, index in enumerate(asked(instrument, draft.answers), start=1):
        item, value = instrument.items[index], draft.answers[index]
        labels = {o.value: o.label for o in instrument.options(item)}
        rows.append(
            {
                "index": index,
                "number": number,
                "text": item.text,
                "answer": labels.get(value, "") if value is not None else None,
            }
        )
    return rows
