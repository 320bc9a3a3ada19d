"""Pharmacogenomic guidance for antidepressants from the CPIC guidelines.

Diplotype to phenotype follows CPIC: CYP2D6 by activity score (Caudle et al. 2020, Clin
Transl Sci 13:116; used by Bousman et al. 2023, Clin Pharmacol Ther 114:51), CYP2C19 and
CYP2B6 by allele function (Bousman 2023 and its supplement). Phenotype x drug rules are the
data table ``data/cpic.yaml`` (Bousman 2023 for SSRIs/SNRIs, checked against the CPIC
database's recommendation records; Hicks et al. 2017, Clin Pharmacol Ther 102:37, for
tricyclics), each row citing its source. Sertraline (CYP2B6 x CYP2C19) and the tertiary-amine
tricyclics (CYP2D6 x CYP2C19) are looked up on both genes together when both results are
known, as CPIC's records do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

import yaml

from mindway.errors import InvalidInput

GENES = ("CYP2D6", "CYP2C19", "CYP2B6")
PHENOTYPES = (
    "ultrarapid",
    "rapid",
    "normal",
    "intermediate",
    "likely intermediate",
    "poor",
    "likely poor",
    "indeterminate",
)
EFFECTS = (
    "standard",
    "reduce_dose",
    "titrate_slowly",
    "increase_dose",
    "consider_alternative",
    "avoid",
    "no_recommendation",
)
STRENGTHS = ("strong", "moderate", "optional", "no recommendation")
_ALLELE = re.compile(r"^(\*\d+)(?:x(\d+|N))?$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class Advice:
    """What CPIC advises for one drug: the recommendation, its strength and its effect."""

    drug: str
    recommendation: str
    strength: str
    effect: str
    fraction: float | None
    citation: str
    verified: bool


@dataclass(frozen=True, kw_only=True)
class PgxRule(Advice):
    """One row of the CPIC table, for one gene, phenotype and drug."""

    gene: str
    phenotype: str
    table: int | None
    checked_against: str | None = None


@dataclass(frozen=True, kw_only=True)
class PgxCombination(Advice):
    """One row of a two-gene lookup: a drug given the phenotypes of ``genes`` together."""

    genes: tuple[str, ...]
    phenotypes: tuple[str, ...]
    checked_against: str | None = None


@dataclass(frozen=True, kw_only=True)
class PgxNote(Advice):
    """Guidance for one drug given one of the patient's phenotypes (or a pair of them)."""

    gene: str
    phenotype: str

    @property
    def basis(self) -> str:
        """What the note rests on, e.g. "CYP2B6 poor and CYP2C19 normal metaboliser"."""
        pairs = zip(self.gene.split(" + "), self.phenotype.split(" + "), strict=True)
        return " and ".join(f"{g} {p}" for g, p in pairs) + " metaboliser"


@cache
def _data(name: str) -> Any:
    text = resources.files("mindway.recommend").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def rules() -> tuple[PgxRule, ...]:
    """Every (gene, phenotype, drug) row of the CPIC table."""
    data = _data("cpic.yaml")
    expanded = []
    for row in data["rules"]:
        table = row.get("table")
        for phenotype in row["phenotypes"]:
            for drug in row["drugs"]:
                expanded.append(
                    PgxRule(
                        **_advice(data, row, drug, row["source"], table),
                        gene=row["gene"],
                        phenotype=phenotype,
                        table=None if table is None else int(table),
                        checked_against=_checked(data, row.get("checked_against"), drug),
                    )
                )
    return tuple(expanded)


@cache
def combinations() -> tuple[PgxCombination, ...]:
    """Every row of the two-gene lookups (sertraline: CYP2B6 x CYP2C19; the tertiary-amine
    tricyclics: CYP2D6 x CYP2C19). A table lists its ``drug`` or several ``drugs``."""
    data = _data("cpic.yaml")
    expanded = []
    for table in data.get("combinations", []):
        for drug, row, pair in _cells(table):
            expanded.append(
                PgxCombination(
                    **_advice(data, row | {"verified": table["verified"]}, drug, table["source"]),
                    genes=tuple(table["genes"]),
                    phenotypes=tuple(pair),
                    checked_against=_checked(data, table.get("checked_against"), drug),
                )
            )
    return tuple(expanded)


def _cells(table: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """(drug, row, phenotype pair) for every cell of a two-gene table."""
    for drug in table.get("drugs") or [table["drug"]]:
        for row in table["rows"]:
            for pair in row["pairs"]:
                yield drug, row, pair


def _advice(
    data: dict[str, Any], row: dict[str, Any], drug: str, source: str, table: int | None = None
) -> dict[str, Any]:
    """The :class:`Advice` fields of one row of ``cpic.yaml`` for ``drug``."""
    return {
        "drug": drug,
        "recommendation": _clean(row["recommendation"]) or "",
        "strength": row["strength"],
        "effect": row["effect"],
        "fraction": row.get("fraction"),
        "citation": _citation(data, source, drug, table),
        "verified": bool(row["verified"]),
    }


def _clean(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _checked(data: dict[str, Any], key: str | None, drug: str) -> str | None:
    """A row's ``checked_against``: a key of the file's ``checked`` texts, or free text."""
    text = data.get("checked", {}).get(key, key)
    return _clean(text.replace("<drug>", drug)) if text else None


def _citation(data: dict[str, Any], source: str, drug: str, table: int | None) -> str:
    where = f"Table {table}" if table is not None else f"Recommendations for {drug}"
    return f"{_clean(data['sources'][source])} {where}."


def rule(gene: str, phenotype: str, drug: str) -> PgxRule | None:
    key = (gene.upper(), phenotype.lower(), drug.lower())
    for row in rules():
        if (row.gene, row.phenotype, row.drug) == key:
            return row
    return None


def combination(drug: str, phenotypes: dict[str, str]) -> PgxCombination | None:
    """The two-gene row for ``drug`` if the patient has a result for each of its genes."""
    known = {g.upper(): p.lower() for g, p in phenotypes.items()}
    for row in combinations():
        looked_up = tuple(known.get(g) for g in row.genes)
        if row.drug == drug.lower() and looked_up == row.phenotypes:
            return row
    return None


def guidance(drug: str, phenotypes: dict[str, str]) -> list[PgxNote]:
    """CPIC notes for ``drug`` given the patient's phenotypes (gene -> phenotype).

    Where CPIC looks the drug up on two genes together and both results are known, the one
    combined note replaces the single-gene notes of those genes."""
    notes = []
    covered: tuple[str, ...] = ()
    pair = combination(drug, phenotypes)
    if pair is not None:
        covered = pair.genes
        notes.append(_note(pair, " + ".join(pair.genes), " + ".join(pair.phenotypes)))
    for gene, phenotype in phenotypes.items():
        found = None if gene.upper() in covered else rule(gene, phenotype, drug)
        if found is not None:
            notes.append(_note(found, found.gene, found.phenotype))
    return notes


def _note(row: Advice, gene: str, phenotype: str) -> PgxNote:
    advice = {f.name: getattr(row, f.name) for f in fields(Advice)}
    return PgxNote(**advice, gene=gene, phenotype=phenotype)


def phenotype_from_diplotype(gene: str, diplotype: str) -> str:
    """The CPIC phenotype for a diplotype such as ``*1/*2`` or ``*1/*2x2``."""
    gene = gene.upper()
    if gene not in GENES:
        raise InvalidInput(f"unknown gene {gene!r} (known: {', '.join(GENES)})")
    parts = diplotype.replace(" ", "").split("/")
    if len(parts) != 2:
        raise InvalidInput(f"a diplotype has two alleles separated by '/', got {diplotype!r}")
    alleles = [_parse_allele(p) for p in parts]
    tables = _data("alleles.yaml")[gene]
    if gene == "CYP2D6":
        return _cyp2d6(alleles, tables["activity"])
    functions = tables["function"]
    if any(name not in functions for name, _ in alleles):
        return "indeterminate"
    return _by_function(sorted(functions[name] for name, _ in alleles), gene)


def _parse_allele(text: str) -> tuple[str, int]:
    match = _ALLELE.match(text)
    if not match:
        raise InvalidInput(f"not a star allele: {text!r}")
    copies = match.group(2)
    count = 1 if copies is None else (2 if copies.upper() == "N" else int(copies))
    return match.group(1), count


def _cyp2d6(alleles: list[tuple[str, int]], activity: dict[str, float]) -> str:
    """Activity score: 0 poor; 0.25-1 intermediate; 1.25-2.25 normal; > 2.25 ultrarapid.

    ``xN`` with an unknown copy number counts as two copies (the minimum it can mean)."""
    if any(name not in activity for name, _ in alleles):
        return "indeterminate"
    score = sum(activity[name] * copies for name, copies in alleles)
    if score == 0:
        return "poor"
    if score <= 1.0:
        return "intermediate"
    if score <= 2.25:
        return "normal"
    return "ultrarapid"


def _by_function(functions: list[str], gene: str) -> str:
    """CYP2C19 and CYP2B6 phenotypes from the two alleles' functions (Bousman 2023)."""
    pair = tuple(functions)
    table = {
        ("normal", "normal"): "normal",
        ("increased", "normal"): "rapid",
        ("increased", "increased"): "ultrarapid",
        ("none", "normal"): "intermediate",
        ("increased", "none"): "intermediate",
        ("none", "none"): "poor",
        ("decreased", "normal"): "intermediate",
        ("decreased", "increased"): "intermediate",
        ("decreased", "decreased"): "poor",
        ("decreased", "none"): "poor",
    }
    return table.get(pair, "indeterminate")  # type: ignore[arg-type]
