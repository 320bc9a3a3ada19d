"""Tabular data for treatment-effect models: reading a CSV, telling numeric from categorical
columns, encoding them for the learners, and knowing the support of the training data.

Every column other than the treatment and the outcome is a feature. A column is numeric when
all its present values parse as numbers; otherwise it is categorical (strings). Missing values
are allowed anywhere in the features: numeric ones are imputed by the median with a missing
indicator, categorical ones become their own level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mindway.errors import InvalidInput

MISSING_LEVEL = "(missing)"
# A numeric value this far beyond the training range (in ranges) is outside the support.
RANGE_MARGIN = 0.05


def read_csv(path: Path) -> pd.DataFrame:
    """The CSV as strings-or-numbers, refusing what cannot be a data table."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError as exc:
        raise InvalidInput(f"{path} is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise InvalidInput(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from exc
    if frame.empty:
        raise InvalidInput(f"{path} has no data rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def require_columns(frame: pd.DataFrame, *names: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        known = ", ".join(frame.columns)
        raise InvalidInput(f"unknown column {missing[0]!r} (columns: {known})")


def numeric_outcome(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    """The outcome as floats; a non-numeric or missing outcome is refused, not guessed."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        example = frame[column][bad].iloc[0]
        raise InvalidInput(f"outcome column {column!r} is not numeric (e.g. {example!r})")
    if values.isna().any():
        raise InvalidInput(f"outcome column {column!r} has missing values")
    if not np.isfinite(values.to_numpy(dtype=float)).all():
        raise InvalidInput(f"outcome column {column!r} has infinite values")
    return np.asarray(values.to_numpy(dtype=float), dtype=float)


def arm_labels(frame: pd.DataFrame, column: str) -> NDArray[np.str_]:
    """Treatment values as strings (``1.0`` read by pandas prints as ``1`` when whole)."""
    if frame[column].isna().any():
        raise InvalidInput(f"treatment column {column!r} has missing values")
    raw = frame[column]
    if pd.api.types.is_float_dtype(raw) and bool((raw == raw.round()).all()):
        raw = raw.astype(int)
    return np.asarray(raw.astype(str).to_numpy(dtype=str), dtype=str)


@dataclass
class FeatureSchema:
    """Feature columns, their kinds and the support seen in training."""

    numeric: list[str]
    categorical: list[str]
    low: dict[str, float] = field(default_factory=dict)
    high: dict[str, float] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    @classmethod
    def infer(cls, features: pd.DataFrame) -> FeatureSchema:
        numeric: list[str] = []
        categorical: list[str] = []
        for name in features.columns:
            present = features[name].dropna()
            parsed = pd.to_numeric(present, errors="coerce")
            (numeric if parsed.notna().all() else categorical).append(name)
        schema = cls(numeric=numeric, categorical=categorical)
        frame = schema.prepare(features)
        for name in numeric:
            values = frame[name].dropna()
            schema.low[name] = float(values.min()) if len(values) else 0.0
            schema.high[name] = float(values.max()) if len(values) else 0.0
        for name in categorical:
            schema.levels[name] = sorted(frame[name].unique().tolist())
        return schema

    def prepare(self, features: pd.DataFrame) -> pd.DataFrame:
        """The feature columns in training order and types; absent columns are missing."""
        out = pd.DataFrame(index=features.index)
        for name in self.numeric:
            source = features[name] if name in features else pd.Series(np.nan, features.index)
            out[name] = pd.to_numeric(source, errors="coerce").astype(float)
        for name in self.categorical:
            source = features[name] if name in features else pd.Series(None, features.index)
            text = source.astype(object).where(source.notna(), MISSING_LEVEL)
            out[name] = text.astype(str)
        return out

    def encoder(self) -> ColumnTransformer:
        """Median-imputed, standardised numbers with missing flags; one-hot categories."""
        numeric = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
        )
        categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        return ColumnTransformer(
            [("numeric", numeric, self.numeric), ("categorical", categorical, self.categorical)],
            sparse_threshold=0.0,
        )

    def outside_support(self, frame: pd.DataFrame) -> list[str | None]:
        """Per row, why it lies outside the training data (None when it does not)."""
        reasons: list[str | None] = []
        for _, row in frame.iterrows():
            reasons.append(self._row_reason(row))
        return reasons

    def _row_reason(self, row: pd.Series) -> str | None:
        for name in self.numeric:
            value = row[name]
            if pd.isna(value):
                continue
            low, high = self.low[name], self.high[name]
            margin = RANGE_MARGIN * max(high - low, 1e-12)
            if value < low - margin or value > high + margin:
                return f"{name}={value:g} is outside the training range [{low:g}, {high:g}]"
        for name in self.categorical:
            value = row[name]
            if value != MISSING_LEVEL and value not in self.levels[name]:
                return f"{name}={value!r} was never seen in the training data"
        return None
