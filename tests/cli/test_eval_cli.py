"""``mindway eval btheb``: JSON figures with the documented keys, readable text, one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mindway.cli.main import app
from mindway.clinical.evaluation.btheb import evaluate_btheb
from tests.cli.harness import error_line

TOP_KEYS = {
    "dataset",
    "reliable_change",
    "response_rule",
    "rates_among",
    "arms",
    "mixed_model",
    "not_on_track",
}
ARM_KEYS = {
    "n",
    "with_follow_up",
    "completers_8_months",
    "mean_bdi_baseline",
    "mean_bdi_last",
    "reliable_improvement",
    "reliable_deterioration",
    "no_reliable_change",
    "response",
}
EFFECT_KEYS = {"coef", "se", "ci95", "p", "significant_at_5_percent"}


def mindway(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def printed() -> dict[str, Any]:
    result = mindway("eval", "btheb", "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_json_has_the_documented_keys(printed: dict[str, Any]) -> None:
    assert set(printed) == TOP_KEYS
    assert set(printed["arms"]) == {"TAU", "BtheB"}
    assert all(set(arm) == ARM_KEYS for arm in printed["arms"].values())
    assert set(printed["mixed_model"]["treatment_effect"]) == EFFECT_KEYS
    assert printed["reliable_change"]["threshold_points"] > 0


def test_json_is_the_evaluation_to_the_digit(printed: dict[str, Any]) -> None:
    assert printed == json.loads(json.dumps(evaluate_btheb()))


def test_without_json_it_prints_a_readable_summary(printed: dict[str, Any]) -> None:
    result = mindway("eval", "btheb")
    assert result.exit_code == 0
    effect = printed["mixed_model"]["treatment_effect"]
    assert "Beat the Blues" in result.stdout
    assert f"{effect['coef']:+.2f} BDI-II points" in result.stdout
    assert "sensitivity" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("eval", "btheb", "--bogus"), "No such option: --bogus"),
        (("eval", "btheb", "extra"), "unexpected extra argument"),
        (("eval", "nosuch"), "No such command"),
        (("eval", "--bogus"), "No such option: --bogus"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = mindway(*args)
    assert result.exit_code == 2
    assert message in error_line(result)
    assert result.stdout == ""
