"""The ``mindway recommend`` and ``mindway eval ihdp|synthetic`` contract (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mindway.cli.main import app
from tests.recommend.conftest import constructed_cohort

runner = CliRunner()


def _predict(csv: Path, model_dir: Path) -> list[dict[str, object]]:
    result = runner.invoke(app, ["recommend", "predict", str(csv), "--model-dir", str(model_dir)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def new_patients(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "x": [1.5, -1.5, 1.2, -1.0, np.nan],
            "site": ["north", "south", None, "east", "north"],
            "score": [9.0, None, 12.0, 10.0, 11.0],
            "sex": ["female", "male", "male", None, "female"],
            "age": [30, 60, 45, 50, 25],
        }
    )
    path = tmp_path / "new.csv"
    frame.to_csv(path, index=False)
    return path


def test_predict_lines_follow_the_contract(model_dir: Path, new_patients: Path) -> None:
    lines = _predict(new_patients, model_dir)
    assert [line["row"] for line in lines] == [0, 1, 2, 3, 4]
    for line in lines:
        assert set(line) == {"row", "expected_outcome", "interval", "recommended"}
        expected, interval = line["expected_outcome"], line["interval"]
        assert isinstance(expected, dict) and isinstance(interval, dict)
        assert set(expected) == set(interval) == {"A", "B"}
        assert line["recommended"] in expected
        for arm, (low, high) in interval.items():
            assert low <= expected[arm] <= high


def test_recommendation_follows_the_known_truth(model_dir: Path, new_patients: Path) -> None:
    lines = _predict(new_patients, model_dir)
    assert [line["recommended"] for line in lines[:4]] == ["A", "B", "A", "B"]


def test_lower_is_better_flips_the_recommendation(
    lower_model_dir: Path, new_patients: Path
) -> None:
    lines = _predict(new_patients, lower_model_dir)
    assert [line["recommended"] for line in lines[:4]] == ["B", "A", "B", "A"]


def test_treatment_and_outcome_columns_in_predict_data_are_ignored(
    model_dir: Path, cohort_csv: Path, tmp_path: Path
) -> None:
    labelled = pd.read_csv(cohort_csv).head(6)
    with_labels, without = tmp_path / "with.csv", tmp_path / "without.csv"
    labelled.to_csv(with_labels, index=False)  # same rows, same batch: bit-identical floats
    labelled.drop(columns=["arm", "outcome"]).to_csv(without, index=False)
    assert _predict(with_labels, model_dir) == _predict(without, model_dir)


def test_out_of_support_rows_are_named_on_stderr(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    pd.DataFrame({"x": [0.5, 40.0], "site": ["north", "moon"]}).to_csv(path, index=False)
    result = runner.invoke(app, ["recommend", "predict", str(path), "--model-dir", str(model_dir)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert "row 1:" in result.stderr and "x=40" in result.stderr
    assert "row 0:" not in result.stderr


def test_evaluate_prints_metrics(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "fresh.csv"
    constructed_cohort(rows=120, seed=9).to_csv(path, index=False)
    result = runner.invoke(app, ["recommend", "evaluate", str(path), "--model-dir", str(model_dir)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["rows"] == 120
    assert figures["gain_over_best_single_arm"] > 0.5
    assert 0.6 <= figures["interval_coverage"] <= 1.0


def test_card_has_data_performance_and_fairness(model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.md"
    result = runner.invoke(
        app, ["recommend", "card", "--model-dir", str(model_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    card = out.read_text()
    for heading in (
        "## Intended use",
        "## Data",
        "### Population",
        "## Performance",
        "## Fairness audit",
        "### sex",
        "### age band",
        "### site",
        "## Limits",
    ):
        assert heading in card
    assert "95% bootstrap interval" in card and "Flags:" in card
    assert "- Period: 2024-01-" in card and "(`visit_date`)" in card


def test_card_refuses_a_group_never_audited(model_dir: Path) -> None:
    result = runner.invoke(
        app, ["recommend", "card", "--model-dir", str(model_dir), "--group", "nope"]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (None, [], "no such file"),
        ("", [], "empty"),
        ("x,arm,outcome\n1,A,2\n", ["--treatment", "nope"], "unknown column"),
        ("x,arm,outcome\n" + "".join(f"{i},A,{i}\n" for i in range(10)), [], "only one arm"),
        (
            "x,arm,outcome\n" + "".join(f"{i},{'AB'[i % 2]},high\n" for i in range(10)),
            [],
            "not numeric",
        ),
    ],
)
def test_bad_training_input_is_one_line(
    tmp_path: Path, content: str | None, options: list[str], message: str
) -> None:
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    args = [
        "recommend",
        "train",
        str(path),
        "--treatment",
        "arm",
        "--outcome",
        "outcome",
        "--model-dir",
        str(tmp_path / "m"),
    ]
    if options:
        args[4] = options[1]
    result = runner.invoke(app, args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_missing_option_is_one_line(cohort_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["recommend", "train", str(cohort_csv), "--model-dir", str(tmp_path / "m")]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--treatment" in result.stderr


def test_predict_without_a_model_is_one_line(tmp_path: Path, new_patients: Path) -> None:
    result = runner.invoke(
        app, ["recommend", "predict", str(new_patients), "--model-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 1
    assert "no trained model" in result.stderr


def test_eval_ihdp_prints_the_contract_keys() -> None:
    result = runner.invoke(app, ["eval", "ihdp", "--replications", "2", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert list(figures) == ["replications", "pehe_in", "pehe_out", "ate_error_in", "ate_error_out"]
    assert figures["replications"] == 2
    assert figures["pehe_out"] < 1.0 and figures["ate_error_out"] < 0.3


def test_eval_synthetic_captures_most_of_the_gain() -> None:
    result = runner.invoke(app, ["eval", "synthetic", "--json", "--patients", "800"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["regret"] >= 0
    assert figures["policy_value"] <= figures["oracle_value"]
    assert figures["gain_captured"] > 0.6
