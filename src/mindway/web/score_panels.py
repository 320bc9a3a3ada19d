"""Score history as the pages show it: one panel per instrument, a chart and a table.

Clinicians see the instrument's own band names and reliable-change markers (NHS Talking
Therapies thresholds, from ``mindway.clinical.progress``); patients see the same scores in
plain words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from mindway.clinical.instruments import Instrument, get_instrument
from mindway.clinical.progress import ReliableChangeCriterion, change_from_baseline
from mindway.services.views import QuestionnaireResultPublic
from mindway.web.charts import ChartBand, ChartPoint, score_chart
from mindway.web.score_words import OFFERS, band_word, meaning, since_first, trend

FIRST = ("phq9", "gad7")
CHANGE_WORDS = {"better": "reliable improvement", "worse": "reliable deterioration"}
CRITERIA = {i: ReliableChangeCriterion.nhs_talking_therapies(i) for i in ("phq9", "gad7")}


@dataclass(frozen=True)
class Panel:
    instrument: Instrument
    results: list[QuestionnaireResultPublic]
    markers: list[str | None]  # per result: "better", "worse" or None
    chart: Markup | None
    sentences: list[str] = field(default_factory=list)


def by_instrument(
    history: Sequence[QuestionnaireResultPublic],
) -> dict[str, list[QuestionnaireResultPublic]]:
    """Results grouped per instrument, PHQ-9 and GAD-7 first, each oldest first."""
    groups: dict[str, list[QuestionnaireResultPublic]] = {}
    for result in history:
        groups.setdefault(result.instrument, []).append(result)
    order = [i for i in FIRST if i in groups] + sorted(i for i in groups if i not in FIRST)
    return {i: groups[i] for i in order}


def reliable_markers(
    instrument: str, results: Sequence[QuestionnaireResultPublic]
) -> list[str | None]:
    """ "better"/"worse" where a score changed reliably since the first scored one."""
    scored = [r.total for r in results if r.total is not None]
    criterion = CRITERIA.get(instrument)
    if criterion is None or not scored:
        return [None] * len(results)
    totals = [float("nan") if r.total is None else float(r.total) for r in results]
    change = change_from_baseline(float(scored[0]), totals, criterion)
    return [
        "better" if up else "worse" if down else None
        for up, down in zip(change.reliable_improvement, change.reliable_deterioration, strict=True)
    ]


def _chart(
    chart_id: str,
    definition: Instrument,
    results: Sequence[QuestionnaireResultPublic],
    markers: Sequence[str | None],
    label: Callable[[str], str],
) -> Markup | None:
    low, high = definition.scoring.minimum, definition.scoring.maximum
    points = [
        ChartPoint(r.completed_at, r.total, label(r.severity) if r.severity else "", m)
        for r, m in zip(results, markers, strict=True)
        if r.total is not None
    ]
    if low is None or high is None or not points:
        return None
    scheme = definition.band_scheme()
    bands = [ChartBand(b.low, b.high, label(b.label)) for b in scheme[1]] if scheme else []
    title = f"{definition.name} scores over time"
    return score_chart(chart_id, title, points, (low, high), bands)


def clinician_panels(history: Sequence[QuestionnaireResultPublic]) -> list[Panel]:
    panels = []
    for instrument, results in by_instrument(history).items():
        definition = get_instrument(instrument)
        markers = reliable_markers(instrument, results)
        chart = _chart(f"chart-{instrument}", definition, results, markers, clinical_label)
        panels.append(Panel(definition, results, markers, chart))
    return panels


def patient_panels(history: Sequence[QuestionnaireResultPublic]) -> list[Panel]:
    """The patient's own questionnaires (those offered to them), with a plain summary."""
    panels = []
    for instrument, results in by_instrument(history).items():
        offer = OFFERS.get(instrument)
        if offer is None:
            continue
        definition = offer.definition
        markers: list[str | None] = [None] * len(results)
        chart = _chart(f"chart-{instrument}", definition, results, markers, band_word)
        totals = [r.total for r in results if r.total is not None]
        said = (trend(offer, totals), since_first(offer, totals), meaning(offer))
        sentences = [s for s in said if s]
        panels.append(Panel(definition, results, markers, chart, sentences))
    return panels


def clinical_label(band: str) -> str:
    return band.replace("_", " ")
