"""CPIC rules row by row, and diplotype -> phenotype translation.

Sources: Bousman et al. 2023, Clin Pharmacol Ther 114:51-68 (SSRIs/SNRIs; CYP2D6, CYP2C19,
CYP2B6); Hicks et al. 2017, Clin Pharmacol Ther 102:37-44 (tricyclics; CYP2D6, CYP2C19);
Caudle et al. 2020, Clin Transl Sci 13:116 (CYP2D6 activity score).
"""

from __future__ import annotations

import pytest

from mindway.errors import InvalidInput
from mindway.recommend.pharmacogenomics import (
    EFFECTS,
    PHENOTYPES,
    STRENGTHS,
    guidance,
    phenotype_from_diplotype,
    rule,
    rules,
)

SSRI_2023 = "Clin Pharmacol Ther. 2023;114(1):51-68"
TCA_2017 = "Clin Pharmacol Ther. 2017;102(1):37-44"

# (gene, phenotype, drug, strength, effect, fraction, source) as in the guidelines' tables.
EXPECTED = [
    # Bousman 2023, CYP2C19 and citalopram / escitalopram
    ("CYP2C19", "ultrarapid", "escitalopram", "moderate", "consider_alternative", None, SSRI_2023),
    ("CYP2C19", "rapid", "citalopram", "moderate", "standard", None, SSRI_2023),
    ("CYP2C19", "normal", "escitalopram", "strong", "standard", None, SSRI_2023),
    ("CYP2C19", "intermediate", "citalopram", "moderate", "titrate_slowly", None, SSRI_2023),
    (
        "CYP2C19",
        "likely intermediate",
        "escitalopram",
        "moderate",
        "titrate_slowly",
        None,
        SSRI_2023,
    ),
    ("CYP2C19", "poor", "escitalopram", "moderate", "reduce_dose", 0.5, SSRI_2023),
    ("CYP2C19", "likely poor", "citalopram", "moderate", "reduce_dose", 0.5, SSRI_2023),
    # Bousman 2023, CYP2C19 and sertraline
    ("CYP2C19", "ultrarapid", "sertraline", "optional", "standard", None, SSRI_2023),
    ("CYP2C19", "normal", "sertraline", "strong", "standard", None, SSRI_2023),
    ("CYP2C19", "intermediate", "sertraline", "optional", "titrate_slowly", None, SSRI_2023),
    ("CYP2C19", "poor", "sertraline", "optional", "reduce_dose", 0.5, SSRI_2023),
    # Bousman 2023, CYP2B6 and sertraline (25% lower maintenance dose in poor metabolisers)
    ("CYP2B6", "normal", "sertraline", "optional", "standard", None, SSRI_2023),
    ("CYP2B6", "intermediate", "sertraline", "optional", "titrate_slowly", None, SSRI_2023),
    ("CYP2B6", "poor", "sertraline", "optional", "reduce_dose", 0.75, SSRI_2023),
    # Bousman 2023, CYP2D6
    ("CYP2D6", "ultrarapid", "paroxetine", "optional", "consider_alternative", None, SSRI_2023),
    ("CYP2D6", "normal", "paroxetine", "strong", "standard", None, SSRI_2023),
    ("CYP2D6", "poor", "paroxetine", "optional", "reduce_dose", 0.5, SSRI_2023),
    ("CYP2D6", "poor", "fluvoxamine", "optional", "titrate_slowly", None, SSRI_2023),
    (
        "CYP2D6",
        "ultrarapid",
        "venlafaxine",
        "no recommendation",
        "no_recommendation",
        None,
        SSRI_2023,
    ),
    ("CYP2D6", "poor", "venlafaxine", "optional", "consider_alternative", None, SSRI_2023),
    ("CYP2D6", "ultrarapid", "vortioxetine", "optional", "consider_alternative", None, SSRI_2023),
    ("CYP2D6", "poor", "vortioxetine", "optional", "reduce_dose", 0.5, SSRI_2023),
    # Hicks 2017, CYP2D6 and tricyclics
    ("CYP2D6", "ultrarapid", "amitriptyline", "strong", "avoid", None, TCA_2017),
    ("CYP2D6", "normal", "nortriptyline", "strong", "standard", None, TCA_2017),
    ("CYP2D6", "intermediate", "nortriptyline", "moderate", "reduce_dose", 0.75, TCA_2017),
    ("CYP2D6", "poor", "amitriptyline", "strong", "avoid", None, TCA_2017),
    # Hicks 2017, CYP2C19 and tertiary amines
    ("CYP2C19", "ultrarapid", "amitriptyline", "optional", "avoid", None, TCA_2017),
    ("CYP2C19", "rapid", "amitriptyline", "optional", "avoid", None, TCA_2017),
    ("CYP2C19", "normal", "amitriptyline", "strong", "standard", None, TCA_2017),
    # Hicks 2017 CYP2C19 table: "strong" for normal AND intermediate metabolisers
    ("CYP2C19", "intermediate", "amitriptyline", "strong", "standard", None, TCA_2017),
    ("CYP2C19", "poor", "amitriptyline", "moderate", "avoid", None, TCA_2017),
    ("CYP2C19", "poor", "imipramine", "optional", "avoid", None, TCA_2017),
]


@pytest.mark.parametrize(
    ("gene", "phenotype", "drug", "strength", "effect", "fraction", "source"), EXPECTED
)
def test_cpic_row(
    gene: str,
    phenotype: str,
    drug: str,
    strength: str,
    effect: str,
    fraction: float | None,
    source: str,
) -> None:
    found = rule(gene, phenotype, drug)
    assert found is not None
    assert (found.strength, found.effect, found.fraction) == (strength, effect, fraction)
    assert source in found.citation
    assert f"Table {found.table}." in found.citation


def test_table_is_well_formed() -> None:
    keys = set()
    for row in rules():
        assert row.phenotype in PHENOTYPES
        assert row.effect in EFFECTS
        assert row.strength in STRENGTHS
        assert (row.effect == "reduce_dose") == (row.fraction is not None)
        assert row.recommendation
        key = (row.gene, row.phenotype, row.drug)
        assert key not in keys, f"duplicate rule {key}"
        keys.add(key)


def test_verified_rows_name_the_text_they_were_checked_against() -> None:
    verified = [r for r in rules() if r.verified]
    assert len(verified) >= 20
    assert all(r.checked_against for r in verified)
    assert not any(r.checked_against for r in rules() if not r.verified)


def test_tricyclic_rows_are_verified_against_hicks_2017() -> None:
    for phenotype in ("ultrarapid", "normal", "intermediate", "poor"):
        for drug in ("amitriptyline", "nortriptyline"):
            found = rule("CYP2D6", phenotype, drug)
            assert found is not None and found.verified and found.table == 2


def test_every_ssri_snri_drug_has_a_normal_metaboliser_row() -> None:
    drugs = {
        "citalopram",
        "escitalopram",
        "sertraline",
        "paroxetine",
        "fluvoxamine",
        "venlafaxine",
        "vortioxetine",
        "amitriptyline",
        "nortriptyline",
    }
    covered = {r.drug for r in rules() if r.phenotype == "normal"}
    assert drugs <= covered


def test_poor_cyp2c19_escitalopram_halves_the_dose_or_suggests_an_alternative() -> None:
    notes = guidance("escitalopram", {"CYP2C19": "poor", "CYP2D6": "normal"})
    assert len(notes) == 1
    assert notes[0].fraction == 0.5
    assert "not mainly metabolised by CYP2C19" in notes[0].recommendation
    assert notes[0].verified


def test_guidance_combines_genes_for_sertraline() -> None:
    notes = guidance("sertraline", {"CYP2C19": "normal", "CYP2B6": "poor"})
    assert {(n.gene, n.effect) for n in notes} == {
        ("CYP2C19", "standard"),
        ("CYP2B6", "reduce_dose"),
    }


def test_unknown_drug_has_no_guidance() -> None:
    assert guidance("bupropion", {"CYP2D6": "poor"}) == []


@pytest.mark.parametrize(
    ("gene", "diplotype", "phenotype"),
    [
        # CYP2C19 (Bousman 2023, Table 1): *17 increased, *2/*3 no function
        ("CYP2C19", "*1/*1", "normal"),
        ("CYP2C19", "*1/*17", "rapid"),
        ("CYP2C19", "*17/*17", "ultrarapid"),
        ("CYP2C19", "*1/*2", "intermediate"),
        ("CYP2C19", "*2/*17", "intermediate"),
        ("CYP2C19", "*2/*2", "poor"),
        ("CYP2C19", "*2/*3", "poor"),
        ("CYP2C19", "*1/*99", "indeterminate"),
        # CYP2D6 activity score (Caudle 2020): 0 PM, 0.25-1 IM, 1.25-2.25 NM, >2.25 UM
        ("CYP2D6", "*1/*1", "normal"),
        ("CYP2D6", "*1/*2", "normal"),
        ("CYP2D6", "*1/*10", "normal"),  # 1.25
        ("CYP2D6", "*1/*41", "normal"),  # 1.5
        ("CYP2D6", "*1/*4", "intermediate"),  # 1.0
        ("CYP2D6", "*41/*41", "intermediate"),  # 1.0
        ("CYP2D6", "*4/*10", "intermediate"),  # 0.25
        ("CYP2D6", "*10/*17", "intermediate"),  # 0.75
        ("CYP2D6", "*4/*5", "poor"),
        ("CYP2D6", "*4/*4x2", "poor"),
        ("CYP2D6", "*1/*1x2", "ultrarapid"),  # 3
        ("CYP2D6", "*1/*2xN", "ultrarapid"),
        ("CYP2D6", "*2x2/*41", "ultrarapid"),  # 2 + 0.5 = 2.5
        # CYP2B6 (Bousman 2023): *6 decreased, *18 no function
        ("CYP2B6", "*1/*1", "normal"),
        ("CYP2B6", "*1/*6", "intermediate"),
        ("CYP2B6", "*1/*18", "intermediate"),
        ("CYP2B6", "*6/*6", "poor"),
        ("CYP2B6", "*6/*18", "poor"),
    ],
)
def test_phenotype_from_diplotype(gene: str, diplotype: str, phenotype: str) -> None:
    assert phenotype_from_diplotype(gene, diplotype) == phenotype


@pytest.mark.parametrize(
    ("gene", "diplotype"), [("CYP3A4", "*1/*1"), ("CYP2D6", "*1"), ("CYP2D6", "1/2")]
)
def test_bad_diplotypes_are_refused(gene: str, diplotype: str) -> None:
    with pytest.raises(InvalidInput):
        phenotype_from_diplotype(gene, diplotype)
