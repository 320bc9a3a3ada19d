"""De-identification primitives: date shifts, bands, pooling, k-anonymity and suppression."""

from __future__ import annotations

from datetime import date

import pytest

from mindway.interop import deidentify as d

KEY = b"k" * 32


def test_date_shift_is_stable_keyed_bounded_and_never_zero() -> None:
    ids = [f"patient-{i}" for i in range(5000)]
    shifts = [d.date_shift_days(KEY, i) for i in ids]
    assert shifts == [d.date_shift_days(KEY, i) for i in ids]  # deterministic
    assert all(-180 <= s <= 180 and s != 0 for s in shifts)
    assert min(shifts) == -180 and max(shifts) == 180  # the whole range is used
    assert len(set(shifts)) == 360
    other_key = [d.date_shift_days(b"x" * 32, i) for i in ids]
    assert (
        sum(a == b for a, b in zip(shifts, other_key, strict=True)) < 50
    )  # ~14 expected by chance (1/360)


def test_one_offset_preserves_intervals_within_a_patient() -> None:
    offset = d.date_shift_days(KEY, "p1")
    first, second = date(2024, 2, 27), date(2024, 3, 12)
    moved = d.shift_date(first, offset), d.shift_date(second, offset)
    assert moved[1] - moved[0] == second - first
    assert moved[0] != first


@pytest.mark.parametrize(
    ("birth", "width", "band"),
    [
        (date(1985, 3, 14), 10, "30-39"),
        (date(1985, 3, 14), 5, "35-39"),
        (date(1985, 11, 30), 5, "35-39"),  # 38 years old on the reference day
        (date(1934, 1, 1), 10, "90+"),  # Safe Harbor: 90 and over are one group
        (date(1935, 6, 2), 5, "85-89"),  # 89 years old: not yet top-coded
    ],
)
def test_age_bands(birth: date, width: int, band: str) -> None:
    assert d.age_band(birth, date(2024, 6, 1), width) == band


def test_age_band_width_is_five_or_ten() -> None:
    with pytest.raises(ValueError, match="5 or 10"):
        d.age_band(date(2000, 1, 1), date(2024, 1, 1), 7)


def test_rare_categories_are_pooled_and_missing_ones_kept_apart() -> None:
    values = ["White"] * 3 + ["Black"] * 2 + ["Sami", None, " "]
    assert d.collapse_rare(values, 3) == ["White"] * 3 + ["other"] * 3 + ["unknown"] * 2


def test_keep_fields_is_an_allow_list() -> None:
    record = {"mood": 5, "note": "secret", "tags": ["x"], "sleep_hours": 7.0}
    assert d.keep_fields(record, ("mood", "sleep_hours", "anxiety")) == {
        "mood": 5,
        "sleep_hours": 7.0,
    }


RECORDS = [
    {"age_band": "30-39", "sex": "female", "ethnicity": "White"},
    {"age_band": "30-39", "sex": "female", "ethnicity": "White"},
    {"age_band": "30-39", "sex": "female", "ethnicity": "White"},
    {"age_band": "20-29", "sex": "male", "ethnicity": "Black"},
    {"age_band": "20-29", "sex": "male", "ethnicity": "Black"},
    {"age_band": "90+", "sex": None, "ethnicity": "other"},
]
QI = ("age_band", "sex", "ethnicity")


def test_k_is_the_smallest_equivalence_class() -> None:
    """Sweeney 2002: a release is k-anonymous when every record shares its quasi-identifiers
    with at least k-1 others."""
    report = d.k_anonymity(RECORDS, QI, target_k=3)
    assert (report.k, report.classes, report.records) == (1, 3, 6)
    assert (report.records_below_target, report.share_below_target) == (3, 0.5)
    assert d.k_anonymity(RECORDS[:3], QI, 3).k == 3
    assert d.k_anonymity([], QI).as_dict()["k"] == 0
    assert d.k_anonymity(RECORDS, QI, target_k=1).records_below_target == 0
    with pytest.raises(ValueError, match="at least 1"):
        d.k_anonymity(RECORDS, QI, target_k=0)


def test_suppression_leaves_only_classes_of_at_least_k() -> None:
    kept, suppressed = d.suppress_below(RECORDS, QI, 2)
    assert (kept, suppressed) == ([0, 1, 2, 3, 4], [5])
    assert d.k_anonymity([RECORDS[i] for i in kept], QI, 2).k == 2
    kept3, suppressed3 = d.suppress_below(RECORDS, QI, 3)
    assert (kept3, suppressed3) == ([0, 1, 2], [3, 4, 5])
