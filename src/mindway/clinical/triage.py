"""Stepped-care triage: routes a person to step 1-4 from the latest scores, the suicide-risk
screen, functioning, treatment history and preferences (NICE NG222, CG123, CG113).

1. self-guided digital programme; 2. guided digital or low-intensity psychological support;
3. high-intensity therapy and/or medication review; 4. specialist or crisis care.

The output is advice for a clinician, never a diagnosis: every decision carries its reasons
with rule ids and sources, says what is missing, and a clinician decides with the person. Risk
results only escalate: an urgent review or a higher step, never less care (NICE NG225; NG222
1.2.12). The rules are data in ``data/stepped_care.yaml`` (see :mod:`.triage_rules`).
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Literal, Self, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mindway.clinical.instruments import get_instrument
from mindway.clinical.triage_rules import (
    FieldSpec,
    Rule,
    StepNumber,
    SteppedCareTable,
    load_table,
)

__all__ = [
    "STEPPED_CARE",
    "CssrsRisk",
    "Preference",
    "Reason",
    "TriageDecision",
    "TriageInput",
    "triage",
]

CssrsRisk = Literal["none", "low", "moderate", "high"]
Preference = Literal[
    "declines_medication", "prefers_medication", "prefers_self_guided", "prefers_group"
]
# Severity bands for the reasons' wording: PHQ-9 (Kroenke 2001), GAD-7 (Spitzer 2006).


class TriageInput(BaseModel):
    """What triage routes on; ``None`` means unknown, never "no problem".

    ``wsas_total`` is the Work and Social Adjustment Scale (0-40); ``phq9_difficulty`` the
    PHQ-9's unscored difficulty item (0 not difficult at all ... 3 extremely difficult);
    ``recurrent_episodes`` the number of previous depressive episodes; ``complicating_problems``
    means multiple complicating problems or significant coexisting conditions (NG222 1.16.9).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    phq9_total: int | None = Field(default=None, ge=0, le=27)
    phq9_item9: int | None = Field(default=None, ge=0, le=3)
    phq9_difficulty: int | None = Field(default=None, ge=0, le=3)
    gad7_total: int | None = Field(default=None, ge=0, le=21)
    cssrs_risk: CssrsRisk | None = None
    wsas_total: int | None = Field(default=None, ge=0, le=40)
    prior_step2_course_without_improvement: bool = False
    prior_step3_course_without_improvement: bool = False
    recurrent_episodes: int | None = Field(default=None, ge=0, le=100)
    previous_good_response: str | None = Field(default=None, min_length=1, max_length=80)
    psychotic_symptoms: bool = False
    self_neglect: bool = False
    complicating_problems: bool = False
    preferences: frozenset[Preference] = frozenset()

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.phq9_total is not None and (self.phq9_item9 or 0) > self.phq9_total:
            raise ValueError("PHQ-9 item 9 cannot exceed the PHQ-9 total")
        if {"declines_medication", "prefers_medication"} <= self.preferences:
            raise ValueError("a person cannot both decline and prefer medication")
        return self


class Reason(BaseModel):
    """Why the routing is what it is: the rule that fired, in plain words, with its source;
    ``step`` is the step this rule calls for (the decision takes the highest)."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    text: str
    source: str
    step: StepNumber
    urgent_review: bool = False


class TriageDecision(BaseModel):
    """A routing proposal for a clinician to review with the person; not a diagnosis."""

    model_config = ConfigDict(frozen=True)

    step: StepNumber
    step_name: str
    urgent_review: bool
    reasons: tuple[Reason, ...] = Field(min_length=1)
    missing: tuple[str, ...]
    options: tuple[str, ...]
    advisory: str
    rule_table_version: str


FIELD_SPECS: dict[str, FieldSpec] = {
    "phq9_total": FieldSpec("number"),
    "phq9_item9": FieldSpec("number", risk=True),
    "phq9_difficulty": FieldSpec("number"),
    "gad7_total": FieldSpec("number"),
    "cssrs_risk": FieldSpec("choice", get_args(CssrsRisk), risk=True),
    "wsas_total": FieldSpec("number"),
    "prior_step2_course_without_improvement": FieldSpec("flag"),
    "prior_step3_course_without_improvement": FieldSpec("flag"),
    "recurrent_episodes": FieldSpec("number"),
    "previous_good_response": FieldSpec("text"),
    "psychotic_symptoms": FieldSpec("flag", risk=True),
    "self_neglect": FieldSpec("flag", risk=True),
    "complicating_problems": FieldSpec("flag"),
    "preferences": FieldSpec("set", get_args(Preference)),
}
REASON_NAMES = frozenset(FIELD_SPECS) | {"phq9_severity", "gad7_severity"}
RULES_PATH = Path(__file__).parent / "data" / "stepped_care.yaml"
STEPPED_CARE: SteppedCareTable = load_table(RULES_PATH, FIELD_SPECS, REASON_NAMES)


def triage(person: TriageInput, table: SteppedCareTable = STEPPED_CARE) -> TriageDecision:
    """Fire every rule that holds and route to the highest step any of them calls for.

    Unknown inputs fire no routing rule, so the step rests on what is known and the gaps are
    listed in ``missing``. A preference may choose a lower step only through a rule's
    ``by_preference`` (never one on risk), and only when no other rule needs the higher step.
    """
    facts = dict(person)
    fired = [rule for rule in table.rules if rule.when.holds(facts)]
    step = cast(StepNumber, max((_called_step(r, person.preferences) for r in fired), default=1))
    return TriageDecision(
        step=step,
        step_name=table.step_spec(step).name,
        urgent_review=any(rule.urgent_review for rule in fired),
        reasons=_reasons(table, fired, step, person),
        missing=tuple(
            expected.label
            for expected in table.expected_inputs
            if all(facts[name] is None for name in expected.fields)
        ),
        options=_options(table, fired, step),
        advisory=table.advisory,
        rule_table_version=table.version,
    )


def _called_step(rule: Rule, preferences: frozenset[str]) -> int:
    choice = rule.by_preference
    return choice.step if choice and choice.preference in preferences else rule.step


def _reasons(
    table: SteppedCareTable, fired: list[Rule], step: int, person: TriageInput
) -> tuple[Reason, ...]:
    """Urgent reasons first, then by the step each rule calls for, then table order."""
    names = _reason_names(person)
    reasons = []
    for rule in fired:
        choice = rule.by_preference
        if choice and choice.preference in person.preferences and step < rule.step:
            text, sources, called = choice.reason, choice.sources, choice.step
        else:
            text, sources, called = rule.reason, rule.sources, rule.step
        reasons.append(
            Reason(
                rule_id=rule.id,
                text=Template(text).substitute(names),
                source="; ".join(sources),
                step=called,
                urgent_review=rule.urgent_review,
            )
        )
    if not reasons:
        default = table.default_reason
        reasons.append(
            Reason(rule_id=default.id, text=default.text, source="; ".join(default.sources), step=1)
        )
    return tuple(sorted(reasons, key=lambda r: (not r.urgent_review, -r.step)))


def _options(table: SteppedCareTable, fired: list[Rule], step: int) -> tuple[str, ...]:
    """The step's NICE options, plus rule-added ones, minus declined kinds, preferred first."""
    chosen = list(table.step_spec(step).options)
    for rule in fired:
        for option_id in rule.add_options:
            steps = table.option(option_id).steps
            if option_id not in chosen and (not steps or step in steps):
                chosen.append(option_id)
    removed = {tag for rule in fired for tag in rule.remove_option_tags}
    preferred = {tag for rule in fired for tag in rule.prefer_option_tags}
    kept = [o for o in chosen if not removed & table.option(o).tags]
    kept.sort(key=lambda o: not preferred & table.option(o).tags)
    return tuple(table.option(o).text for o in kept)


def _reason_names(person: TriageInput) -> dict[str, str]:
    names = {
        name: "not given" if value is None else str(value) for name, value in dict(person).items()
    }
    names["preferences"] = ", ".join(sorted(person.preferences)) or "none stated"
    names["phq9_severity"] = _severity("phq9", person.phq9_total)
    names["gad7_severity"] = _severity("gad7", person.gad7_total)
    return names


def _severity(instrument_id: str, total: int | None) -> str:
    """The severity band's words, from the instrument's own data file."""
    if total is None:
        return "not given"
    scheme = get_instrument(instrument_id).band_scheme()
    assert scheme is not None
    return next(b.label.replace("_", " ") for b in scheme[1] if b.low <= total <= b.high)
