"""Spanish messages are screened: the risk model reads English, so explicit Spanish rules
carry the load. Levels follow the C-SSRS screen (Posner et al. 2011, Am J Psychiatry
168:1266; Spanish version validated by Al-Halabí et al. 2016, Rev Psiquiatr Salud Ment
9:134): a wish to be dead or thoughts of suicide are moderate; method, intent, plan,
timing, preparation or an attempt are high. Idiom ("me muero de risa", "este trabajo me
está matando") is not a disclosure; a negated or past statement is noted as low, not dropped.
"""

from __future__ import annotations

import pytest

from mindway.chat.safety import screen
from mindway.chat.safety.normalise import normalise
from mindway.chat.safety.rules import continues_a_disclosure, elliptic, explicit_statements

HIGH = [
    ("voy a matarme mañana", "plan_intent_means"),
    ("Esta noche me mato, ya lo he decidido", "plan_intent_means"),
    ("me quiero matar esta noche, ya tengo las pastillas", "plan_intent_means"),
    ("tengo pastillas guardadas para acabar con todo", "plan_intent_means"),
    ("he juntado suficientes pastillas para no despertar", "plan_intent_means"),
    ("escribí una carta de despedida para mis hijos", "plan_intent_means"),
    ("estoy regalando mis cosas", "plan_intent_means"),
    ("busqué formas de matarme en internet", "plan_intent_means"),
    ("me tomé todas las pastillas del bote", "plan_intent_means"),
    ("quiero acabar con todo hoy", "plan_intent_means"),
    ("voy a matar a mi vecino", "harm_to_others"),
    ("mi pareja me amenazó con matarme", "abuse_safeguarding"),
]
MODERATE = [
    ("quiero morir", "passive_death_wish"),
    ("Ojalá no despertara mañana", "passive_death_wish"),
    ("ya no quiero vivir más", "passive_death_wish"),
    ("mi familia estaría mejor sin mí", "passive_death_wish"),
    ("pienso en suicidarme", "active_suicidal_ideation"),
    ("tengo pensamientos suicidas otra vez", "active_suicidal_ideation"),
    ("quiero acabar con todo", "active_suicidal_ideation"),
    ("me corto los brazos cuando estoy mal", "self_harm"),
    ("me hago daño a veces", "self_harm"),
]
LOWERED = [
    "no voy a matarme, tranquila",
    "nunca me haría daño",
    "cuando tenía 15 años me corté",
    "hace años pensaba en suicidarme",
    "no quiero morir, quiero que esto pare",
]
FIGURATIVE = [
    "me muero de risa con este vídeo",
    "este trabajo me está matando",
    "quiero matar el tiempo hasta la cita",
    "voy a acabar con todo el trabajo hoy",
    "me mata de aburrimiento esta clase",
    "estoy bien, gracias",
    "hoy salí a caminar con mi hermana",
]


@pytest.mark.parametrize(("text", "category"), HIGH)
def test_plan_intent_means_and_timing_are_high(text: str, category: str) -> None:
    screening = screen(text, locale="es-US")
    assert screening.level == "high", (text, screening)
    assert category in screening.categories


@pytest.mark.parametrize(("text", "category"), MODERATE)
def test_wish_to_die_ideation_and_self_harm_are_moderate_at_least(text: str, category: str) -> None:
    screening = screen(text, locale="es-US")
    assert screening.level in ("moderate", "high"), (text, screening)
    assert category in screening.categories


@pytest.mark.parametrize("text", LOWERED)
def test_negated_or_past_statements_are_low_not_dropped(text: str) -> None:
    rules = explicit_statements(normalise(text))
    assert rules and all(r.level == "low" for r in rules), (text, rules)
    assert screen(text, locale="es-US").level == "low"


@pytest.mark.parametrize("text", FIGURATIVE)
def test_idiom_and_everyday_spanish_match_no_rule(text: str) -> None:
    assert explicit_statements(normalise(text)) == []


def test_the_rules_run_whatever_the_accounts_locale() -> None:
    """People write in the language they think in: an en-US account writing Spanish."""
    assert screen("voy a matarme esta noche", locale="en-US").level == "high"


def test_accents_are_optional() -> None:
    assert screen("manana me mato", locale="es-ES").level == "high"
    assert screen("ya no quiero vivir mas", locale="es-ES").level == "moderate"


def test_spanish_follow_ups_continue_a_disclosure_and_short_risk_words_are_not_elliptic() -> None:
    assert continues_a_disclosure(normalise("sí, esta noche"))
    assert not continues_a_disclosure(normalise("no, nunca"))
    assert not elliptic(normalise("quiero morir"))
    assert elliptic(normalise("vale, gracias"))
    before = ["quiero morir"]
    assert screen("sí, ya tengo las pastillas", locale="es-US", context=before).level == "high"
