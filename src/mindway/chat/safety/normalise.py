"""Text normalisation before risk screening: case, apostrophes, slang and common typos.

Slang and euphemisms for suicide and self-harm hide risk from a model trained on plain words
("kms", "unalive", "ctb", "sh"); they are expanded to the plain phrase before embedding and
before the explicit rules, so both see what the person means. The list follows terms reported
in online self-harm and suicide discourse (e.g. "unalive" as platform-moderation algospeak,
Steen et al. 2023, "You can (not) say what you want", Proc. ACM HCI 7:CSCW1).
"""

from __future__ import annotations

import re
import unicodedata

# (pattern, replacement): whole-word, applied in order on lower-cased text.
SLANG: tuple[tuple[str, str], ...] = (
    (r"\bkms+\b", "kill myself"),
    (r"\bkys\b", "kill yourself"),
    (r"\bunaliv(?:e|ing)\s+(?:my\s*self|me)\b", "kill myself"),
    (r"\bunalive\b", "kill myself"),
    (r"\bunalived\b", "killed"),
    (r"\bctb\b", "commit suicide"),
    (r"\bcatch(?:ing)?\s+the\s+bus\b", "commit suicide"),
    (r"\bsewer\s*slide\b", "suicide"),
    (r"\bs[u\*]+i?c[i\*]+de\b", "suicide"),
    (r"\bsuicid[ea]l+\b", "suicidal"),
    (r"\bsuicde\b|\bsucide\b|\bsuiside\b|\bsuicied\b", "suicide"),
    (r"\bo\.?d\.?\b(?=\s+(?:on|tonight|again|with))", "overdose"),
    (r"\bod(?:ing|'ing|ed|'d)\b", "overdosing"),
    (r"\bsh\b(?=\s+(?:again|urges?|scars?|tonight|relapse|free|clean))", "self-harm"),
    (r"(?<=\bto\s)sh\b", "self-harm"),
    (r"(?<=\bmy\s)sh\b", "self-harm"),
    (r"(?<=\bof\s)sh\b", "self-harm"),
    (r"\bself\s*h[ae]rm\b", "self-harm"),
    (r"\bmy\s*self\b|\bmyslef\b|\bmyelf\b|\bmself\b", "myself"),
    (r"\bkil+\b", "kill"),
    (r"\bwanna\b", "want to"),
    (r"\bgonna\b", "going to"),
    (r"\bgotta\b", "got to"),
    (r"\bim\b", "i am"),
    (r"\bi'm\b", "i am"),
    (r"\bdont\b", "don't"),
    (r"\bcant\b", "can't"),
    (r"\bwont\b", "won't"),
    (r"\bdie+\b", "die"),
    (r"\btn\b|\b2nite\b|\btonite\b", "tonight"),
    (r"\b2morrow\b|\btmrw\b|\btmr\b", "tomorrow"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\bppl\b", "people"),
    (r"\bidk\b", "i don't know"),
    (r"\brn\b", "right now"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in SLANG)
_REPEATS = re.compile(r"([a-z])\1{2,}")


def normalise(text: str) -> str:
    """Lower case, apostrophes straightened, letters stretched for emphasis folded ("sooo"
    → "soo"), slang and common misspellings expanded, spaces folded."""
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    folded = _REPEATS.sub(r"\1\1", folded.lower())
    for pattern, replacement in _COMPILED:
        folded = pattern.sub(replacement, folded)
    return re.sub(r"\s+", " ", folded).strip()
