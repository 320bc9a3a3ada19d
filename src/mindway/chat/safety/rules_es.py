"""Explicit rules for Spanish: the same statements as :mod:`mindway.chat.safety.rules` (C-SSRS
items 1-6: wish to be dead, active ideation, method, intent, plan, preparatory acts; Posner et
al. 2011, Am J Psychiatry 168:1266; Spanish wording after the Spanish C-SSRS, Al-Halabí et al.
2016, Rev Psiquiatr Salud Ment 9:134), self-harm, harm to others and immediate danger.

The risk model reads English sentence embeddings and was trained on English messages, so a
Spanish message gets no signal from it: these rules are what screens Spanish text, which makes
them deliberately broad (a false alarm asks one question; a miss can cost a life). They run
on every message whatever the account's locale (people write in the language they think in).
Text is matched without accents ("más" = "mas"), since people often type without them.
A negation shortly before ("no voy a matarme", "nunca me haría daño") or a marker of the past
("cuando tenía 15 años", "hace años") lowers a match to ``low``, never to ``none``.
"""

from __future__ import annotations

import re
import unicodedata

_ACT = (
    r"(?:matarme|suicidarme|quitarme la vida|(?:acabar|terminar) con (?:mi vida|todo"
    r"(?! (?:el|la|los|las|lo|este|esta|estos|estas|eso|mi|mis|tu|su|sus)\b))|"
    r"ahorcarme|colgarme|tirarme (?:de|por|desde|al|a las vias)|"
    r"tomarme (?:todas )?las pastillas|morirme|desaparecer para siempre)"
)
_SELF_KILL = (
    r"(?:" + _ACT[3:-1] + r"|me (?:mato|suicido|quiero (?:matar|suicidar|morir)|"
    r"voy a (?:matar|suicidar)))"
)
_WHEN = (
    r"(?:esta noche|hoy|manana|este (?:fin de semana|finde)|ahora mismo|ahora|pronto|"
    r"cuando (?:todos|ellos|ella|el) (?:se duerman|esten dormidos|se vayan|salgan))"
)
_MEANS = (
    r"(?:pastillas|pildoras|medicamentos|medicinas|paracetamol|cuerda|cinturon|cuchilla|"
    r"navaja|pistola|arma|cuchillo|veneno)"
)
_OTHER = r"(?:lo|la|los|las|le|a (?:mi|mis|el|la|ese|esa|alguien) ?\w*)"

# (name, categories, pattern) on lower-cased text without accents.
HIGH_RULES_ES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "intent",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:voy a|vamos a|pienso|planeo|he decidido|decidi|estoy list[oa] para|"
        r"tengo pensado|me voy a) " + _ACT,
    ),
    (
        "intent",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:me voy a (?:matar|suicidar|ahorcar|colgar|tirar)|me mato|me suicido)\b",
    ),
    (
        "timing",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b" + _SELF_KILL + r"\b[^.!?]{0,30}\b" + _WHEN + r"\b",
    ),
    (
        "timing",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b" + _WHEN + r"\b[^.!?]{0,20}\b" + _SELF_KILL,
    ),
    (
        "means",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:he guardado|guardo|guarde|estoy guardando|tengo|junte|he juntado|compre|"
        r"escondi|tengo escondid[oa]s?)\b[^.!?]{0,30}\b" + _MEANS + r"\b[^.!?]{0,40}"
        r"\b(?:matarme|morir|acabar|suficientes|suicid\w*|por si acaso|para el final)\b",
    ),
    (
        "means",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:suficientes|bastantes) " + _MEANS + r" para\b",
    ),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:escribi|he escrito|estoy escribiendo|deje|dejo)\b[^.!?]{0,25}"
        r"\b(?:nota de suicidio|carta de despedida|cartas? (?:de despedida|para (?:mi|mis|todos)))",
    ),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:regale|estoy regalando|he regalado) (?:todas )?mis (?:cosas|pertenencias)\b",
    ),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:busque|buscando|he buscado|investigue|mire)\b[^.!?]{0,20}"
        r"\b(?:formas|maneras|como|metodos?) (?:de|para) (?:morir|matarme|suicidarme)\b",
    ),
    (
        "attempt",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:me tome|me he tomado|tome|trague|me trague)\b[^.!?]{0,20}"
        r"\b(?:todas|toda|el bote|la caja|un punado|un monton|muchas)\b[^.!?]{0,20}\b"
        + _MEANS
        + r"\b",
    ),
    (
        "harm_to_others_intent",
        ("plan_intent_means", "harm_to_others"),
        r"\b(?:voy a|pienso|planeo|he decidido) (?:matar|apunalar|disparar|envenenar|"
        r"golpear|hacer dano) " + _OTHER,
    ),
    (
        "harm_to_others_intent",
        ("plan_intent_means", "harm_to_others"),
        r"\b(?:voy a|pienso|planeo) (?:matarl[oa]s?|matarle|apunalarl[oa]|envenenarl[oa])\b",
    ),
    (
        "immediate_danger",
        ("abuse_safeguarding",),
        r"\b(?:me|nos) (?:ha |han )?amenaz\w+ (?:con|de) matar(?:me|nos)\b|"
        r"\b(?:me|nos) va(?:n)? a matar\b|\bva a matar a mis (?:hijos|ninos)\b",
    ),
)
MODERATE_RULES_ES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "death_wish",
        ("passive_death_wish",),
        r"\b(?:quiero|quisiera|queria|ojala (?:pudiera|poder)|deseo) (?:morir(?:me)?|"
        r"estar muert[oa]|desaparecer|no despertar|dormirme y no despertar)\b|"
        r"\bojala (?:estuviera|me muriera|"
        r"no despertara|no hubiera nacido)\b",
    ),
    (
        "death_wish",
        ("passive_death_wish",),
        r"\b(?:no quiero (?:vivir|seguir viviendo|estar vivo|estar viva|despertar|seguir aqui|"
        r"existir)|estarian? mejor sin mi|seria mejor (?:estar muert[oa]|que me muriera|"
        r"no existir)|no vale la pena vivir)\b",
    ),
    (
        "ideation",
        ("active_suicidal_ideation",),
        r"\b(?:(?:quiero|quisiera|pienso en|pensaba en|he pensado en|pensando en|ganas de|"
        r"deseo|necesito|intente|intentar) (?:matarme|suicidarme|quitarme la vida|"
        r"acabar con mi vida|"
        r"(?:acabar|terminar) con todo(?! (?:el|la|los|las|lo|este|esta|eso|mi|mis|su)\b))|"
        r"me (?:quiero|queria) (?:matar|suicidar)|pienso en (?:el )?suicidio|"
        r"pensamientos suicidas|ideas suicidas|me siento suicida)\b",
    ),
    (
        "self_harm",
        ("self_harm",),
        r"\b(?:autolesion\w*|me (?:corto|corte|he cortado|quemo|queme|hago dano|hice dano|"
        r"haria dano|golpeo|lastimo|lastime|rasguno)|hacerme dano|cortarme|lastimarme)\b",
    ),
)
_HIGH_ES = tuple((name, cats, re.compile(p)) for name, cats, p in HIGH_RULES_ES)
_MODERATE_ES = tuple((name, cats, re.compile(p)) for name, cats, p in MODERATE_RULES_ES)

NEGATION_ES = re.compile(r"\b(?:no|nunca|jamas|ya no|ni|tampoco|deje de)\b(?: \w+){0,3} ?$")
PAST_ES = re.compile(
    r"\b(?:cuando (?:era|tenia) (?:un |una |\d+)|de (?:nin[oa]|adolescente|joven|pequen[oa])|"
    r"hace (?:\d+|unos|muchos|varios|un par de)? ?anos|en (?:el )?pasado|en (?:19|20)\d\d|"
    r"hace mucho tiempo|me recupere|en mi adolescencia)\b"
)
CONTEXT_CUES_ES = re.compile(
    r"\b(?:si|claro|esta noche|hoy|manana|pronto|ya|listo|lista|lo tengo|las tengo|"
    r"lo he decidido|decidido|guardadas|suficientes|" + _MEANS[3:-1] + r"|nota|carta|"
    r"despedida|puente|saltar|el plan)\b"
)
RISK_WORDS_ES = re.compile(
    r"\b(?:matar\w*|morir\w*|muert[oa]s?|suicid\w*|autolesion\w*|dano|"
    r"cort(?:arme|o|e|ando|es)|pastillas|vivir|despedid\w*|desaparec\w*|abus\w*|violad\w*|"
    r"peligro|miedo|arma|cuchillo|sangr\w*|sin sentido|no puedo mas|no aguanto mas)\b"
)


def fold(normalised: str) -> str:
    """Accents dropped ("mañana" → "manana", "más" → "mas"): the Spanish rules match this."""
    decomposed = unicodedata.normalize("NFKD", normalised)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spanish_rules() -> tuple[tuple[str, tuple[str, ...], re.Pattern[str], str], ...]:
    """Every Spanish rule as (name, categories, pattern, level before negation or past)."""
    return tuple((n, c, p, "high") for n, c, p in _HIGH_ES) + tuple(
        (n, c, p, "moderate") for n, c, p in _MODERATE_ES
    )
