"""CPIC rules row by row, and diplotype -> phenotype translation.

Sources: Bousman et al. 2023, Clin Pharmacol Ther 114:51-68 (SSRIs/SNRIs; CYP2D6, CYP2C19,
CYP2B6), whose recommendation records in the CPIC database (v1.28.0) are transcribed in
``data/cpic_2023_records.yaml``; Hicks et al. 2017, Clin Pharmacol Ther 102:37-44
(tricyclics; CYP2D6, CYP2C19); Caudle et al. 2020, Clin Transl Sci 13:116 (CYP2D6 activity
score).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mindway.errors import InvalidInput
from mindway.recommend.pharmacogenomics import (
    EFFECTS,
    PHENOTYPES,
    STRENGTHS,
    combinations,
    guidance,
    phenotype_from_diplotype,
    rule,
    rules,
)

SSRI_2023 = "Clin Pharmacol Ther. 2023;114(1):51-68"
TCA_2017 = "Clin Pharmacol Ther. 2017;102(1):37-44"
_CPIC = yaml.safe_load((Path(__file__).parent / "data" / "cpic_records.yaml").read_text("utf-8"))
# (record, source) for every CPIC lookup transcribed: Bousman 2023 and Hicks 2017.
RECORDS: list[tuple[dict[str, Any], str]] = [(r, SSRI_2023) for r in _CPIC["records"]] + [
    (r, TCA_2017) for r in _CPIC["tca_records"]
]

# (gene, phenotype, drug, strength, effect, fraction, source) as in Hicks 2017's tables.
EXPECTED = [
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


def _record_id(case: tuple[dict[str, Any], str]) -> str:
    record = case[0]
    return "-".join([record["drug"], *(f"{g}:{p}" for g, p in record["genes"].items())])


@pytest.mark.parametrize("case", RECORDS, ids=_record_id)
def test_row_matches_cpic_record(case: tuple[dict[str, Any], str]) -> None:
    """Each CPIC lookup gives one note with CPIC's strength and action (Bousman 2023 for
    SSRIs/SNRIs, Hicks 2017 for tricyclics, as in the CPIC database)."""
    record, source = case
    notes = guidance(record["drug"], record["genes"])
    assert len(notes) == 1, notes
    note = notes[0]
    # CPIC classes some "No recommendation" records Optional or Strong; shown as what they are.
    strength = "no recommendation" if record["effect"] == "no_recommendation" else record["class"]
    expected = (strength.lower(), record["effect"], record.get("fraction"))
    assert (note.strength, note.effect, note.fraction) == expected
    assert note.verified
    assert source in note.citation


@pytest.mark.parametrize("source", [SSRI_2023, TCA_2017])
def test_every_row_is_a_cpic_record(source: str) -> None:
    """No row of the table goes untested: each one is some CPIC record's answer."""
    records = [r for r, s in RECORDS if s == source]
    single = {(r["drug"], *next(iter(r["genes"].items()))) for r in records if len(r["genes"]) == 1}
    rows = {(r.drug, r.gene, r.phenotype) for r in rules() if source in r.citation}
    assert rows == single
    pairs = {(r["drug"], tuple(r["genes"].values())) for r in records if len(r["genes"]) == 2}
    assert {(c.drug, c.phenotypes) for c in combinations() if source in c.citation} == pairs


def test_two_gene_tables_cover_every_pair_of_phenotypes() -> None:
    """CYP2B6 (6 phenotypes) x CYP2C19 (8) for sertraline, CYP2D6 (5) x CYP2C19 (8) for the
    tertiary-amine tricyclics: every pair of known results has exactly one row."""
    tertiary = ("amitriptyline", "clomipramine", "doxepin", "imipramine", "trimipramine")
    tables = {"sertraline": 6 * 8, **dict.fromkeys(tertiary, 5 * 8)}
    for drug, count in tables.items():
        pairs = [c.phenotypes for c in combinations() if c.drug == drug]
        assert len(pairs) == len(set(pairs)) == count


def test_2023_rows_cite_the_drug_s_recommendations() -> None:
    for row in rules():
        if SSRI_2023 in row.citation:
            assert row.citation.endswith(f"Recommendations for {row.drug}.")
            assert row.checked_against and row.drug in row.checked_against


def test_sertraline_is_looked_up_on_both_genes_when_both_are_known() -> None:
    notes = guidance("sertraline", {"CYP2C19": "normal", "CYP2B6": "poor", "CYP2D6": "poor"})
    assert len(notes) == 1
    assert (notes[0].effect, notes[0].fraction) == ("reduce_dose", 0.75)
    assert notes[0].basis == "CYP2B6 poor and CYP2C19 normal metaboliser"
    both_poor = guidance("sertraline", {"CYP2C19": "poor", "CYP2B6": "poor"})
    assert [n.effect for n in both_poor] == ["avoid"]
    only_cyp2c19 = guidance("sertraline", {"CYP2C19": "poor"})
    assert [(n.gene, n.strength) for n in only_cyp2c19] == [("CYP2C19", "moderate")]
    assert only_cyp2c19[0].basis == "CYP2C19 poor metaboliser"


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
