"""A small constructed cohort whose best arm is known, and models trained on it once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mindway.cli.main import app

ROWS = 240


def constructed_cohort(rows: int = ROWS, seed: int = 3) -> pd.DataFrame:
    """Arm A raises the outcome by 2x and arm B lowers it by 2x: with higher-is-better A is
    best where x > 0 and B where x < 0; with lower-is-better the other way round. ``site``
    is categorical and ``score`` has missing values; neither changes the outcome.
    ``visit_date`` gives the data period and is not a feature."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, rows)
    arm = np.where(rng.random(rows) < 1 / (1 + np.exp(-0.5 * x)), "A", "B")
    y = np.where(arm == "A", 2 * x, -2 * x) + rng.normal(0, 0.3, rows)
    frame = pd.DataFrame(
        {
            "x": x.round(3),
            "site": rng.choice(["north", "south", "east"], rows),
            "score": rng.normal(10, 2, rows).round(1),
            "sex": rng.choice(["female", "male"], rows),
            "age": rng.integers(18, 80, rows),
            "visit_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 366, rows), unit="D"),
            "arm": arm,
            "outcome": y.round(3),
        }
    )
    frame.loc[::9, "score"] = np.nan
    frame.loc[::13, "site"] = np.nan
    return frame


@pytest.fixture(scope="session")
def cohort_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cohort") / "train.csv"
    constructed_cohort().to_csv(path, index=False)
    return path


def _train(csv: Path, target: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        app,
        [
            "recommend",
            "train",
            str(csv),
            "--treatment",
            "arm",
            "--outcome",
            "outcome",
            "--model-dir",
            str(target),
            "--seed",
            "1",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="session")
def model_dir(cohort_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(cohort_csv, tmp_path_factory.mktemp("higher"), "--group", "site")


@pytest.fixture(scope="session")
def lower_model_dir(cohort_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(cohort_csv, tmp_path_factory.mktemp("lower"), "--lower-is-better")
