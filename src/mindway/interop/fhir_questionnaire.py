"""A scored questionnaire as FHIR R4: Questionnaire, QuestionnaireResponse and the score
Observation, in a ``collection`` Bundle that validates with ``fhir.resources.R4B``.

LOINC codes come only from the instrument files, which hold only codes checked against
LOINC's own PHQ-9 panel and published implementation guides (US Core, MII PRO); an
instrument without them gets Mindway's canonical URL and Mindway codes. The Observation
follows the US Core screening-assessment pattern: status ``final``, category ``survey``,
``derivedFrom`` the response, referenced by its ``urn:uuid`` fullUrl.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from mindway.clinical.instruments import AnswerOption, Instrument, Item, get_instrument
from mindway.clinical.scoring import ScoreResult

__all__ = [
    "MINDWAY_FHIR_BASE",
    "answer_option",
    "questionnaire",
    "questionnaire_response",
    "questionnaire_url",
    "score_bundle",
    "score_observation",
]

Resource = dict[str, Any]

# Canonical base for Mindway's own definitions; ".example" until the project owns a domain.
MINDWAY_FHIR_BASE = "https://mindway.example/fhir"
LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
MINDWAY_SCORES = f"{MINDWAY_FHIR_BASE}/CodeSystem/scores"


def questionnaire_url(instrument: Instrument) -> str:
    return f"{MINDWAY_FHIR_BASE}/Questionnaire/{instrument.id}"


def _answer_system(instrument: Instrument, item: Item) -> str:
    return f"{MINDWAY_FHIR_BASE}/CodeSystem/{instrument.id}-{item.options}"


def _coding(instrument: Instrument, item: Item, option: AnswerOption) -> Resource:
    """The option as a Coding: LOINC's answer code where there is one, Mindway's otherwise;
    the score value rides along as ``ordinalValue``."""
    coding: Resource = {
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
        "system": LOINC if option.loinc else _answer_system(instrument, item),
        "code": option.loinc or str(option.value),
        "display": option.label,
    }
    return coding


def answer_option(instrument: Instrument, item: Item, coding: Resource) -> AnswerOption | None:
    """The option a Coding stands for (the inverse of :func:`_coding`), None if it is none of
    the item's options; matched on system and code, never on the display text."""
    key = (coding.get("system"), coding.get("code"))
    for option in instrument.options(item):
        expected = _coding(instrument, item, option)
        if key == (expected["system"], expected["code"]):
            return option
    return None


def _question(instrument: Instrument, item: Item) -> Resource:
    entry: Resource = {
        "linkId": item.link_id,
        "text": item.text,
        "type": "choice",
        "required": item.scored and not item.optional and item.ask_when is None,
        "answerOption": [
            {"valueCoding": _coding(instrument, item, option)}
            for option in instrument.options(item)
        ],
    }
    if item.loinc:
        entry["code"] = [{"system": LOINC, "code": item.loinc}]
    if item.ask_when is not None:
        gate = instrument.items[item.ask_when.item - 1]
        option = next(o for o in instrument.options(gate) if o.value == item.ask_when.equals)
        entry["enableWhen"] = [
            {
                "question": gate.link_id,
                "operator": "=",
                "answerCoding": _coding(instrument, gate, option),
            }
        ]
    return entry


def questionnaire(instrument: Instrument) -> Resource:
    """The instrument as a FHIR Questionnaire, coded with its LOINC panel where it has one."""
    resource: Resource = {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(instrument),
        "name": instrument.id.upper(),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.instructions,
        "copyright": instrument.licence,
        "item": [_question(instrument, item) for item in instrument.items],
    }
    if instrument.loinc:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc.panel}]
    return resource


def questionnaire_response(
    instrument: Instrument, result: ScoreResult, *, authored: datetime
) -> Resource:
    """The answers given (unanswered items are left out), each coded as in the Questionnaire."""
    items = []
    for item, answer in zip(instrument.items, result.answers, strict=True):
        if answer is None:
            continue
        option = next(o for o in instrument.options(item) if o.value == answer)
        items.append(
            {
                "linkId": item.link_id,
                "text": item.text,
                "answer": [{"valueCoding": _coding(instrument, item, option)}],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "authored": authored.isoformat(),
        "item": items,
    }


def _score_code(instrument: Instrument) -> Resource:
    kind = "risk level" if instrument.scoring.method == "risk" else "total score"
    text = f"{instrument.name} {kind}"
    if instrument.loinc:
        return {"coding": [{"system": LOINC, "code": instrument.loinc.total}], "text": text}
    code = f"{instrument.id}-{kind.split()[0]}"
    return {"coding": [{"system": MINDWAY_SCORES, "code": code}], "text": text}


def _score_value(result: ScoreResult) -> Resource:
    if result.total is not None:
        return {"valueInteger": result.total}
    if result.risk is not None:
        level = {"system": MINDWAY_SCORES, "code": f"risk-{result.risk}", "display": result.risk}
        return {"valueCodeableConcept": {"coding": [level], "text": result.risk}}
    reason = "unknown" if not result.valid else "not-applicable"
    return {"dataAbsentReason": {"coding": [{"system": DATA_ABSENT_REASON, "code": reason}]}}


def score_observation(
    instrument: Instrument, result: ScoreResult, *, response_url: str, effective: datetime
) -> Resource:
    """The total (or, for the C-SSRS, the risk level) as a survey Observation derived from the
    response; when the answers were too incomplete to score, a dataAbsentReason instead."""
    observation: Resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": _score_code(instrument),
        "effectiveDateTime": effective.isoformat(),
        "derivedFrom": [{"reference": response_url}],
        **_score_value(result),
    }
    if result.severity is not None:
        observation["interpretation"] = [{"text": result.severity}]
    if result.flags:
        observation["note"] = [{"text": "flags: " + ", ".join(result.flags)}]
    return observation


def score_bundle(result: ScoreResult, *, authored: datetime | None = None) -> Bundle:
    """A ``collection`` Bundle: the QuestionnaireResponse, the score Observation, and the
    Questionnaire they refer to; validated by ``fhir.resources.R4B``."""
    instrument = get_instrument(result.instrument)
    when = authored or datetime.now(UTC)
    response_url = f"urn:uuid:{uuid.uuid4()}"
    entries = [
        (response_url, questionnaire_response(instrument, result, authored=when)),
        (
            f"urn:uuid:{uuid.uuid4()}",
            score_observation(instrument, result, response_url=response_url, effective=when),
        ),
        (f"urn:uuid:{uuid.uuid4()}", questionnaire(instrument)),
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": when.isoformat(),
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
        }
    )
