"""Build answer lists for tests: a given raw total spread over an instrument's items."""

from __future__ import annotations

from mindway.clinical.instruments import get_instrument
from mindway.clinical.scoring import Answer


def answers_summing_to(instrument_id: str, raw_total: int) -> list[Answer]:
    """Answers to every scored, required item whose sum is ``raw_total`` (filled item by item,
    from the first), and None for unscored trailing items."""
    instrument = get_instrument(instrument_id)
    items = [item for item in instrument.items if not item.trailing_optional]
    answers: list[Answer] = [instrument.item_range(item)[0] for item in items]
    left = raw_total - sum(a for a in answers if a is not None)
    for position, item in enumerate(items):
        room = instrument.item_range(item)[1] - instrument.item_range(item)[0]
        step = min(room, left)
        answers[position] = (answers[position] or 0) + step
        left -= step
    assert left == 0, f"{instrument_id} cannot reach {raw_total}"
    return answers
