"""Pharmacogenomic results in a FHIR R4 Bundle, read as the HL7 Genomics Reporting IG (STU2,
2.0.0) codes them, for the genes the CPIC antidepressant guidelines use.

- Genotype Observation: ``code`` LOINC 84413-4 "Genotype display name", a component LOINC
  48018-6 "Gene studied [ID]" with the HGNC gene id, and the diplotype as the value (e.g.
  "CYP2C19*2/*2"; IG example Observation/Pgx-geno-1001).
- Therapeutic-implication Observation: a component LOINC 53040-2 "Genetic variation's effect
  on drug metabolism" whose value is the metaboliser status (e.g. "Poor metabolizer"), with
  ``derivedFrom`` pointing at the genotype it interprets (IG examples TxImp01, TxImp03).

HGNC ids: CYP2D6 HGNC:2625, CYP2C19 HGNC:2621, CYP2B6 HGNC:2615 (HGNC, genenames.org).
Observations of other genes or codes are left aside; a result for one of these genes that
cannot be read refuses the whole Bundle. Gene-specific phenotype codes (e.g. LOINC 79716-7
for CYP2C9) are not read: only the IG's gene-agnostic pattern is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mindway.errors import InvalidInput

Resource = dict[str, Any]

LOINC = "http://loinc.org"
HGNC_SYSTEM = "http://www.genenames.org/geneId"
GENOTYPE_CODE = "84413-4"
GENE_STUDIED = "48018-6"
DRUG_METABOLISM_EFFECT = "53040-2"
HGNC_GENES = {"HGNC:2625": "CYP2D6", "HGNC:2621": "CYP2C19", "HGNC:2615": "CYP2B6"}
RESULT_STATUSES = ("final", "amended", "corrected")
# Metaboliser statuses as laboratories word them -> CPIC phenotype terms, longest first.
_STATUS = re.compile(
    r"^(likely intermediate|likely poor|ultrarapid|ultra-rapid|rapid|normal|intermediate|poor"
    r"|indeterminate)\s*(metaboli[sz]er)?$",
    re.IGNORECASE,
)
_DIPLOTYPE = re.compile(r"^(?:CYP2D6|CYP2C19|CYP2B6)?\s*(\*[^/\s]+)\s*/\s*(\*\S+)$", re.I)


class InvalidGenomics(InvalidInput):
    """A pharmacogenomic Observation for a CPIC gene that Mindway cannot read."""


@dataclass(frozen=True)
class ImportedPgx:
    """One gene's result: a diplotype (from a genotype) and/or a stated phenotype."""

    gene: str
    diplotype: str | None
    phenotype: str | None


def _codes(concept: Resource | None) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c.get("code", "")) for c in (concept or {}).get("coding", [])}


def _text(resource: Resource, prefix: str = "value") -> str | None:
    """A value[x] as text: valueString, else the CodeableConcept's text or first display."""
    if isinstance(resource.get(f"{prefix}String"), str):
        return str(resource[f"{prefix}String"]).strip()
    concept = resource.get(f"{prefix}CodeableConcept") or {}
    if concept.get("text"):
        return str(concept["text"]).strip()
    displays = [c["display"] for c in concept.get("coding", []) if c.get("display")]
    return str(displays[0]).strip() if displays else None


def _gene(observation: Resource) -> str | None:
    """The CPIC gene named by the gene-studied component (None for any other gene)."""
    for component in observation.get("component", []):
        if (LOINC, GENE_STUDIED) in _codes(component.get("code")):
            codes = _codes(component.get("valueCodeableConcept"))
            for system, code in codes:
                if system == HGNC_SYSTEM and code in HGNC_GENES:
                    return HGNC_GENES[code]
    return None


def phenotype_term(text: str | None) -> str:
    """ "Poor metabolizer" -> "poor"; refuses what is not a CPIC metaboliser status."""
    match = _STATUS.match((text or "").strip())
    if not match:
        raise InvalidGenomics(f"metaboliser status not recognised: {text!r}")
    return match.group(1).lower().replace("ultra-rapid", "ultrarapid")


def diplotype_of(text: str | None, gene: str) -> str:
    """ "CYP2C19*2/*2" -> "*2/*2"."""
    match = _DIPLOTYPE.match((text or "").strip())
    if not match:
        raise InvalidGenomics(f"{gene} genotype not recognised as a diplotype: {text!r}")
    return f"{match.group(1)}/{match.group(2)}"


def _about(resource: Resource, subjects: set[str], what: str) -> None:
    if resource.get("status") not in RESULT_STATUSES:
        raise InvalidGenomics(f"a {what} is {resource.get('status')!r}, not a final result")
    if resource.get("subject", {}).get("reference") not in subjects:
        raise InvalidGenomics(f"a {what} is not about the Bundle's Patient")


def pgx_results(entries: list[Resource], subjects: set[str]) -> tuple[ImportedPgx, ...]:
    """The Bundle's CPIC-gene results, one per gene: genotypes with the phenotype stated by
    any therapeutic implication derived from them (``fullUrl`` or ``Observation/id``)."""
    genotypes: dict[str, tuple[str, str]] = {}  # reference -> (gene, diplotype)
    for entry in entries:
        resource = entry["resource"]
        if resource.get("resourceType") != "Observation":
            continue
        if (LOINC, GENOTYPE_CODE) not in _codes(resource.get("code")):
            continue
        gene = _gene(resource)
        if gene is None:
            continue
        _about(resource, subjects, f"{gene} genotype")
        diplotype = diplotype_of(_text(resource), gene)
        for reference in _references(entry):
            genotypes[reference] = (gene, diplotype)
    phenotypes: dict[str, set[str]] = {}
    for entry in entries:
        resource = entry["resource"]
        effects = [
            c
            for c in resource.get("component", [])
            if (LOINC, DRUG_METABOLISM_EFFECT) in _codes(c.get("code"))
        ]
        if resource.get("resourceType") != "Observation" or not effects:
            continue
        sources = [genotypes.get(d.get("reference", "")) for d in resource.get("derivedFrom", [])]
        found = [s for s in sources if s is not None]
        if not found:
            continue  # an implication for a gene Mindway does not use
        gene = found[0][0]
        _about(resource, subjects, f"{gene} therapeutic implication")
        for component in effects:
            phenotypes.setdefault(gene, set()).add(phenotype_term(_text(component)))
    results = []
    for gene, diplotype in sorted(set(genotypes.values())):
        stated = phenotypes.get(gene, set())
        if len(stated) > 1:
            raise InvalidGenomics(f"{gene}: conflicting metaboliser statuses {sorted(stated)}")
        results.append(ImportedPgx(gene, diplotype, next(iter(stated), None)))
    genes = [r.gene for r in results]
    if len(genes) != len(set(genes)):
        raise InvalidGenomics("the Bundle holds two different genotypes for one gene")
    return tuple(results)


def _references(entry: Resource) -> set[str]:
    found = {entry["fullUrl"]} if "fullUrl" in entry else set()
    if "id" in entry["resource"]:
        found.add(f"Observation/{entry['resource']['id']}")
    return found
