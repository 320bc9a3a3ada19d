"""Answers as researchers type them, and the malformed ones refused before anything is scored."""

from __future__ import annotations

import pytest

from mindway.clinical.scoring import InvalidAnswers, parse_answers, score
from mindway.errors import InvalidInput


def test_an_empty_position_is_a_missing_answer() -> None:
    assert parse_answers("1,,2") == [1, None, 2]
    assert parse_answers(" 1 , 2 ,") == [1, 2, None]
    assert parse_answers("") == [None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,x,2", "answer 2 is not a number: 'x'"),
        ("1,2,1.5", "answer 3 is not a whole number: '1.5'"),
        ("1.0", "answer 1 is not a whole number: '1.0'"),
        ("1e0", "answer 1 is not a whole number"),
        ("nan", "answer 1 is not a whole number"),
        ("½", "answer 1 is not a number"),
    ],
)
def test_non_numbers_and_non_integers_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidAnswers, match=message):
        parse_answers(text)


@pytest.mark.parametrize(
    ("instrument_id", "count", "message"),
    [
        ("phq9", 8, "phq9 takes 9 or 10 answers, got 8"),
        ("phq9", 11, "phq9 takes 9 or 10 answers, got 11"),
        ("gad7", 9, "gad7 takes 7 answers, got 9"),
        ("cssrs", 6, "cssrs takes 7 answers, got 6"),
    ],
)
def test_a_wrong_count_is_refused(instrument_id: str, count: int, message: str) -> None:
    with pytest.raises(InvalidAnswers, match=message) as caught:
        score(instrument_id, [0] * count)
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize(
    ("instrument_id", "bad", "message"),
    [
        ("phq9", 4, "answer 1 of phq9 must be 0-3, got 4"),
        ("phq9", -1, "answer 1 of phq9 must be 0-3, got -1"),
        ("k10", 0, "answer 1 of k10 must be 1-5, got 0"),
        ("who5", 6, "answer 1 of who5 must be 0-5, got 6"),
        ("pcl5", 5, "answer 1 of pcl5 must be 0-4, got 5"),
        ("phq15", 3, "answer 1 of phq15 must be 0-2, got 3"),
    ],
)
def test_out_of_range_answers_are_refused(instrument_id: str, bad: int, message: str) -> None:
    from mindway.clinical.instruments import get_instrument

    count = get_instrument(instrument_id).answer_counts[0]
    with pytest.raises(InvalidAnswers, match=message):
        score(instrument_id, [bad] + [None] * (count - 1))


@pytest.mark.parametrize("bad", [1.0, 1.5, True, "1"])
def test_values_that_are_not_ints_are_refused_from_python_callers(bad: object) -> None:
    with pytest.raises(InvalidAnswers, match="is not a whole number"):
        score("gad2", [bad, 1])  # type: ignore[list-item]
