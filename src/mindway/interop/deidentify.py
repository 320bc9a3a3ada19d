"""De-identification of research records: date shifting, generalisation and k-anonymity.

Pure functions, no database: the research service feeds them plain values.

- **Date shifting.** Every date of one patient moves by the same number of days, derived from
  an HMAC-SHA-256 of the patient id under the clinic's secret, so intervals within a patient
  (time to response, days between check-ins) survive while calendar dates do not. The offset
  lies in -180 to +180 days and is never zero (Hripcsak et al., "Preserving temporal relations in
  clinical data while maintaining privacy", JAMIA 2016; 23(6):1040-5).
- **Generalisation.** Ages become bands and the 90-and-over ages one band (HIPAA Safe Harbor,
  45 CFR 164.514(b)(2)(i)(C)); birth dates are dropped; categories that too few records share
  are collapsed into "other".
- **k-anonymity.** Records with the same quasi-identifiers form an equivalence class; the
  dataset is k-anonymous for the size of its smallest class (Sweeney, "k-anonymity: a model
  for protecting privacy", Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 2002;
  10(5):557-70). Records in classes smaller than a target k can be suppressed (El Emam and
  Dankar, "Protecting privacy using k-anonymity", JAMIA 2008; 15(5):627-37).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "DEFAULT_TARGET_K",
    "MAX_SHIFT_DAYS",
    "KAnonymityReport",
    "age_band",
    "collapse_rare",
    "date_shift_days",
    "equivalence_classes",
    "k_anonymity",
    "keep_fields",
    "shift_date",
    "suppress_below",
]

MAX_SHIFT_DAYS = 180
DEFAULT_TARGET_K = 5
OTHER = "other"
UNKNOWN = "unknown"
_SHIFT_LABEL = b"research-date-shift:"

QuasiKey = tuple[str, ...]


def date_shift_days(key: bytes, subject_id: str) -> int:
    """The subject's fixed offset in days: in -180 to +180, never 0, the same on every call.

    Keyed, so nobody without ``key`` can undo the shift by recomputing it from the id.
    """
    digest = hmac.new(key, _SHIFT_LABEL + subject_id.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big") % (2 * MAX_SHIFT_DAYS)  # 0…359
    return n - MAX_SHIFT_DAYS if n < MAX_SHIFT_DAYS else n - MAX_SHIFT_DAYS + 1


def shift_date(day: date, offset_days: int) -> date:
    """``day`` moved by the subject's offset (a datetime is reduced to its date first)."""
    return day + timedelta(days=offset_days)


def age_band(birth: date, today: date, width: int = 10) -> str:
    """Age in ``width``-year bands (5 or 10); 90 and over is one band (Safe Harbor)."""
    if width not in (5, 10):
        raise ValueError("an age band is 5 or 10 years wide")
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age >= 90:
        return "90+"
    low = (max(age, 0) // width) * width
    return f"{low}-{low + width - 1}"


def collapse_rare(values: Sequence[str | None], min_count: int) -> list[str]:
    """Each value, or "other" when fewer than ``min_count`` records share it.

    A rare category (an ethnicity held by one patient of a clinic) singles people out; pooling
    rare ones is the usual generalisation. Missing values become "unknown", never pooled.
    """
    filled = [UNKNOWN if v is None or not str(v).strip() else str(v) for v in values]
    counts = Counter(filled)
    return [v if v == UNKNOWN or counts[v] >= min_count else OTHER for v in filled]


def keep_fields(record: Mapping[str, object], allowed: Sequence[str]) -> dict[str, object]:
    """Only the listed fields: free text is removed by never being on the list."""
    return {name: record[name] for name in allowed if name in record}


def _key(record: Mapping[str, object], quasi_identifiers: Sequence[str]) -> QuasiKey:
    return tuple(
        UNKNOWN if record.get(q) is None else str(record.get(q)) for q in quasi_identifiers
    )


def equivalence_classes(
    records: Sequence[Mapping[str, object]], quasi_identifiers: Sequence[str]
) -> Counter[QuasiKey]:
    """How many records share each combination of quasi-identifier values."""
    return Counter(_key(r, quasi_identifiers) for r in records)


@dataclass(frozen=True)
class KAnonymityReport:
    """The k-anonymity of a dataset over its quasi-identifiers, against a target k."""

    quasi_identifiers: tuple[str, ...]
    records: int
    classes: int
    k: int  # the smallest class size; 0 for an empty dataset
    target_k: int
    records_below_target: int
    share_below_target: float

    def as_dict(self) -> dict[str, object]:
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "records": self.records,
            "equivalence_classes": self.classes,
            "k": self.k,
            "target_k": self.target_k,
            "records_below_target_k": self.records_below_target,
            "share_below_target_k": self.share_below_target,
        }


def k_anonymity(
    records: Sequence[Mapping[str, object]],
    quasi_identifiers: Sequence[str],
    target_k: int = DEFAULT_TARGET_K,
) -> KAnonymityReport:
    """Sweeney's k, and how many records sit in classes smaller than ``target_k``."""
    if target_k < 1:
        raise ValueError("the target k is at least 1")
    sizes = equivalence_classes(records, quasi_identifiers)
    below = sum(n for n in sizes.values() if n < target_k)
    total = len(records)
    return KAnonymityReport(
        quasi_identifiers=tuple(quasi_identifiers),
        records=total,
        classes=len(sizes),
        k=min(sizes.values(), default=0),
        target_k=target_k,
        records_below_target=below,
        share_below_target=round(below / total, 4) if total else 0.0,
    )


def suppress_below(
    records: Sequence[Mapping[str, object]], quasi_identifiers: Sequence[str], target_k: int
) -> tuple[list[int], list[int]]:
    """Indexes of the records kept and of those suppressed (in a class smaller than k)."""
    sizes = equivalence_classes(records, quasi_identifiers)
    kept: list[int] = []
    suppressed: list[int] = []
    for i, record in enumerate(records):
        (kept if sizes[_key(record, quasi_identifiers)] >= target_k else suppressed).append(i)
    return kept, suppressed
