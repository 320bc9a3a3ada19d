"""The treatment options page without a browser: forms, refusals and what patients see."""

from __future__ import annotations

from mindway.services import recommendations
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.web.visitor import Visitor


def _base(clinic: Clinic) -> str:
    return f"/clinician/patients/{clinic.patient_a_id}/treatment-options"


def test_clinician_records_results_history_and_a_decision_without_a_model(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    base = _base(clinic)
    visitor.sign_in("clinician.a")
    page = visitor.get(base).text
    assert "Decision support: a clinician decides" in page and 'id="no-model"' in page
    pgx = {"gene": "CYP2D6", "diplotype": "*4/*4", "phenotype": ""}
    assert visitor.submit(f"{base}/pharmacogenomics", pgx, page=base).status_code == 303
    treatment = {
        "treatment": "Paroxetine",
        "started": "2025-01-10",
        "ended": "2025-03-01",
        "response": "none",
        "side_effects": "nausea",
        "serious_side_effect": "yes",
    }
    assert visitor.submit(f"{base}/treatments", treatment, page=base).status_code == 303
    decision = {"chosen": "CBT", "reason": "Prefers a talking therapy"}
    assert visitor.submit(f"{base}/decision", decision, page=base).status_code == 303
    page = visitor.get(base).text
    assert "CYP2D6 *4/*4: poor metaboliser" in page
    assert "Paroxetine" in page and "(serious)" in page
    assert "Prefers a talking therapy" in page
    # Hicks 2017, Table 2: tricyclics are avoided in CYP2D6 poor metabolisers.
    assert "Amitriptyline — CPIC (CYP2D6 poor metaboliser)" in page
    (made,) = recommendations.recommend(rt, clinic.clinician_a, clinic.patient_a_id).decisions
    outcome = {"improvement": "5.5", "note": "Sleeping better"}
    path = f"{base}/decisions/{made.id}/outcome"
    assert visitor.submit(path, outcome, page=base).status_code == 303
    assert "+5.5 PHQ-9 points" in visitor.get(base).text


def test_bad_input_is_shown_on_the_page(clinic: Clinic, visitor: Visitor) -> None:
    base = _base(clinic)
    visitor.sign_in("clinician.a")
    reply = visitor.submit(f"{base}/pharmacogenomics", {"gene": "CYP2C19"}, page=base)
    assert reply.status_code == 422 and "give a diplotype" in reply.text.lower()
    reply = visitor.submit(f"{base}/decision", {"chosen": " "}, page=base)
    assert reply.status_code == 422 and "is required" in reply.text


def test_patients_and_other_teams_are_refused(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    assert visitor.get(_base(clinic)).status_code == 403
    visitor.client.cookies.clear()
    visitor.sign_in("clinician.b")
    assert visitor.get(_base(clinic)).status_code == 404


def test_sertraline_note_rests_on_both_genes(clinic: Clinic, visitor: Visitor) -> None:
    """CPIC looks sertraline up on CYP2B6 and CYP2C19 together (Bousman 2023; CPIC database
    records): with both results one note, CYP2B6 poor + CYP2C19 normal -> a quarter lower."""
    base = _base(clinic)
    visitor.sign_in("clinician.a")
    for gene, diplotype in (("CYP2B6", "*6/*6"), ("CYP2C19", "*1/*1")):
        pgx = {"gene": gene, "diplotype": diplotype, "phenotype": ""}
        assert visitor.submit(f"{base}/pharmacogenomics", pgx, page=base).status_code == 303
    page = visitor.get(base).text
    assert "Sertraline — CPIC (CYP2B6 poor and CYP2C19 normal metaboliser)" in page
    assert "a maintenance dose a quarter below standard" in page
    assert "Sertraline — CPIC (CYP2B6 poor metaboliser)" not in page
