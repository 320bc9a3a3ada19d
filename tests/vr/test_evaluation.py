"""``mindway eval vr``: JSON shape, reproducibility and the acceptance comparison."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mindway.cli.main import app


def test_eval_vr_json_is_reproducible_and_the_controller_wins() -> None:
    runner = CliRunner()
    args = ["eval", "vr", "--json", "--patients", "6", "--seed", "3"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    figures = json.loads(first.stdout)
    assert figures["patients"] == 6 and figures["seed"] == 3 and figures["sessions"] == 4
    keys = {
        "time_in_window",
        "flooding_seconds_per_session",
        "fear_at_full_intensity_after_4_sessions",
        "share_reaching_full_intensity",
    }
    for arm in ("adaptive", "fixed_step"):
        assert keys <= set(figures[arm])
    adaptive, fixed = figures["adaptive"], figures["fixed_step"]
    assert adaptive["time_in_window"] > fixed["time_in_window"]
    assert adaptive["flooding_seconds_per_session"] < fixed["flooding_seconds_per_session"]
    assert adaptive["share_tolerating_full_intensity"] >= fixed["share_tolerating_full_intensity"]
    assert adaptive["share_reaching_full_intensity"] >= 0.8
    assert (
        adaptive["fear_at_full_intensity_after_4_sessions"]
        <= fixed["fear_at_full_intensity_after_4_sessions"]
    )
    assert all(figures["acceptance"].values())
    again = runner.invoke(app, args)
    assert again.stdout == first.stdout


def test_eval_vr_rejects_a_bad_option_in_one_line() -> None:
    result = CliRunner().invoke(app, ["eval", "vr", "--patients", "0"])
    assert result.exit_code == 2
