"""The content policy every generated reply must pass before a person reads it (issue 4, item 3).

A language model phrases replies; it does not decide what may be said. Each rule below names a
kind of text that safe-messaging guidance forbids in a reply to someone who may be at risk
(988 Suicide & Crisis Lifeline safe messaging guidelines; #chatsafe, Robinson et al. 2018:
no method or location details, no promise of secrecy, point to real help) or that Mindway's
own safety rules forbid (it does not diagnose, does not prescribe, says plainly that it is
software). The failures it prevents are published: a companion that listed tall bridges to a
person who had just lost their job (Moore et al. 2025, FAccT) and an eating-disorder bot that
advised calorie deficits (NEDA "Tessa", 2023).

The rules are word lists and regular expressions, not a model: they are predictable, fast and
testable, and the fallback when one fires is the companion's own scripted draft, so a false
alarm costs only a plainer sentence. They cover English and the commonest Spanish forms (the
companion's two languages); anything they cannot read still goes through the risk screener.

Rules, most severe first (``violations`` reports them in this order):

- ``method_or_location``: suicide or self-harm methods, lethal means, heights, bridges,
  railways, poisons, ways to die, named places; diet-restriction advice (Tessa).
- ``secrecy``: promising to keep what the person said secret.
- ``dosing``: any medicine dose or amount, or advice to start, stop or change medication.
- ``diagnosis``: telling the person they have or are a condition.
- ``claims_human``: claiming to be a person, a clinician, or to have lived through it.
- ``links``: any URL or e-mail address, or a phone number of seven digits or more (the
  locale's crisis numbers come from the crisis protocol's data file, never from a model, and
  they are short: 988, 911, 116 123, 111, 999).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["RULES", "violations"]

_FLAGS = re.IGNORECASE


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)


# --- method_or_location -------------------------------------------------------------------
_METHOD = _any(
    [
        r"\bbridges?\b(?!\s+(?:between|to|from|(?:the|that|this)\s+gap))",
        r"\b(?:cliffs?|cliff\s*edge|overpass(?:es)?|viaducts?|ledges?)\b",
        r"\b(?:tall|high|highest|tallest)\s+(?:buildings?|towers?|places?|points?|floors?|roofs?)",
        r"\brooftops?\b",
        r"\b\d+\s*(?:m|metres?|meters?|feet|ft|stor(?:e)?ys|stories|floors)\s+(?:tall|high|up|drop)\b",
        r"\bjump(?:s|ed|ing)?\s+(?:off|from|in\s+front)",
        r"\b(?:rail(?:way|road)?|train|subway|metro)\s+(?:tracks?|lines?|crossings?)\b",
        r"\blevel\s+crossings?\b|\bin\s+front\s+of\s+(?:a|an|the)\s+(?:train|bus|car|truck|lorry)",
        r"\bpoison(?:s|ed|ing|ous)?\b|\b(?:pesticides?|paraquat|antifreeze|bleach|cyanide)\b",
        r"\b(?:carbon\s+monoxide|charcoal|exhaust\s+fumes|helium|nitrogen\s+gas|weed\s*killer)\b",
        r"\b(?:lethal|fatal|deadly|toxic)\s+(?:dose|doses|amount|amounts|means|quantit(?:y|ies))\b",
        r"\boverdos(?:e|es|ed|ing)\b",
        r"\bnooses?\b|\bligatures?\b|\bhang(?:ing|ed)?\s+(?:yourself|oneself|myself|themselves)",
        r"\b(?:cut|cutting|slit|slitting|slash|slashing)\s+(?:your|my|the|one's)?\s*"
        r"(?:wrists?|arms?|veins?|thighs?|throat)",
        r"\brazors?\b|(?<!shoulder )\bblades?\b",
        r"\b(?:guns?|firearms?|shotguns?|rifles?|pistols?|handguns?|bullets?)\b",
        r"\bdrown(?:ing)?\s+(?:yourself|myself|oneself)|\bsuffocat\w*|\basphyxi\w*",
        r"\b(?:ways?|methods?|means|how)\s+(?:to|you\s+(?:could|can|might))\s+(?:die|kill\s+"
        r"(?:yourself|myself|oneself)|end\s+(?:your|my|one's|their|it)(?:\s+(?:life|lives|all))?"
        r"|commit\s+suicide|take\s+(?:your|my)\s+(?:own\s+)?life)",
        r"\bsuicide\s+(?:methods?|spots?|hot\s*spots?|locations?|sites?|notes?)\b",
        r"\bpainless(?:ly)?\b|\bmost\s+(?:lethal|painless)\b|\bquickest\s+way\s+to\s+(?:die|go)\b",
        r"\b(?:golden\s+gate|beachy\s+head|aokigahara|niagara\s+falls|the\s+gap\s+in\s+sydney)\b",
        # NEDA Tessa 2023: weight-loss advice to people with eating disorders.
        r"\bcalori(?:e|es|c)\s+(?:deficit|counting|restriction|intake|target|limit)s?\b",
        r"\bcount(?:ing)?\s+(?:your\s+)?calories\b|\b(?:skip|skipping)\s+meals?\b",
        r"\blose\s+(?:\d+\s*(?:kg|lbs?|pounds)|weight)\b|\bweigh\s+yourself\b",
        # Spanish
        r"\b(?:puentes?|acantilados?|vías\s+del\s+tren|veneno|sobredosis|ahorcarte)\b",
    ]
)

# --- secrecy -------------------------------------------------------------------------------
_SECRECY = _any(
    [
        r"\bI\s*(?:won'?t|will\s+not|shan'?t|promise\s+not\s+to|(?:'m|am)\s+not\s+going\s+to)"
        r"\s+(?:ever\s+)?(?:tell|share\s+(?:this|that|it)\s+with)\s+(?:anyone|anybody|a\s+soul"
        r"|your|them|the)",
        r"\b(?:stays?|will\s+stay|remains?|will\s+remain|is|keep\s+(?:it|this|that))\s+"
        r"(?:just\s+)?between\s+(?:us|you\s+and\s+me|the\s+two\s+of\s+us|ourselves)\b",
        r"\bour\s+(?:little\s+)?secret\b|\bkeep\s+(?:this|that|it|your\s+secret)\s+(?:a\s+)?secret\b",
        r"\bno\s*(?:one|body)\s+(?:else\s+)?(?:will|needs\s+to|has\s+to|is\s+going\s+to)\s+"
        r"(?:ever\s+)?(?:know|find\s+out|hear)",
        r"\b(?:completely|totally|strictly|entirely|fully|100\s*%)\s+(?:confidential|private|secret)",
        r"\bno\s+se\s+lo\s+(?:diré|contaré)\s+a\s+nadie\b|\bqueda\s+entre\s+(?:nosotros|tú\s+y\s+yo)",
    ]
)

# --- dosing --------------------------------------------------------------------------------
_DRUGS = (
    r"sertraline|fluoxetine|citalopram|escitalopram|paroxetine|venlafaxine|duloxetine|"
    r"mirtazapine|bupropion|amitriptyline|nortriptyline|lithium|quetiapine|olanzapine|"
    r"aripiprazole|risperidone|lamotrigine|valproate|diazepam|lorazepam|alprazolam|clonazepam|"
    r"zopiclone|zolpidem|paracetamol|acetaminophen|ibuprofen|aspirin|codeine|tramadol|"
    r"melatonin|propranolol|pregabalin|gabapentin|trazodone|prozac|zoloft|xanax|valium|lexapro|"
    r"wellbutrin|seroquel|ativan|klonopin|ambien|tylenol|sleeping\s+pills?|antidepressants?"
)
_MEDICATION = r"(?:medications?|medicines?|meds|doses?|dosages?|prescriptions?|tablets?|pills?)"
_COUNT = r"(?:\d+|one|two|three|four|five|six|a|an|another|extra|double|half\s+a|more|fewer)"
_DOSING = _any(
    [
        r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|μg|milligrams?|micrograms?)\b|\bmg\b",
        rf"\b(?:take|taking|swallow|swallowing|have)\s+{_COUNT}\s+(?:extra\s+|more\s+)?"
        r"(?:tablets?|pills?|capsules?|doses?|tabs?|drops?|puffs?)\b",
        r"\b(?:(?:increas|decreas|reduc|lower|rais|doubl|halv|stop|skip|quit|chang|adjust"
        r"|discontinu|taper)\w*|come\s+off|cut\s+(?:down|back)\s+on|go\s+off)\s+(?:taking\s+)?"
        rf"(?:your|the|my|those|these)?\s*(?:\w+\s+)?(?:{_MEDICATION}|{_DRUGS})\b",
        rf"\b(?:{_DRUGS})\b[^.?!\n]{{0,30}}?\b\d+",
        rf"\b\d+\s*(?:x\s*)?(?:of\s+)?(?:your\s+)?(?:{_DRUGS})\b",
        rf"\b(?:try|start|take|taking|start\s+taking)\s+(?:some\s+)?(?:{_DRUGS})\b",
        r"\b(?:toma|tomar)\s+(?:\d+|una|dos|tres)\s+(?:pastillas?|comprimidos?|dosis)\b",
    ]
)
# Advice to talk to the prescriber before changing medication is the safe message, not dosing.
_PRESCRIBER_REFERRAL = _any(
    [
        r"\b(?:don'?t|do\s+not|never|before|without|talk(?:ing)?\s+to|speak(?:ing)?\s+to|"
        r"ask|check\s+with)\b[^.?!]*\b(?:doctor|prescriber|GP|pharmacist|psychiatrist|clinician"
        r"|nurse|care\s+team)\b",
    ]
)

# --- diagnosis -----------------------------------------------------------------------------
_CONDITION = (
    r"(?:an?\s+)?(?:clinical\s+|major\s+|severe\s+|mild\s+|moderate\s+|chronic\s+|postnatal\s+|postpartum\s+)?"
    r"(?:depression|depressive\s+disorder|(?:generali[sz]ed\s+|social\s+)?anxiety\s+disorder|"
    r"panic\s+disorder|GAD|MDD|PTSD|C-?PTSD|post-?traumatic\s+stress(?:\s+disorder)?|"
    r"bipolar(?:\s+disorder)?|BPD|borderline(?:\s+personality\s+disorder)?|"
    r"(?:a\s+)?personality\s+disorder|OCD|obsessive[-\s]compulsive\s+disorder|ADHD|ADD|autism|"
    r"schizophrenia|psychosis|(?:an\s+)?eating\s+disorder|anorexia|bulimia|"
    r"binge[-\s]eating\s+disorder|dysthymia|dementia|insomnia\s+disorder|a\s+(?:mental|"
    r"mood|psychiatric)\s+(?:illness|disorder)|\w+\s+disorder)"
)
_LABEL = (
    r"(?:bipolar|schizophrenic|psychotic|anorexic|bulimic|borderline|autistic|manic|"
    r"clinically\s+depressed|an\s+addict|an\s+alcoholic|OCD|ADHD|mentally\s+ill)"
)
_HEDGE = r"(?:(?:clearly|probably|likely|definitely|certainly|obviously|may|might|could)\s+)?"
_DIAGNOSIS = _any(
    [
        rf"\byou(?:\s+{_HEDGE}(?:have|'ve\s+got|have\s+got|suffer\s+from)|(?:'re|\s+are)\s+"
        rf"{_HEDGE}(?:suffering\s+from|showing|experiencing|living\s+with))\s+"
        rf"(?:signs\s+of\s+|symptoms\s+of\s+)?{_CONDITION}\b",
        rf"\byou(?:'re|\s+are)\s+{_HEDGE}(?:a\s+)?{_LABEL}\b",
        rf"\b(?:sounds|seems|looks)\s+like\s+(?:you(?:'ve|\s+have|\s+might\s+have|\s+may\s+have"
        rf"|'ve\s+got)?\s+|it(?:'s|\s+is)\s+|this\s+is\s+)?(?:signs\s+of\s+)?{_CONDITION}\b",
        rf"\b(?:this|that|it|these|those|what\s+you(?:'re|\s+are)\s+describing)\s+"
        rf"(?:is|are|sounds\s+like|could\s+be|might\s+be|may\s+be|seems\s+like|looks\s+like)\s+"
        rf"(?:a\s+|an\s+|classic\s+|typical\s+|clear\s+)*(?:signs?\s+of\s+|symptoms?\s+of\s+)?"
        rf"{_CONDITION}\b",
        r"\byou\s+(?:meet|fit)\s+the\s+(?:criteria|diagnosis|description)\b",
        r"\b(?:I\s+(?:would\s+)?diagnose|my\s+diagnosis)\b",
        r"\b(?:tienes|padeces|sufres\s+de)\s+(?:una\s+)?(?:depresión|ansiedad|trastorno|TEPT)",
    ]
)
_SECRECY_REFUSED = re.compile(
    r"\b(?:can'?t|cannot|can\s+not|won'?t|will\s+not|not\s+(?:able|going)\s+to|unable\s+to)"
    r"\s+(?:\w+\s+){0,2}$",
    _FLAGS,
)
_DIAGNOSIS_DISCLAIMER = re.compile(
    r"\b(?:whether|if|can(?:'t|not|\s+not)\s+(?:say|tell)|not\s+(?:able|here)\s+to\s+(?:say|tell)"
    r"|doesn'?t\s+mean|does\s+not\s+mean|not\s+saying)\b[^.?!]*$",
    _FLAGS,
)

# --- claims_human --------------------------------------------------------------------------
_PROFESSION = (
    r"(?:therapist|counsell?or|psychologist|psychiatrist|psychotherapist|doctor|clinician|"
    r"nurse|social\s+worker)"
)
_CLAIMS_HUMAN = _any(
    [
        r"\bI(?:'m|\s+am)\s+(?:also\s+|just\s+|only\s+)?(?:a\s+|an\s+)?(?:real\s+|actual\s+|living"
        r"\s+)?(?:person|human(?:\s+being)?|man|woman|people)\b",
        rf"\bI(?:'m|\s+am)\s+(?:a\s+|an\s+|your\s+)?(?:real\s+|qualified\s+|licensed\s+|trained\s+"
        rf"|certified\s+|registered\s+|human\s+)*{_PROFESSION}\b",
        rf"\b(?:as|being)\s+(?:a|an|your)\s+(?:\w+\s+)?(?:{_PROFESSION}|human|person)\s*,?\s*I\b",
        r"\bI(?:'m|\s+am)\s+not\s+(?:a\s+|an\s+|just\s+a\s+)?(?:bot|robot|AI|machine|computer|"
        r"program|chatbot|software)\b",
        r"\bI(?:'ve|\s+have)\s+(?:been\s+there|been\s+through\s+(?:that|this|it|the\s+same)|felt"
        r"\s+(?:that|the\s+same)\s+(?:way\s+)?(?:too|myself))\b",
        r"\b(?:when|back\s+when)\s+I\s+was\s+(?:depressed|anxious|suicidal|struggling|in\s+therapy)",
        r"\bsoy\s+(?:una\s+|un\s+)?(?:persona|humano|humana|terapeuta|psicólog[oa])\b",
    ]
)

# --- links ---------------------------------------------------------------------------------
_LINKS = _any(
    [
        r"\b(?:https?://|www\.)\S+",
        r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b",
        r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|uk|gov|edu|info|me|app|ly|us|ca"
        r"|au|de|es|nhs)\b(?:/\S*)?",
        r"(?:\+?\d[\s().-]{0,2}){7,}",
    ]
)

RULES: dict[str, re.Pattern[str]] = {
    "method_or_location": _METHOD,
    "secrecy": _SECRECY,
    "dosing": _DOSING,
    "diagnosis": _DIAGNOSIS,
    "claims_human": _CLAIMS_HUMAN,
    "links": _LINKS,
}


def _normalised(text: str) -> str:
    """Straight apostrophes and single spaces, so curly quotes and double spaces match too."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+|\n+", text) if s]


def _dosing_in(sentence: str) -> bool:
    match = _DOSING.search(sentence)
    if match is None:
        return False
    # A dose amount is never allowed; a "don't stop your medication without your doctor" is.
    amount = re.search(r"\d|\bmg\b", match.group(0), _FLAGS)
    return amount is not None or _PRESCRIBER_REFERRAL.search(sentence) is None


def _diagnosis_in(sentence: str) -> bool:
    for match in _DIAGNOSIS.finditer(sentence):
        if _DIAGNOSIS_DISCLAIMER.search(sentence[: match.start()]) is None:
            return True
    return False


def _secrecy_in(sentence: str) -> bool:
    """A promise of secrecy; "I can't keep this between us" is the crisis protocol's honesty."""
    return any(
        _SECRECY_REFUSED.search(sentence[: m.start()]) is None for m in _SECRECY.finditer(sentence)
    )


def _broken(rule: str, sentence: str) -> bool:
    if rule == "secrecy":
        return _secrecy_in(sentence)
    if rule == "dosing":
        return _dosing_in(sentence)
    if rule == "diagnosis":
        return _diagnosis_in(sentence)
    return RULES[rule].search(sentence) is not None


def violations(text: str) -> list[str]:
    """The rules ``text`` breaks, most severe first; ``[]`` when a person may read it."""
    sentences = _sentences(_normalised(text))
    return [rule for rule in RULES if any(_broken(rule, s) for s in sentences)]
