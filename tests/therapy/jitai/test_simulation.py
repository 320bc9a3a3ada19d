"""The simulated population: reproducible, documented behaviour, and the issue's acceptance
(adaptive beats fixed and random on mean proximal outcome, with no more prompts per day
than the fixed schedule) on a small population."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from mindway.cli.main import app
from mindway.therapy.jitai.simulation import Population, evaluate_jitai, simulate_policy

POLICIES = {"adaptive", "fixed_schedule", "random", "never"}
SMALL = ("--users", "24", "--days", "28", "--seed", "2")


@pytest.fixture(scope="module")
def printed() -> dict[str, Any]:
    result = CliRunner().invoke(app, ["eval", "jitai", "--json", *SMALL])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_json_has_exactly_the_documented_shape(printed: dict[str, Any]) -> None:
    assert set(printed) == POLICIES
    for row in printed.values():
        assert set(row) == {"mean_proximal_outcome", "prompts_per_day"}
        assert all(isinstance(v, float) for v in row.values())


def test_adaptive_beats_fixed_and_random_without_more_prompts(printed: dict[str, Any]) -> None:
    adaptive, fixed, rand = printed["adaptive"], printed["fixed_schedule"], printed["random"]
    assert adaptive["mean_proximal_outcome"] > fixed["mean_proximal_outcome"]
    assert adaptive["mean_proximal_outcome"] > rand["mean_proximal_outcome"]
    assert adaptive["prompts_per_day"] <= fixed["prompts_per_day"]
    assert printed["never"]["prompts_per_day"] == 0.0


def test_the_same_seed_gives_the_same_figures_to_the_digit(printed: dict[str, Any]) -> None:
    assert printed == json.loads(json.dumps(evaluate_jitai(seed=2, users=24, days=28)))


def test_another_seed_gives_other_figures() -> None:
    one = simulate_policy("random", 0, 5, 7)
    two = simulate_policy("random", 1, 5, 7)
    assert one.outcome_sum != two.outcome_sum


def test_prompting_at_every_point_hits_the_burden_the_model_describes() -> None:
    """With burden and habituation switched off the fixed schedule beats never; with a heavy
    burden it falls below it (the effect of too many prompts turns negative)."""
    kind = Population(burden_mean=1e-9, habituation_median=1e9)
    harsh = Population(burden_mean=0.3)
    fixed_kind = simulate_policy("fixed_schedule", 0, 10, 14, kind).mean_proximal_outcome
    never_kind = simulate_policy("never", 0, 10, 14, kind).mean_proximal_outcome
    fixed_harsh = simulate_policy("fixed_schedule", 0, 10, 14, harsh).mean_proximal_outcome
    never_harsh = simulate_policy("never", 0, 10, 14, harsh).mean_proximal_outcome
    assert fixed_kind > never_kind
    assert fixed_harsh < never_harsh


def test_about_seventy_percent_of_points_are_available() -> None:
    run = simulate_policy("random", 0, 20, 14, keep_log=True)
    available = [r for r, _ in run.log if r.reason != "unavailable"]
    assert 0.6 < len(available) / len(run.log) < 0.8


def test_a_bad_option_exits_2_with_one_line() -> None:
    for args in (["--users", "0"], ["--days", "x"], ["--bogus"]):
        done = subprocess.run(
            [sys.executable, "-m", "mindway", "eval", "jitai", "--json", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1


def test_without_json_prints_a_table() -> None:
    result = CliRunner().invoke(app, ["eval", "jitai", "--users", "3", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "fixed_schedule" in result.stdout and "prompts per day" in result.stdout
