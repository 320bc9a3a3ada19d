"""Programmes as data: every session reads modules and sets exercises that exist; the unlock
rule and tailoring do what the module documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mindway.errors import InvalidInput
from mindway.therapy.library import load_library
from mindway.therapy.programmes import (
    ProgrammeError,
    exercise_ids,
    load_programmes,
    load_programmes_from,
    opens_at,
    resolve,
    streak,
    tailor,
    unlocked,
)

EXPECTED = {"depression_cbt": 8, "anxiety_cbt": 8, "sleep_better": 4}


def test_the_three_programmes_with_their_weeks() -> None:
    programmes = load_programmes()
    assert {p: len(programmes[p].sessions) for p in programmes} == EXPECTED
    assert programmes["depression_cbt"].title == "Depression: CBT foundations"


def test_every_referenced_module_and_exercise_exists() -> None:
    library = load_library()
    exercises = exercise_ids(library)
    for programme in load_programmes().values():
        assert programme.sources
        for session in programme.sessions:
            assert set(session.modules) <= set(library.modules)
            assert set(session.homework) <= exercises


def test_a_bad_reference_is_refused_at_load(tmp_path: Path) -> None:
    text = Path(__file__).parents[2] / "src/mindway/therapy/data/programmes/sleep_better.yaml"
    broken = text.read_text().replace("modules: [relapse_prevention]", "modules: [no_such]")
    (tmp_path / "sleep_better.yaml").write_text(broken)
    with pytest.raises(ProgrammeError, match="no_such"):
        load_programmes_from(tmp_path, load_library())


def test_sessions_unlock_on_completion_or_at_their_week() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert unlocked(0, set(), start, start)
    assert not unlocked(1, set(), start, start + timedelta(days=6))
    assert unlocked(1, {0}, start, start + timedelta(hours=1))
    assert unlocked(1, set(), start, start + timedelta(days=7))
    assert not unlocked(3, {0, 1}, start, start + timedelta(days=20))
    assert unlocked(3, {0, 1}, start, start + timedelta(days=21))


def test_when_a_session_opens_agrees_with_the_unlock_rule() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    early = start + timedelta(days=2)
    assert opens_at(0, None, start) == start
    assert opens_at(1, None, start) == start + timedelta(days=7)
    assert opens_at(1, early, start) == early  # the one before was completed early
    assert opens_at(1, start + timedelta(days=9), start) == start + timedelta(days=7)
    for position, previous in ((1, None), (1, early), (2, None)):
        moment = opens_at(position, previous, start)
        completed = {position - 1} if previous else set()
        assert unlocked(position, completed, start, moment)
        if previous is None:
            assert not unlocked(position, completed, start, moment - timedelta(seconds=1))


def test_tailoring_skips_and_adds_sessions() -> None:
    programmes = load_programmes()
    plan = tailor(programmes["depression_cbt"], programmes, skip=[5, 6], add=["sleep_better:2"])
    assert len(plan) == 7 and plan[-1] == "sleep_better:2" and "depression_cbt:5" not in plan
    assert resolve("sleep_better:2", programmes).title == "A steady sleep window"
    with pytest.raises(InvalidInput):
        tailor(programmes["sleep_better"], programmes, skip=[1, 2, 3, 4])
    with pytest.raises(InvalidInput):
        tailor(programmes["sleep_better"], programmes, add=["sleep_better:9"])


def test_streak_counts_days_up_to_today_or_yesterday() -> None:
    today = date(2026, 3, 10)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak(days, today) == 3
    assert streak(days | {today}, today) == 4
    assert streak(set(), today) == 0
