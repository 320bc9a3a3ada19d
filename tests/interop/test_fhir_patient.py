"""A patient's Bundle (FHIR R4, validated with ``fhir.resources.R4B``) and reading it back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from mindway.clinical.scoring import score
from mindway.interop.fhir_patient import (
    PATIENT_ID_SYSTEM,
    RISK_FLAG_TEXT,
    BundledResult,
    InvalidBundle,
    PatientDemographics,
    parse_patient_bundle,
    patient_bundle,
)

WHEN = datetime(2026, 3, 1, 9, 30, 12, 345678, tzinfo=UTC)
PATIENT = PatientDemographics(uuid.uuid4(), "Alice", "Archer", date(1985, 3, 14), "female")
Document = dict[str, Any]
CSSRS_LOW = [1, 0, None, None, None, 0, None]  # a wish to be dead, nothing more: low risk


def build(sex: str | None = "female", *, risks: int = 1) -> Document:
    """PHQ-9 (item 9 answered), GAD-7 and a C-SSRS screener, as printed and re-validated."""
    results = [
        BundledResult(uuid.uuid4(), score("phq9", [1] * 8 + [2, 1]), WHEN),
        BundledResult(uuid.uuid4(), score("gad7", [2] * 7), WHEN + timedelta(days=1)),
        BundledResult(uuid.uuid4(), score("cssrs", CSSRS_LOW), WHEN + timedelta(days=2)),
    ]
    demographics = PatientDemographics(PATIENT.id, "Alice", "Archer", date(1985, 3, 14), sex)
    flags = [(uuid.uuid4(), WHEN)] * risks
    text = patient_bundle(demographics, results, flags, timestamp=WHEN).model_dump_json()
    Bundle.model_validate_json(text)
    document: Document = json.loads(text)
    return document


def of_type(document: Document, kind: str) -> list[Document]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_holds_patient_responses_scores_and_risk_flag() -> None:
    document = build()
    assert document["type"] == "collection"
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in document["entry"])
    [patient] = of_type(document, "Patient")
    assert patient["identifier"] == [{"system": PATIENT_ID_SYSTEM, "value": str(PATIENT.id)}]
    assert patient["name"] == [{"family": "Archer", "given": ["Alice"]}]
    assert (patient["gender"], patient["birthDate"]) == ("female", "1985-03-14")
    subject = {"reference": f"urn:uuid:{PATIENT.id}"}
    responses, scores = of_type(document, "QuestionnaireResponse"), of_type(document, "Observation")
    assert [r["questionnaire"].rsplit("/", 1)[1] for r in responses] == ["phq9", "gad7", "cssrs"]
    assert all(r["status"] == "completed" and r["subject"] == subject for r in responses)
    assert responses[0]["authored"] == "2026-03-01T09:30:12.345678Z"
    urls = {e["resource"].get("authored"): e["fullUrl"] for e in document["entry"]}
    for response, observation in zip(responses, scores, strict=True):
        assert observation["status"] == "final" and observation["subject"] == subject
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["effectiveDateTime"] == response["authored"]
        assert observation["derivedFrom"] == [{"reference": urls[response["authored"]]}]
    assert [o["code"]["coding"][0]["code"] for o in scores[:2]] == ["44261-6", "70274-6"]
    [flag] = of_type(document, "Flag")
    assert (flag["status"], flag["code"], flag["subject"]) == (
        "active",
        {"text": RISK_FLAG_TEXT},
        subject,
    )
    assert flag["category"][0]["coding"][0]["code"] == "safety"
    assert flag["period"] == {"start": "2026-03-01T09:30:12.345678Z"}


@pytest.mark.parametrize(("sex", "gender"), [("male", "male"), ("intersex", None), (None, None)])
def test_gender_is_given_only_where_sex_maps_to_it(sex: str | None, gender: str | None) -> None:
    """FHIR R4 administrative gender is not sex: no value is guessed."""
    [patient] = of_type(build(sex), "Patient")
    assert patient.get("gender") == gender


def test_no_open_risk_no_flag() -> None:
    assert of_type(build(risks=0), "Flag") == []


def test_reading_back_gives_the_answers_and_times() -> None:
    parsed = parse_patient_bundle(json.dumps(build()))
    assert parsed.patient_id == PATIENT.id
    assert [(r.instrument, r.completed_at) for r in parsed.responses] == [
        ("phq9", WHEN),
        ("gad7", WHEN + timedelta(days=1)),
        ("cssrs", WHEN + timedelta(days=2)),
    ]
    phq9, gad7, cssrs = parsed.responses
    assert phq9.answers == (1,) * 8 + (2, 1)
    assert gad7.answers == (2,) * 7
    assert cssrs.answers == score("cssrs", CSSRS_LOW).answers


def test_a_loinc_canonical_names_the_instrument_too() -> None:
    document = build()
    of_type(document, "QuestionnaireResponse")[0]["questionnaire"] = "http://loinc.org/q/44249-1"
    assert parse_patient_bundle(json.dumps(document)).responses[0].instrument == "phq9"


def test_an_uncoded_answer_keeps_its_ordinal_for_scoring_to_check() -> None:
    document = build()
    coding = of_type(document, "QuestionnaireResponse")[0]["item"][0]["answer"][0]["valueCoding"]
    coding["code"], coding["extension"][0]["valueDecimal"] = "LA-nope", 5
    assert parse_patient_bundle(json.dumps(document)).responses[0].answers[0] == 5


def _response(document: Document) -> Document:
    return of_type(document, "QuestionnaireResponse")[0]


def _set(path: Callable[[Document], Document], key: str, value: Any) -> Callable[[Document], None]:
    return lambda d: path(d).__setitem__(key, value)


BROKEN: dict[str, tuple[Callable[[Document], None], str]] = {
    "flag without code": (lambda d: of_type(d, "Flag")[0].pop("code"), "not a valid FHIR R4"),
    "unknown questionnaire": (
        _set(_response, "questionnaire", "http://example.org/Questionnaire/bdi"),
        "unknown questionnaire",
    ),
    "in progress": (_set(_response, "status", "in-progress"), "not completed"),
    "other subject": (_set(_response, "subject", {"reference": "Patient/x"}), "not about"),
    "no zone": (_set(_response, "authored", "2026-03-01T09:30:00"), "authored"),
    "date only": (_set(_response, "authored", "2026-03-01"), "with a zone"),
    "unknown item": (lambda d: _response(d)["item"][0].__setitem__("linkId", "x"), "item 'x'"),
    "repeated item": (lambda d: _response(d)["item"].append(_response(d)["item"][0]), "repeated"),
    "no identifier": (lambda d: of_type(d, "Patient")[0].pop("identifier"), "Mindway identifier"),
    "no patient": (lambda d: d["entry"].pop(0), "one Patient"),
    "unreadable answer": (
        lambda d: _response(d)["item"][0]["answer"][0]["valueCoding"].update(
            code="LA-nope", extension=[]
        ),
        "not recognised",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_bundle_mindway_cannot_read_is_refused_with_a_reason(case: str) -> None:
    document = build()
    change, reason = BROKEN[case]
    change(document)
    with pytest.raises(InvalidBundle, match=reason):
        parse_patient_bundle(json.dumps(document))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle"),
        ("[]", "Bundle"),
    ],
)
def test_not_a_bundle_at_all_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidBundle, match=reason):
        parse_patient_bundle(text)
