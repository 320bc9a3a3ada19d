"""The patient's questionnaires: the list, one item per screen, the result, and progress.

Each screen posts the answers so far back in a signed draft (``questionnaire_draft``), so
nothing is stored until the person sends the whole questionnaire. A result that calls for it
shows the crisis resources before anything else (DESIGN.md safety rules: crisis first).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.clinical.alert_rules import risk_alerts
from mindway.clinical.scoring import score
from mindway.errors import InvalidInput, NotFound
from mindway.services import measures
from mindway.services.runtime import Runtime
from mindway.services.views import QuestionnaireResultPublic
from mindway.web.checkin_pages import mood_panel
from mindway.web.crisis import crisis_help
from mindway.web.csrf import CheckedForm
from mindway.web.i18n import N_, lazy_gettext
from mindway.web.patient_pages import own_record
from mindway.web.questionnaire_draft import FIELD, Draft, DraftRejected, open_draft, seal
from mindway.web.questionnaire_flow import apply, item_screen, review_rows
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.score_panels import patient_panels
from mindway.web.score_words import (
    OFFERS,
    Offer,
    band_word,
    meaning,
    score_line,
    summary,
    trend,
)
from mindway.web.session import SignedIn, WebSession

router = APIRouter(route_class=PageRoute)
BASE = "/patient/questionnaires"


def _offer(instrument: str) -> Offer:
    offer = OFFERS.get(instrument)
    if offer is None:
        raise NotFound("no such questionnaire")
    return offer


@router.get(BASE)
def menu(request: Request, ws: SignedIn) -> Response:
    own_record(ws)
    return render(request, "questionnaires.html", page_title=N_("Questionnaires"), offers=OFFERS)


def _screen(
    request: Request,
    rt: Runtime,
    ws: WebSession,
    offer: Offer,
    draft: Draft,
    status: int = 200,
    error: str | None = None,
) -> Response:
    """The item on screen, or the check-your-answers screen after the last item."""
    definition = offer.definition
    shared = {"offer": offer, "draft": seal(rt, ws, draft), "field": FIELD, "error": error}
    if draft.at == len(definition.items):
        rows = review_rows(definition, draft)
        title = lazy_gettext("Check your answers · %(title)s", title=offer.title)
        return render(
            request, "questionnaire_review.html", status, page_title=title, rows=rows, **shared
        )
    screen = item_screen(definition, draft)
    title = lazy_gettext(
        "%(title)s: question %(number)s of %(count)s",
        title=offer.title,
        number=screen["number"],
        count=screen["count"],
    )
    return render(request, "questionnaire_item.html", status, page_title=title, **screen, **shared)


@router.get(BASE + "/{instrument}")
def start(instrument: str, request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    own_record(ws)
    offer = _offer(instrument)
    return _screen(request, rt, ws, offer, Draft.start(offer.definition))


def _start_again(request: Request, offer: Offer, expired: bool) -> Response:
    if expired:
        message = N_(
            "This questionnaire was left open for a long time, so it has closed. Nothing was saved."
        )
    else:
        message = N_(
            "This page was changed or belongs to another sign-in, so we could not use it. "
            "Nothing was saved."
        )
    return render(
        request,
        "error.html",
        403,
        page_title=N_("Please start again"),
        title=N_("Please start again"),
        message=message,
        again=f"{BASE}/{offer.instrument}",
    )


def _sent_since(
    rt: Runtime, ws: WebSession, patient_id: uuid.UUID, offer: Offer, draft: Draft
) -> QuestionnaireResultPublic | None:
    """A response sent after this draft began: the draft was sent already (a double tap)."""
    began = datetime.fromtimestamp(draft.started / 1000, UTC)
    results = measures.history(rt, ws.actor, patient_id, offer.instrument)
    return next((r for r in reversed(results) if r.completed_at >= began), None)


def _calls_for_help(result: QuestionnaireResultPublic) -> bool:
    """For a second tap on Send, whose reply replaces the first's: the crisis lines are shown
    again when the stored answers raise a risk alert above routine, as ``measures.submit``
    decided the first time (the rule itself lives in ``clinical.alert_rules``)."""
    scored = score(result.instrument, result.answers)
    return any(spec.level != "routine" for spec in risk_alerts(scored))


def _result_path(offer: Offer, response_id: uuid.UUID, help_now: bool = False) -> str:
    return f"{BASE}/{offer.instrument}/results/{response_id}" + ("?help=now" if help_now else "")


@router.post(BASE + "/{instrument}")
def step(
    instrument: str, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Next, Back, Skip, Change or Send; only Send stores anything."""
    patient_id = own_record(ws)
    offer = _offer(instrument)
    try:
        draft = open_draft(rt, ws, offer.definition, form.values.get(FIELD, ""))
    except DraftRejected as exc:
        return _start_again(request, offer, exc.expired)
    go, answer = form.values.get("go", "")[:16], form.values.get("answer", "")[:8]
    moved = apply(offer.definition, draft, go, answer)
    if not moved.submit:
        status = 200 if moved.error is None else 422
        return _screen(request, rt, ws, offer, moved.draft, status, moved.error)
    earlier = _sent_since(rt, ws, patient_id, offer, draft)
    if earlier is not None:
        return redirect(request, _result_path(offer, earlier.id, _calls_for_help(earlier)))
    try:
        sent = measures.submit(rt, ws.actor, patient_id, offer.instrument, list(draft.answers))
    except InvalidInput as exc:
        return _screen(request, rt, ws, offer, draft, 422, sentence(exc.detail))
    return redirect(request, _result_path(offer, sent.result.id, sent.show_crisis_resources))


@router.get(BASE + "/{instrument}/results/{response_id}")
def result(
    instrument: str, response_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn
) -> Response:
    """The result in plain words; after a risk answer, the crisis lines come first."""
    patient_id = own_record(ws)
    offer = _offer(instrument)
    results = measures.history(rt, ws.actor, patient_id, offer.instrument)
    found = next((i for i, r in enumerate(results) if r.id == response_id), None)
    if found is None:
        raise NotFound("no such result")
    this = results[found]
    totals = [r.total for r in results[: found + 1] if r.total is not None]
    help_now = request.query_params.get("help") == "now"
    return render(
        request,
        "questionnaire_result.html",
        page_title=lazy_gettext("Your %(name)s result", name=offer.definition.name),
        offer=offer,
        result=this,
        summary=summary(offer, this),
        score=score_line(offer, this),
        trend=trend(offer, totals) if len(totals) > 1 else None,
        meaning=meaning(offer),
        crisis=crisis_help(ws.info.locale) if help_now else None,
    )


@router.get("/patient/progress")
def progress(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    """The person's own scores over time, in plain words, with a chart and a table."""
    patient_id = own_record(ws)
    panels = patient_panels(measures.history(rt, ws.actor, patient_id))
    return render(
        request,
        "patient_progress.html",
        page_title=N_("My progress"),
        panels=panels,
        band_word=band_word,
        mood=mood_panel(rt, ws.actor, patient_id),
    )
