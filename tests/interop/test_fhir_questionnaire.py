"""Scores as FHIR R4 Bundles that validate with ``fhir.resources.R4B``, coded with LOINC only
where the code was checked: LOINC's own PHQ-9 panel (Regenstrief), US Core and MII PRO."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from mindway.clinical.instruments import get_instrument, instrument_ids
from mindway.clinical.scoring import ScoreResult, parse_answers, score
from mindway.interop.fhir_questionnaire import score_bundle
from tests.test_layers import imports_of, python_files

PHQ9_ITEMS = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
    "44260-8",
]  # fmt: skip
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
DIFFICULTY = ["LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3"]
VERIFIED_LOINC = {
    *PHQ9_ITEMS, *FREQUENCY, *DIFFICULTY, "44249-1", "44261-6", "69722-7",
    "55757-9", "55758-7", "69737-5", "70274-6",
}  # fmt: skip
WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def bundle_json(result: ScoreResult) -> dict[str, Any]:
    """The bundle as printed, re-validated from its JSON text."""
    text = score_bundle(result, authored=WHEN).model_dump_json()
    Bundle.model_validate_json(text)
    data: dict[str, Any] = json.loads(text)
    return data


def resource(bundle: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    [(url, found)] = [
        (e["fullUrl"], e["resource"])
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == kind
    ]
    return url, found


def loinc_codes(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["code"]} if node.get("system") == "http://loinc.org" else set()
        return own.union(*(loinc_codes(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(loinc_codes(v) for v in node))
    return set()


def test_phq9_bundle_holds_the_response_and_the_total_observation() -> None:
    bundle = bundle_json(score("phq9", [1, 2, 3, 0, 1, 2, 0, 1, 1, 2]))
    assert bundle["type"] == "collection"
    response_url, _ = resource(bundle, "QuestionnaireResponse")
    _, observation = resource(bundle, "Observation")
    assert response_url.startswith("urn:uuid:")
    assert observation["status"] == "final"
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["code"]["coding"] == [{"system": "http://loinc.org", "code": "44261-6"}]
    assert observation["valueInteger"] == 11
    assert observation["derivedFrom"] == [{"reference": response_url}]
    assert observation["interpretation"] == [{"text": "moderate"}]


def test_phq9_items_and_answers_carry_their_loinc_codes_in_order() -> None:
    """LOINC 44249-1 (Regenstrief): items 1-9, difficulty 69722-7, answer lists LL358-3 and
    LL359-1."""
    bundle = bundle_json(score("phq9", [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]))
    _, response = resource(bundle, "QuestionnaireResponse")
    assert [i["linkId"] for i in response["item"]] == [*PHQ9_ITEMS, "69722-7"]
    answers = [i["answer"][0]["valueCoding"]["code"] for i in response["item"]]
    assert answers == [FREQUENCY[v] for v in (0, 1, 2, 3, 0, 1, 2, 3, 0)] + [DIFFICULTY[1]]
    _, questionnaire = resource(bundle, "Questionnaire")
    assert questionnaire["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    assert response["questionnaire"] == questionnaire["url"]


@pytest.mark.parametrize(
    ("instrument_id", "panel", "total"),
    [
        ("phq9", "44249-1", "44261-6"),
        ("gad7", "69737-5", "70274-6"),
        ("phq2", "55757-9", "55758-7"),
    ],
)
def test_panel_and_total_codes(instrument_id: str, panel: str, total: str) -> None:
    count = get_instrument(instrument_id).answer_counts[0]
    bundle = bundle_json(score(instrument_id, [1] * count))
    assert resource(bundle, "Questionnaire")[1]["code"][0]["code"] == panel
    assert resource(bundle, "Observation")[1]["code"]["coding"][0]["code"] == total


def test_instruments_without_verified_codes_use_mindway_canonicals() -> None:
    bundle = bundle_json(score("k10", [2] * 10))
    assert loinc_codes(bundle) == set()
    _, observation = resource(bundle, "Observation")
    assert observation["code"]["coding"][0]["system"].startswith("https://mindway.example/")
    assert observation["valueInteger"] == 20


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_every_instrument_gives_a_valid_bundle_with_only_verified_loinc(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    answers = [instrument.item_range(item)[0] for item in instrument.items]
    if instrument_id == "cssrs":
        answers = parse_answers("0,0,,,,0,")  # type: ignore[assignment]
    bundle = bundle_json(score(instrument_id, answers))
    assert loinc_codes(bundle) <= VERIFIED_LOINC


def test_an_unscorable_response_gives_a_data_absent_reason() -> None:
    bundle = bundle_json(score("phq9", [None, None, None, 0, 0, 0, 0, 0, 2]))
    _, observation = resource(bundle, "Observation")
    assert "valueInteger" not in observation
    assert observation["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert observation["note"] == [{"text": "flags: suicidal_ideation"}]
    _, response = resource(bundle, "QuestionnaireResponse")
    assert len(response["item"]) == 6  # unanswered items are left out


def test_cssrs_observation_carries_the_risk_level() -> None:
    bundle = bundle_json(score("cssrs", parse_answers("0,1,0,1,0,0,")))
    _, observation = resource(bundle, "Observation")
    assert observation["valueCodeableConcept"]["text"] == "high"
    _, questionnaire = resource(bundle, "Questionnaire")
    [gated] = [q for q in questionnaire["item"] if q["linkId"] == "cssrs-3"]
    assert gated["enableWhen"][0]["question"] == "cssrs-2"


def test_clinical_never_imports_interop() -> None:
    """FHIR sits on top of the domain: mindway.interop may import mindway.clinical only."""
    clinical = python_files("clinical")
    assert not [
        p.name for p in clinical if any(n.startswith("mindway.interop") for n in imports_of(p))
    ]
