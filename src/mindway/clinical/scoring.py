"""Scoring a questionnaire from its answers, following the rules in the instrument's data file.

Answers are integers in item order; ``None`` is a missing answer. Malformed answers (wrong
count, not a whole number, outside the item's options, an answer to a question that was not
asked) raise :class:`InvalidAnswers` and nothing is scored. Answers that are well formed but
too incomplete to score give a result with ``valid`` false and ``total`` None; flags raised by
single items (PHQ-9 item 9) are reported even then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from mindway.clinical.instruments import (
    Band,
    Instrument,
    Item,
    RiskLevel,
    Sex,
    get_instrument,
)
from mindway.errors import InvalidInput

__all__ = [
    "Answer",
    "InvalidAnswers",
    "ScoreContract",
    "ScoreResult",
    "parse_answers",
    "round_half_up",
    "score",
]

Answer = int | None
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


class InvalidAnswers(InvalidInput):
    """Answers that cannot be scored as given: wrong count, not a number, out of range."""


class ScoreContract(TypedDict):
    """The ``mindway score --json`` object: exactly these keys."""

    instrument: str
    total: int | None
    severity: str | None
    valid: bool
    flags: list[str]
    risk: RiskLevel | None


@dataclass(frozen=True)
class ScoreResult:
    instrument: str
    total: int | None
    severity: str | None
    valid: bool
    flags: tuple[str, ...]
    risk: RiskLevel | None
    answers: tuple[Answer, ...]  # one per item, None where missing, not asked or left off
    missing: tuple[int, ...]  # numbers (1-based) of asked, required items left unanswered
    prorated: bool
    band_scheme: str | None

    def contract(self) -> ScoreContract:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "severity": self.severity,
            "valid": self.valid,
            "flags": list(self.flags),
            "risk": self.risk,
        }


def parse_answers(text: str) -> list[Answer]:
    """``"1,,2"`` -> ``[1, None, 2]``: an empty position is a missing answer."""
    answers: list[Answer] = []
    for position, raw in enumerate(text.split(","), start=1):
        token = raw.strip()
        if not token:
            answers.append(None)
        elif _WHOLE_NUMBER.fullmatch(token):
            answers.append(int(token))
        else:
            kind = "a whole number" if _is_number(token) else "a number"
            raise InvalidAnswers(f"answer {position} is not {kind}: {token!r}")
    return answers


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (4.5 -> 5), in exact integer arithmetic."""
    return (2 * numerator + denominator) // (2 * denominator)


def score(
    instrument: Instrument | str,
    answers: Sequence[Answer],
    *,
    sex: Sex | None = None,
    bands: str | None = None,
) -> ScoreResult:
    """Score ``answers`` by the instrument's rules; ``sex`` matters for AUDIT-C only and
    ``bands`` picks a named band scheme (K10), the instrument's default otherwise."""
    definition = get_instrument(instrument) if isinstance(instrument, str) else instrument
    scheme = definition.band_scheme(bands)
    given = _checked_answers(definition, answers)
    missing = _missing_items(definition, given)
    valid = len(missing) <= _allowed_missing(definition)
    total = _total(definition, given, missing) if valid else None
    flags = _item_flags(definition, given)
    if total is not None:
        flags += _score_flags(definition, total, sex)
    if valid:
        flags += _cluster_flags(definition, given)
    return ScoreResult(
        instrument=definition.id,
        total=total,
        severity=_band(scheme[1], total) if scheme and total is not None else None,
        valid=valid,
        flags=tuple(dict.fromkeys(flags)),
        risk=_risk(definition, given, valid),
        answers=tuple(given),
        missing=tuple(missing),
        prorated=bool(missing) and total is not None,
        band_scheme=scheme[0] if scheme else None,
    )


def _checked_answers(instrument: Instrument, answers: Sequence[Answer]) -> list[Answer]:
    fewest, most = instrument.answer_counts
    if not fewest <= len(answers) <= most:
        expected = str(most) if fewest == most else f"{fewest} or {most}"
        raise InvalidAnswers(
            f"{instrument.id} takes {expected} answers, got {len(answers)}"
            " (leave a position empty for a missing answer)"
        )
    given = list(answers) + [None] * (len(instrument.items) - len(answers))
    for number, (item, answer) in enumerate(zip(instrument.items, given, strict=True), start=1):
        if answer is not None:
            _check_value(instrument, item, number, answer)
            _check_asked(instrument, item, number, given)
    return given


def _check_value(instrument: Instrument, item: Item, number: int, answer: object) -> None:
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise InvalidAnswers(
            f"answer {number} of {instrument.id} is not a whole number: {answer!r}"
        )
    allowed = [option.value for option in instrument.options(item)]
    if answer not in allowed:
        low, high = instrument.item_range(item)
        raise InvalidAnswers(
            f"answer {number} of {instrument.id} must be {low}-{high}"
            + ("" if len(allowed) == high - low + 1 else f" (one of {allowed})")
            + f", got {answer}"
        )


def _check_asked(instrument: Instrument, item: Item, number: int, given: list[Answer]) -> None:
    """An answer to a question the skip logic says was not asked is refused (C-SSRS 3-5, 7)."""
    rule = item.ask_when
    if rule is None:
        return
    gate = given[rule.item - 1]
    if gate is not None and gate != rule.equals:
        raise InvalidAnswers(
            f"answer {number} of {instrument.id} must be empty: question {number} is asked "
            f"only when answer {rule.item} is {rule.equals}, and it is {gate}"
        )


def _asked(item: Item, given: Sequence[Answer]) -> bool:
    """Whether the question was (or, its gate being unanswered, may have been) asked."""
    rule = item.ask_when
    return rule is None or given[rule.item - 1] in (None, rule.equals)


def _missing_items(instrument: Instrument, given: Sequence[Answer]) -> list[int]:
    return [
        number
        for number, (item, answer) in enumerate(zip(instrument.items, given, strict=True), 1)
        if answer is None and item.scored and not item.optional and _asked(item, given)
    ]


def _allowed_missing(instrument: Instrument) -> int:
    rule = instrument.missing
    return rule.max_missing if rule.rule == "prorate" else 0


def _total(instrument: Instrument, given: Sequence[Answer], missing: Sequence[int]) -> int | None:
    """Sum of scored answers; missing items (where allowed) replaced by the mean of the
    answered required items, rounded half up: sum x n / answered (Arrieta 2017 for PHQ-9;
    PMHC-MDS 2021 for K10)."""
    if instrument.scoring.method != "sum":
        return None
    scored = [
        (item, answer) for item, answer in zip(instrument.items, given, strict=True) if item.scored
    ]
    raw = sum(answer for _, answer in scored if answer is not None)
    if missing:
        required = sum(1 for item, _ in scored if not item.optional)
        raw = round_half_up(raw * required, required - len(missing))
    return raw * instrument.scoring.multiplier


def _band(bands: Sequence[Band], total: int) -> str:
    return next(band.label for band in bands if band.low <= total <= band.high)


def _item_flags(instrument: Instrument, given: Sequence[Answer]) -> list[str]:
    return [
        flag.flag
        for item, answer in zip(instrument.items, given, strict=True)
        for flag in item.flags
        if answer is not None and answer >= flag.at_least
    ]


def _score_flags(instrument: Instrument, total: int, sex: Sex | None) -> list[str]:
    """Flags from the total, e.g. AUDIT-C positive at 4 or more (men, or sex not stated) and 3
    or more (women) (Bradley 2003, 2007); PCL-5 probable PTSD at 33 (Blevins 2015)."""
    stated = sex or "unstated"
    return [
        rule.flag
        for rule in instrument.score_flags
        if stated in rule.sex
        and (rule.at_least is None or total >= rule.at_least)
        and (rule.at_most is None or total <= rule.at_most)
    ]


def _cluster_flags(instrument: Instrument, given: Sequence[Answer]) -> list[str]:
    """E.g. PCL-5 provisional DSM-5 PTSD: items rated 2+ in B>=1, C>=1, D>=2, E>=2
    (Weathers 2013, National Center for PTSD)."""
    flags = []
    for rule in instrument.cluster_rules:
        endorsed = {
            number
            for number, answer in enumerate(given, start=1)
            if answer is not None and answer >= rule.item_at_least
        }
        if all(len(endorsed & set(c.items)) >= c.need for c in rule.clusters):
            flags.append(rule.flag)
    return flags


def _risk(instrument: Instrument, given: Sequence[Answer], valid: bool) -> RiskLevel | None:
    """C-SSRS screener triage: the first level with a yes among its items (Columbia Lighthouse
    Project). With asked questions unanswered, only the top level is certain (a missing answer
    could raise any other), so the risk is then that level or None."""
    if instrument.scoring.method != "risk":
        return None
    top = instrument.risk_rules[0].level
    for rule in instrument.risk_rules:
        if any(given[number - 1] for number in rule.any_yes):
            return rule.level if valid or rule.level == top else None
    return "none" if valid else None
