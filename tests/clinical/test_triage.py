"""Stepped-care triage, case by case against NICE NG222, CG123 and CG113, plus the safety
properties: risk only escalates, unknown data never lowers a step, every routing has reasons."""

from __future__ import annotations

import copy
import random
import re
from typing import Any, get_args

import pytest
import yaml
from pydantic import ValidationError

from mindway.clinical.triage import (
    FIELD_SPECS,
    REASON_NAMES,
    RULES_PATH,
    STEPPED_CARE,
    CssrsRisk,
    Preference,
    TriageDecision,
    TriageInput,
    triage,
)
from mindway.clinical.triage_rules import SteppedCareTable

NO_RISK: dict[str, Any] = {"phq9_item9": 0, "cssrs_risk": "none"}


def route(**fields: Any) -> TriageDecision:
    return triage(TriageInput(**fields))


def fired(decision: TriageDecision) -> list[str]:
    return [reason.rule_id for reason in decision.reasons]


def medication_options() -> set[str]:
    return {o.text for o in STEPPED_CARE.options.values() if "medication" in o.tags}


# --- Case by case ------------------------------------------------------------------------------


def test_mild_depression_routes_to_step_1_with_active_monitoring() -> None:
    """PHQ-9 5-9 is below the PHQ-9 caseness cut-off of 10 (Kroenke 2001), so step 1: a
    self-guided programme with active monitoring (NG222 1.5.1; CG123 step 1). The reason says
    that a confirmed depressive episode would call for guided self-help first (NG222 1.5.2)."""
    decision = route(phq9_total=7, gad7_total=3, **NO_RISK)
    assert decision.step == 1
    assert not decision.urgent_review
    assert "DEPRESSION-MILD" in fired(decision)
    assert "guided self-help first (step 2)" in decision.reasons[0].text
    assert decision.options[0].startswith("Self-guided digital CBT programme")


def test_less_severe_depression_routes_to_step_2_without_routine_medication() -> None:
    """NG222 1.5.2-1.5.3: PHQ-9 under 16 is less severe depression: guided self-help first,
    antidepressants not routinely first-line."""
    decision = route(phq9_total=12, **NO_RISK)
    assert decision.step == 2
    assert decision.options[0].startswith("Guided self-help")
    assert not medication_options() & set(decision.options)


@pytest.mark.parametrize(("phq9", "step"), [(15, 2), (16, 3), (20, 3), (27, 3)])
def test_phq9_16_or_more_routes_to_high_intensity(phq9: int, step: int) -> None:
    """NG222 1.6.1 (table 2): PHQ-9 16 or more is more severe depression: high-intensity
    therapy or medication; 15 is still less severe."""
    decision = route(phq9_total=phq9, **NO_RISK)
    assert decision.step == step
    if step == 3:
        assert decision.reasons[0].rule_id == "DEPRESSION-MORE-SEVERE"
        assert decision.reasons[0].text.startswith(f"PHQ-9 {phq9} (")
        assert "NICE NG222" in decision.reasons[0].source


@pytest.mark.parametrize(("gad7", "step"), [(9, 1), (10, 2), (14, 2), (15, 3), (21, 3)])
def test_gad7_bands_follow_cg113_steps(gad7: int, step: int) -> None:
    """CG113 1.2: mild anxiety step 1 (education, monitoring); GAD-7 10+ (Spitzer 2006 cut-off)
    step 2 low-intensity; GAD-7 15+ (severe) step 3 high-intensity therapy or drug treatment."""
    assert route(gad7_total=gad7, **NO_RISK).step == step


def test_cssrs_high_is_urgent_step_4_even_with_minimal_symptoms() -> None:
    """C-SSRS triage: intent, plan or behaviour in the past 3 months needs safety precautions and
    a mental-health evaluation now; NG222 1.2.9 urgent referral for considerable immediate risk."""
    decision = route(phq9_total=2, phq9_item9=0, gad7_total=1, cssrs_risk="high")
    assert (decision.step, decision.urgent_review) == (4, True)
    assert decision.reasons[0].rule_id == "RISK-CSSRS-HIGH"
    assert "same-day clinician review" in decision.reasons[0].text
    assert any("Crisis" in option for option in decision.options)


def test_cssrs_moderate_asks_for_same_day_review() -> None:
    """C-SSRS moderate (method, or past behaviour) is an explicit escalation: a same-day
    clinician review and supported care. Columbia's triage asks only for a referral here; in a
    remote digital service nobody sees the person, and NG225 says a score must not decide care,
    so a clinician's judgement is sought the same day rather than left to the algorithm."""
    decision = route(phq9_total=3, gad7_total=2, cssrs_risk="moderate", phq9_item9=0)
    assert decision.urgent_review
    assert decision.step >= 2
    assert decision.reasons[0].rule_id == "RISK-CSSRS-MODERATE"


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("cssrs", [None, "none", "low"])
def test_phq9_item9_above_0_flags_a_same_day_review(item9: int, cssrs: CssrsRisk | None) -> None:
    """Issue 3 and NG222 1.2.8: item 9 above 0 starts the risk workflow whatever the total
    (Simon 2013: item-9 answers predict later suicide attempts); a C-SSRS of none or low never
    cancels it."""
    decision = route(phq9_total=item9, phq9_item9=item9, cssrs_risk=cssrs)
    assert decision.urgent_review
    assert decision.step >= 2
    assert "RISK-PHQ9-ITEM9" in fired(decision)


def test_psychotic_symptoms_route_to_specialist_care() -> None:
    """NG222 1.12.1: offer referral to specialist mental health services for depression with
    psychotic symptoms."""
    decision = route(phq9_total=8, psychotic_symptoms=True, **NO_RISK)
    assert decision.step == 4
    assert "SPECIALIST-PSYCHOTIC-SYMPTOMS" in fired(decision)


def test_no_improvement_after_step_2_steps_up_to_3() -> None:
    """CG123 stepped care and CG113 step 3: an inadequate response to low-intensity work steps
    up to high-intensity treatment."""
    decision = route(phq9_total=12, prior_step2_course_without_improvement=True, **NO_RISK)
    assert decision.step == 3
    assert "HISTORY-STEP2-NOT-IMPROVED" in fired(decision)


def test_gad_not_improved_after_step_3_is_referred_to_specialist_care() -> None:
    """CG113 step 4: GAD with an inadequate response to step 3 interventions."""
    decision = route(gad7_total=13, prior_step3_course_without_improvement=True, **NO_RISK)
    assert decision.step == 4


def test_declining_medication_at_step_3_leaves_therapy_options_only() -> None:
    """NG222 1.5.2 (a right to decline treatment) and table 2: a person who declines medication
    still gets the high-intensity psychological route, at the same step."""
    decision = route(phq9_total=19, preferences={"declines_medication"}, **NO_RISK)
    assert decision.step == 3
    assert decision.options
    for text in decision.options:
        option = next(o for o in STEPPED_CARE.options.values() if o.text == text)
        assert "medication" not in option.tags and "therapy" in option.tags
    assert "PREFERENCE-DECLINES-MEDICATION" in fired(decision)


def test_prefers_medication_with_less_severe_depression_adds_an_ssri_discussion() -> None:
    """NG222 1.5.3: no routine antidepressant first-line for less severe depression unless that
    is the person's preference."""
    decision = route(phq9_total=12, preferences={"prefers_medication"}, **NO_RISK)
    assert decision.step == 2
    assert decision.options[0].startswith("Antidepressant (SSRI) only if")


def test_prefers_self_guided_with_moderate_depression_stays_at_step_2_noted() -> None:
    """NG222 1.5.2 recommends guided (supported) self-help: a preference for self-guided help is
    noted but does not take a PHQ-9 of 12 below step 2."""
    decision = route(phq9_total=12, preferences={"prefers_self_guided"}, **NO_RISK)
    assert decision.step == 2
    assert "PREFERENCE-SELF-GUIDED" in fired(decision)


def test_prefers_self_guided_with_moderate_anxiety_may_choose_step_1() -> None:
    """CG113 step 2 lists non-facilitated self-help: a person with GAD-7 12 who prefers it can
    be offered the self-guided programme, with the reason saying so."""
    decision = route(gad7_total=12, preferences={"prefers_self_guided"}, **NO_RISK)
    assert decision.step == 1
    reason = next(r for r in decision.reasons if r.rule_id == "ANXIETY-MODERATE")
    assert "prefers self-guided help" in reason.text and reason.step == 1


def test_a_preference_never_goes_below_what_risk_requires() -> None:
    """NG222 1.2.8: suicidal thoughts call for supported care; a preference cannot lower it."""
    decision = route(
        gad7_total=12, phq9_item9=0, cssrs_risk="low", preferences={"prefers_self_guided"}
    )
    assert decision.step == 2


@pytest.mark.parametrize(("wsas", "step"), [(9, 1), (10, 2), (19, 2), (20, 3), (40, 3)])
def test_functional_impairment_steps_up(wsas: int, step: int) -> None:
    """Mundt 2002: WSAS 10-19 significant impairment, 20+ moderately severe or worse; CG113 step 3
    for marked functional impairment."""
    assert route(wsas_total=wsas, phq9_total=4, **NO_RISK).step == step


@pytest.mark.parametrize(("difficulty", "step"), [(1, 1), (2, 2), (3, 3)])
def test_phq9_difficulty_item_counts_as_function(difficulty: int, step: int) -> None:
    """Kroenke 2001 difficulty item as a functioning signal; CG113 steps 2 and 3."""
    assert route(phq9_total=6, phq9_difficulty=difficulty, **NO_RISK).step == step


def test_recurrent_depression_with_current_symptoms_considers_step_3() -> None:
    """NG222 1.8: previous episodes raise the risk of relapse; with current caseness, consider
    high-intensity therapy."""
    assert route(phq9_total=11, recurrent_episodes=3, **NO_RISK).step == 3
    quiet = route(phq9_total=6, recurrent_episodes=3, **NO_RISK)
    assert quiet.step == 1 and "HISTORY-RECURRENT-NOTE" in fired(quiet)


def test_previous_good_response_is_noted() -> None:
    """NG222 visual summary: experience from previous treatment guides the choice."""
    decision = route(phq9_total=17, previous_good_response="individual CBT", **NO_RISK)
    assert any("individual CBT" in r.text for r in decision.reasons)


def test_missing_data_is_listed_and_the_known_data_routes() -> None:
    """Route on what is known, say what is missing (NG222 1.2.8: ask about risk directly)."""
    decision = route(phq9_total=18)
    assert decision.step == 3
    assert "C-SSRS screener (suicide risk)" in decision.missing
    assert "PHQ-9 item 9 (thoughts of death or self-harm)" in decision.missing
    assert "RISK-NOT-ASSESSED" in fired(decision)


def test_nothing_known_still_gives_a_reason_and_the_advisory() -> None:
    decision = route()
    assert decision.step == 1 and decision.reasons
    assert len(decision.missing) == len(STEPPED_CARE.expected_inputs)
    assert "not a diagnosis" in decision.advisory
    with pytest.raises(ValidationError):
        decision.step = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    "fields",
    [
        {"phq9_total": 2, "phq9_item9": 3},
        {"phq9_total": 28},
        {"wsas_total": 41},
        {"cssrs_risk": "severe"},
        {"preferences": {"declines_medication", "prefers_medication"}},
        {"preferences": {"prefers_hypnosis"}},
        {"favourite_colour": "blue"},
    ],
)
def test_incoherent_input_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TriageInput(**fields)


# --- Properties over generated inputs ----------------------------------------------------------

NULLABLE = [name for name, field in TriageInput.model_fields.items() if field.default is None]
LEAST_CONCERNING: dict[str, Any] = {
    "phq9_total": 0,
    "phq9_item9": 0,
    "phq9_difficulty": 0,
    "gad7_total": 0,
    "cssrs_risk": "none",
    "wsas_total": 0,
    "recurrent_episodes": 0,
    "previous_good_response": "nothing in particular",
}


def generated_inputs(count: int = 600, seed: int = 20250601) -> list[TriageInput]:
    """A seeded spread of inputs, each field unknown about a quarter of the time."""
    rng = random.Random(seed)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.25 else value

    people = []
    for _ in range(count):
        total = maybe(rng.randint(0, 27))
        people.append(
            TriageInput(
                phq9_total=total,
                phq9_item9=maybe(rng.randint(0, min(3, 27 if total is None else total))),
                phq9_difficulty=maybe(rng.randint(0, 3)),
                gad7_total=maybe(rng.randint(0, 21)),
                cssrs_risk=maybe(rng.choice(get_args(CssrsRisk))),
                wsas_total=maybe(rng.randint(0, 40)),
                prior_step2_course_without_improvement=rng.random() < 0.2,
                prior_step3_course_without_improvement=rng.random() < 0.1,
                recurrent_episodes=maybe(rng.randint(0, 4)),
                previous_good_response=maybe("guided self-help"),
                psychotic_symptoms=rng.random() < 0.05,
                self_neglect=rng.random() < 0.05,
                complicating_problems=rng.random() < 0.3,
                preferences=frozenset(p for p in get_args(Preference) if rng.random() < 0.2)
                - ({"prefers_medication"} if rng.random() < 0.5 else {"declines_medication"}),
            )
        )
    return people


PEOPLE = generated_inputs()


def test_a_known_risk_result_never_lowers_the_step_or_the_urgency() -> None:
    """NG225 and NG222 1.2.12: risk results escalate, never rule care out. C-SSRS "none" (or any
    level) compared with the same person whose C-SSRS is unknown."""
    for person in PEOPLE:
        unknown = triage(person.model_copy(update={"cssrs_risk": None}))
        for risk in get_args(CssrsRisk):
            known = triage(person.model_copy(update={"cssrs_risk": risk}))
            assert known.step >= unknown.step, (person, risk)
            assert known.urgent_review >= unknown.urgent_review, (person, risk)


def test_unknown_data_is_never_treated_better_than_the_best_case() -> None:
    """A missing answer routes at least as high as the most reassuring answer would."""
    for person in PEOPLE[:300]:
        for name in NULLABLE:
            blank = triage(person.model_copy(update={name: None}))
            best = triage(person.model_copy(update={name: LEAST_CONCERNING[name]}))
            assert blank.step >= best.step, (person, name)
            assert blank.urgent_review >= best.urgent_review, (person, name)


def test_blanking_a_field_keeps_what_the_other_fields_call_for() -> None:
    """Missing data never lowers the step that the known data call for."""
    for person in PEOPLE[:300]:
        facts = dict(person)
        for name in NULLABLE:
            blank = triage(person.model_copy(update={name: None}))
            untouched = [
                rule
                for rule in STEPPED_CARE.rules
                if rule.when.holds(facts) and all(t.field != name for t in rule.when.tests())
            ]
            assert blank.step >= max((r.step for r in untouched if not r.by_preference), default=1)
            assert blank.urgent_review >= any(r.urgent_review for r in untouched)


def test_every_decision_has_rendered_reasons_from_the_table() -> None:
    ids = {rule.id for rule in STEPPED_CARE.rules} | {STEPPED_CARE.default_reason.id}
    for person in PEOPLE:
        decision = triage(person)
        assert decision.reasons and decision.options
        assert {r.rule_id for r in decision.reasons} <= ids
        assert all("$" not in r.text and r.source for r in decision.reasons)
        assert max(r.step for r in decision.reasons) == decision.step
        assert decision.urgent_review == any(r.urgent_review for r in decision.reasons)


def test_high_risk_signals_always_reach_step_4_and_urgent_review() -> None:
    for person in PEOPLE:
        decision = triage(person)
        if person.cssrs_risk == "high" or person.psychotic_symptoms:
            assert (decision.step, decision.urgent_review) == (4, True)
        if (person.phq9_item9 or 0) > 0 or person.cssrs_risk == "moderate":
            assert decision.urgent_review


def test_removing_any_rule_never_raises_a_step() -> None:
    """The engine takes the maximum, so adding a rule can only escalate."""
    for index, rule in enumerate(STEPPED_CARE.rules):
        fewer = STEPPED_CARE.model_copy(
            update={"rules": STEPPED_CARE.rules[:index] + STEPPED_CARE.rules[index + 1 :]}
        )
        for person in PEOPLE[:100]:
            assert triage(person, fewer).step <= triage(person).step, rule.id


# --- The rule table ----------------------------------------------------------------------------


def raw_table() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    return raw


def validate(raw: dict[str, Any]) -> SteppedCareTable:
    context = {"fields": FIELD_SPECS, "names": REASON_NAMES}
    return SteppedCareTable.model_validate(raw, context=context)


def test_the_table_validates_with_unique_cited_rules() -> None:
    table = validate(raw_table())
    ids = [rule.id for rule in table.rules]
    assert len(ids) == len(set(ids))
    for rule in table.rules:
        assert rule.reason and rule.sources
        assert all(any(s.startswith(key) for key in table.references) for s in rule.sources)
    assert set(FIELD_SPECS) == set(TriageInput.model_fields)


def test_the_table_cannot_be_validated_without_the_input_fields() -> None:
    with pytest.raises(ValidationError, match="validated against the triage input fields"):
        SteppedCareTable.model_validate(raw_table())


def broken(edit: str) -> dict[str, Any]:
    raw = copy.deepcopy(raw_table())
    rule = raw["rules"][0]
    if edit == "duplicate id":
        raw["rules"].append(copy.deepcopy(rule))
    elif edit == "unknown field":
        rule["when"] = {"field": "mood_ring", "op": "==", "value": "blue"}
    elif edit == "unknown operator":
        rule["when"] = {"field": "phq9_total", "op": "~=", "value": 3}
    elif edit == "wrong value":
        rule["when"] = {"field": "cssrs_risk", "op": "==", "value": "extreme"}
    elif edit == "uncited":
        rule["sources"] = ["my own opinion"]
    elif edit == "missing data routes":
        rule["when"] = {"field": "cssrs_risk", "op": "is_missing"}
    elif edit in ("urgent rule softened", "risk field softened"):
        rule = rule if edit == "urgent rule softened" else raw["rules"][2]
        rule["by_preference"] = {
            "preference": "prefers_self_guided",
            "step": 1,
            "reason": "x",
            "sources": ["NICE NG222 1.5.2"],
        }
    elif edit == "unknown placeholder":
        rule["reason"] = "score $shoe_size"
    elif edit == "group of both kinds":
        rule["when"] = {"all": [rule["when"]], "any": [rule["when"]]}
    elif edit == "code in a condition":
        rule["when"] = {"field": "phq9_total", "op": ">=", "value": "__import__('os')"}
    return raw


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("duplicate id", "rule ids must be unique"),
        ("unknown field", "unknown field 'mood_ring'"),
        ("unknown operator", "Input should be '>='"),
        ("wrong value", "'extreme' is not one of"),
        ("uncited", "cites no listed reference"),
        ("missing data routes", "a rule on missing data may only add a reason"),
        ("urgent rule softened", "a preference never softens what risk requires"),
        ("risk field softened", "a preference never softens what risk requires"),
        ("unknown placeholder", "unknown names ['shoe_size']"),
        ("group of both kinds", "a group is either 'all' or 'any'"),
        ("code in a condition", "needs a whole number"),
    ],
)
def test_a_broken_table_is_refused(edit: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        validate(broken(edit))
