"""PCL-5, WHO-5, ISI, AUDIT-C and K10 scored as their published sources say."""

from __future__ import annotations

import pytest

from mindway.clinical.instruments import Sex, UnknownInstrument
from mindway.clinical.scoring import score
from tests.clinical.instrument_answers import answers_summing_to

# --- PCL-5 ----------------------------------------------------------------------------------

# One symptom rated 2 in each of B and C, two in each of D and E: the least that meets DSM-5.
B, C, D, E = [2, 0, 0, 0, 0], [2, 0], [2, 2, 0, 0, 0, 0, 0], [2, 2, 0, 0, 0, 0]
DSM5_MINIMUM = [*B, *C, *D, *E]


def test_pcl5_total_is_the_sum_of_twenty_items() -> None:
    """Weathers et al. 2013 (National Center for PTSD): 20 items 0-4, total 0-80."""
    assert score("pcl5", [0] * 20).total == 0
    assert score("pcl5", [4] * 20).total == 80
    assert score("pcl5", DSM5_MINIMUM).total == 12


@pytest.mark.parametrize(("total", "flagged"), [(31, False), (32, False), (33, True), (80, True)])
def test_pcl5_probable_ptsd_from_33(total: int, flagged: bool) -> None:
    """Blevins et al. 2015 (J Trauma Stress 28:489): provisional cut-off 31-33; Mindway flags
    at 33, the top of that range, and has no severity bands for the PCL-5."""
    result = score("pcl5", answers_summing_to("pcl5", total))
    assert ("probable_ptsd" in result.flags) is flagged
    assert result.severity is None


def test_pcl5_dsm5_rule_met_by_the_minimum_pattern() -> None:
    """Weathers 2013: an item rated 2 (Moderately) or more is a symptom; DSM-5 needs 1 B
    (items 1-5), 1 C (6-7), 2 D (8-14) and 2 E (15-20)."""
    assert score("pcl5", DSM5_MINIMUM).flags == ("provisional_ptsd_dsm5",)


@pytest.mark.parametrize(("cluster", "item"), [("B", 1), ("C", 6), ("D", 8), ("E", 15)])
def test_pcl5_dsm5_rule_fails_when_one_cluster_is_short(cluster: str, item: int) -> None:
    answers = list(DSM5_MINIMUM)
    answers[item - 1] = 1  # rated 1 ("A little bit"): not a symptom
    assert "provisional_ptsd_dsm5" not in score("pcl5", answers).flags, cluster


def test_pcl5_items_rated_1_never_count_as_symptoms() -> None:
    assert score("pcl5", [1] * 20).flags == ()


def test_pcl5_has_no_missing_item_rule() -> None:
    answers: list[int | None] = [4] * 20
    answers[19] = None
    result = score("pcl5", answers)
    assert (result.valid, result.total, result.flags) == (False, None, ())


# --- WHO-5 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "total", "flags"),
    [
        (25, 100, ()), (13, 52, ()), (12, 48, ("poor_wellbeing",)),
        (8, 32, ("poor_wellbeing",)), (7, 28, ("poor_wellbeing", "likely_depression")),
        (0, 0, ("poor_wellbeing", "likely_depression")),
    ],
)  # fmt: skip
def test_who5_percentage_and_cut_offs(raw: int, total: int, flags: tuple[str, ...]) -> None:
    """Topp et al. 2015 (Psychother Psychosom 84:167): raw 0-25 x 4 = 0-100; 50 or less is
    poor wellbeing, 28 or less likely depression."""
    result = score("who5", answers_summing_to("who5", raw))
    assert (result.total, result.flags, result.severity) == (total, flags, None)


# --- ISI ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "none"), (7, "none"), (8, "subthreshold"), (14, "subthreshold"), (15, "moderate"),
     (21, "moderate"), (22, "severe"), (28, "severe")],
)  # fmt: skip
def test_isi_bands_at_every_boundary(total: int, severity: str) -> None:
    """Bastien, Vallieres & Morin 2001 (Sleep Med 2:297): 7 items 0-4, 0-28; 0-7 no
    clinically significant insomnia, 8-14 subthreshold, 15-21 moderate, 22-28 severe."""
    result = score("isi", answers_summing_to("isi", total))
    assert (result.total, result.severity) == (total, severity)


# --- AUDIT-C --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "sex", "flags"),
    [
        (2, None, ()), (3, None, ("positive_if_female",)), (4, None, ("positive",)),
        (12, None, ("positive",)),
        (2, "female", ()), (3, "female", ("positive",)), (4, "female", ("positive",)),
        (3, "male", ()), (4, "male", ("positive",)),
    ],
)  # fmt: skip
def test_auditc_thresholds_by_sex(total: int, sex: Sex | None, flags: tuple[str, ...]) -> None:
    """Bush et al. 1998 (Arch Intern Med 158:1789): 3 items 0-4, 0-12. Positive at 4 or more
    for men (Bradley 2007, Alcohol Clin Exp Res 31:1208) and 3 or more for women (Bradley 2003,
    Arch Intern Med 163:821). Without a stated sex, 3 is positive_if_female and 4+ positive."""
    result = score("auditc", answers_summing_to("auditc", total), sex=sex)
    assert (result.total, result.flags, result.severity) == (total, flags, None)


# --- K10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high"),
     (30, "very_high"), (50, "very_high")],
)  # fmt: skip
def test_k10_default_bands(total: int, severity: str) -> None:
    """Kessler 2002 (Psychol Med 32:959): 10 items 1-5, 10-50. Bands as grouped by the ABS
    (4817.0.55.001, 2012, Table E, after Andrews & Slade 2001): 10-15 low, 16-21 moderate,
    22-29 high, 30-50 very high."""
    result = score("k10", answers_summing_to("k10", total))
    assert (result.total, result.severity, result.band_scheme) == (total, severity, "abs")


@pytest.mark.parametrize(
    ("total", "severity"),
    [(19, "likely_well"), (20, "mild"), (24, "mild"), (25, "moderate"), (29, "moderate"),
     (30, "severe")],
)  # fmt: skip
def test_k10_band_scheme_chosen_by_name(total: int, severity: str) -> None:
    """The CRUfAD grouping cited by the ABS paper: under 20 likely well; 20, 25, 30 mild,
    moderate and severe disorder."""
    result = score("k10", answers_summing_to("k10", total), bands="crufad")
    assert (result.severity, result.band_scheme) == (severity, "crufad")


def test_k10_unknown_band_scheme_is_refused() -> None:
    with pytest.raises(UnknownInstrument, match="no band scheme 'dass'"):
        score("k10", [1] * 10, bands="dass")


@pytest.mark.parametrize(
    ("answered", "total"),
    [
        ([2] * 9, 20),  # 18 / 9 x 10 = 20
        ([1] * 8 + [5], 14),  # 13 / 9 x 10 = 14.4 -> 14
        ([1] * 7 + [2, 5], 16),  # 14 / 9 x 10 = 15.6 -> 16
        ([5] * 9, 50),
    ],
)
def test_k10_one_missing_item_is_prorated(answered: list[int], total: int) -> None:
    """PMHC-MDS specification 2021: one missing item, total = round(sum / 9 x 10)."""
    result = score("k10", [*answered[:4], None, *answered[4:]])
    assert (result.total, result.valid, result.prorated) == (total, True, True)


def test_k10_two_missing_items_leave_it_unscored() -> None:
    result = score("k10", [3] * 8 + [None, None])
    assert (result.total, result.valid, result.severity) == (None, False, None)
