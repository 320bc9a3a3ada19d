"""One patient's measurement-based care as a FHIR R4 ``collection`` Bundle, and back.

The Bundle holds the Patient, every QuestionnaireResponse with its score Observation (coded by
:mod:`mindway.interop.fhir_questionnaire`, US Core screening-assessment pattern), and a Flag
for each open risk alert. Free-text clinical notes stay out: they belong to the GDPR export.
Reading a Bundle back validates it with ``fhir.resources.R4B`` first, then takes only what
Mindway can check: the Patient's Mindway identifier and the answers of known instruments.
Scores in the Bundle are not trusted; the caller re-scores the answers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from mindway.clinical.instruments import Instrument, load_instruments
from mindway.clinical.scoring import Answer, ScoreResult
from mindway.errors import InvalidInput
from mindway.interop.fhir_genomics import ImportedPgx, pgx_results
from mindway.interop.fhir_questionnaire import (
    MINDWAY_FHIR_BASE,
    ORDINAL_VALUE,
    answer_option,
    questionnaire_response,
    questionnaire_url,
    score_observation,
)

__all__ = [
    "PATIENT_ID_SYSTEM",
    "RISK_FLAG_TEXT",
    "BundledResult",
    "ImportedResponse",
    "InvalidBundle",
    "PatientBundle",
    "PatientDemographics",
    "parse_patient_bundle",
    "patient_bundle",
]

Resource = dict[str, Any]

PATIENT_ID_SYSTEM = f"{MINDWAY_FHIR_BASE}/sid/patient-id"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
RISK_FLAG_TEXT = "Risk of self-harm: clinician review"
LOINC_QUESTIONNAIRE = "http://loinc.org/q/"
# FHIR administrative gender is not sex; only the values that mean the same are mapped.
GENDER = {"female": "female", "male": "male"}
IMPORTED_STATUSES = ("completed", "amended")


class InvalidBundle(InvalidInput):
    """Not a valid FHIR R4 patient Bundle that Mindway can read back."""


@dataclass(frozen=True)
class PatientDemographics:
    id: uuid.UUID
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    sex: str | None


@dataclass(frozen=True)
class BundledResult:
    """A stored result: its row id names its resources, so repeated exports agree."""

    id: uuid.UUID
    result: ScoreResult
    completed_at: datetime


@dataclass(frozen=True)
class ImportedResponse:
    instrument: str
    completed_at: datetime
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class PatientBundle:
    patient_id: uuid.UUID
    responses: tuple[ImportedResponse, ...]
    pgx: tuple[ImportedPgx, ...] = ()


def _patient(demographics: PatientDemographics) -> Resource:
    """FHIR R4 Patient; Mindway's id as an identifier. Mindway records sex without saying
    whether it was assigned at birth, so US Core's birthsex extension is not used."""
    patient: Resource = {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_ID_SYSTEM, "value": str(demographics.id)}],
    }
    name: Resource = {}
    if demographics.family_name:
        name["family"] = demographics.family_name
    if demographics.given_name:
        name["given"] = [demographics.given_name]
    if name:
        patient["name"] = [name]
    gender = GENDER.get((demographics.sex or "").strip().lower())
    if gender is not None:
        patient["gender"] = gender
    if demographics.birth_date is not None:
        patient["birthDate"] = demographics.birth_date.isoformat()
    return patient


def _risk_flag(subject: Resource, raised_at: datetime) -> Resource:
    """FHIR R4 Flag for an open risk alert: category ``safety`` (flag-category), no detail."""
    category = {"system": FLAG_CATEGORY, "code": "safety", "display": "Safety"}
    return {
        "resourceType": "Flag",
        "status": "active",
        "category": [{"coding": [category]}],
        "code": {"text": RISK_FLAG_TEXT},
        "subject": subject,
        "period": {"start": raised_at.isoformat()},
    }


def patient_bundle(
    demographics: PatientDemographics,
    results: Sequence[BundledResult],
    open_risks: Sequence[tuple[uuid.UUID, datetime]],
    *,
    timestamp: datetime,
) -> Bundle:
    """The patient, their results (response + score Observation each) and open risk Flags."""
    patient_url = f"urn:uuid:{demographics.id}"
    subject = {"reference": patient_url}
    entries: list[tuple[str, Resource]] = [(patient_url, _patient(demographics))]
    for stored in results:
        instrument = load_instruments()[stored.result.instrument]
        response_url = f"urn:uuid:{stored.id}"
        response = questionnaire_response(instrument, stored.result, authored=stored.completed_at)
        observation = score_observation(
            instrument, stored.result, response_url=response_url, effective=stored.completed_at
        )
        entries.append((response_url, response | {"subject": subject}))
        score_url = f"urn:uuid:{uuid.uuid5(stored.id, 'score')}"
        entries.append((score_url, observation | {"subject": subject}))
    entries += [(f"urn:uuid:{i}", _risk_flag(subject, at)) for i, at in open_risks]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timestamp.isoformat(),
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
        }
    )


def _validated(text: str) -> Resource:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidBundle(f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidBundle("not a FHIR Bundle (resourceType must be 'Bundle')")
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidBundle(f"not a valid FHIR R4 Bundle: {where}: {first['msg']}") from exc
    return data


def _patient_id(entries: list[Resource]) -> tuple[uuid.UUID, set[str]]:
    """The Mindway id of the one Patient, and the references that point to it."""
    patients = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise InvalidBundle(f"the Bundle must hold one Patient, it holds {len(patients)}")
    entry = patients[0]
    values = [
        i.get("value", "")
        for i in entry["resource"].get("identifier", [])
        if i.get("system") == PATIENT_ID_SYSTEM
    ]
    try:
        (patient_id,) = {uuid.UUID(v) for v in values}
    except ValueError as exc:
        raise InvalidBundle(
            f"the Patient needs one Mindway identifier ({PATIENT_ID_SYSTEM})"
        ) from exc
    references = {f"Patient/{entry['resource']['id']}"} if "id" in entry["resource"] else set()
    return patient_id, references | ({entry["fullUrl"]} if "fullUrl" in entry else set())


def _instruments_by_url() -> dict[str, Instrument]:
    known: dict[str, Instrument] = {}
    for instrument in load_instruments().values():
        known[questionnaire_url(instrument)] = instrument
        if instrument.loinc:
            known[LOINC_QUESTIONNAIRE + instrument.loinc.panel] = instrument
    return known


def _whole(value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _answer(instrument: Instrument, number: int, item: Resource) -> Answer:
    """The answer's score value: its coding matched to an option, else its ordinal value
    (left for scoring to range-check); a value Mindway cannot read is refused."""
    answers = item.get("answer", [])
    if len(answers) != 1:
        raise InvalidBundle(f"{instrument.id} item {item['linkId']} needs exactly one answer")
    answer = answers[0]
    if "valueInteger" in answer:
        return int(answer["valueInteger"])
    coding = answer.get("valueCoding", {})
    option = answer_option(instrument, instrument.items[number - 1], coding)
    if option is not None:
        return option.value
    ordinal = [
        e.get("valueDecimal") for e in coding.get("extension", []) if e["url"] == ORDINAL_VALUE
    ]
    if len(ordinal) == 1 and _whole(ordinal[0]):
        return int(ordinal[0])
    raise InvalidBundle(f"{instrument.id} item {item['linkId']}: answer code not recognised")


def _response(resource: Resource, subjects: set[str]) -> ImportedResponse:
    url = str(resource.get("questionnaire", "")).split("|")[0]
    instrument = _instruments_by_url().get(url)
    if instrument is None:
        raise InvalidBundle(f"QuestionnaireResponse of an unknown questionnaire {url!r}")
    if resource["status"] not in IMPORTED_STATUSES:
        raise InvalidBundle(f"a {instrument.id} response is {resource['status']!r}, not completed")
    if resource.get("subject", {}).get("reference") not in subjects:
        raise InvalidBundle(f"a {instrument.id} response is not about the Bundle's Patient")
    authored = str(resource.get("authored", ""))
    try:
        completed_at = datetime.fromisoformat(authored)
    except ValueError:
        completed_at = None
    if completed_at is None or "T" not in authored or completed_at.tzinfo is None:
        raise InvalidBundle(f"a {instrument.id} response needs an authored time with a zone")
    numbers = {item.link_id: n for n, item in enumerate(instrument.items, start=1)}
    answers: list[Answer] = [None] * len(instrument.items)
    for item in resource.get("item", []):
        number = numbers.get(item["linkId"])
        if number is None or answers[number - 1] is not None:
            raise InvalidBundle(f"{instrument.id} has no (or a repeated) item {item['linkId']!r}")
        answers[number - 1] = _answer(instrument, number, item)
    return ImportedResponse(instrument.id, completed_at, tuple(answers))


def parse_patient_bundle(text: str) -> PatientBundle:
    """The patient, the questionnaire answers of a Bundle made by :func:`patient_bundle` (or
    any valid R4 Bundle coded the same way) and its pharmacogenomic results for the CPIC
    genes (:mod:`mindway.interop.fhir_genomics`); other Observations and Flags are left aside."""
    data = _validated(text)
    entries: list[Resource] = [e for e in data.get("entry", []) if "resource" in e]
    patient_id, subjects = _patient_id(entries)
    responses = tuple(
        _response(e["resource"], subjects)
        for e in entries
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    return PatientBundle(patient_id, responses, pgx_results(entries, subjects))
