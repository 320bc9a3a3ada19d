"""The crisis page: open to everyone, signed in or not, and as robust as we can make it.

Crisis resources are always one tap away (DESIGN safety rules), so this page must work even
when the database does not: a failed session lookup only loses the person's saved locale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from mindway.content.loader import FALLBACK_LOCALE, CrisisPage, crisis_page, crisis_pages
from mindway.web.i18n import preferred_tags
from mindway.web.render import PageRoute, render
from mindway.web.session import WebSession, maybe_signed_in, runtime_of

log = logging.getLogger("mindway.web")
router = APIRouter(route_class=PageRoute)

# Button words for the languages the crisis file covers; the rest of the page comes from it.
ACTIONS = {"en": ("Call", "Text"), "es": ("Llamar al", "Enviar texto al")}


def _normalise(tag: str) -> str:
    language, _, region = tag.partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


def negotiate(header: str) -> str:
    """The best crisis locale for a browser's languages; US English when nothing fits."""
    available = list(crisis_pages())
    for tag in preferred_tags(header):
        tag = _normalise(tag)
        if tag in available:
            return tag
        language = tag.split("-")[0]
        for code in available:
            if code.startswith(language + "-"):
                return code
    return FALLBACK_LOCALE


def crisis_locale(ws: WebSession | None, accept_language: str) -> str:
    if ws is not None:
        return ws.info.locale
    return negotiate(accept_language)


def _session(request: Request) -> WebSession | None:
    try:
        return maybe_signed_in(request, runtime_of(request))
    except Exception:
        log.exception("crisis page: session lookup failed; using the browser's language")
        return None


@dataclass(frozen=True)
class CrisisHelp:
    """A locale's crisis lines and the words for their call and text buttons."""

    locale: str
    page: CrisisPage
    call_word: str
    text_word: str


def crisis_help(locale: str) -> CrisisHelp:
    call, text = ACTIONS.get(locale.split("-")[0], ACTIONS["en"])
    return CrisisHelp(locale, crisis_page(locale), call, text)


@router.get("/crisis", response_class=HTMLResponse)
def crisis(request: Request) -> HTMLResponse:
    """Crisis lines for the person's locale, with tap-to-call and tap-to-text links."""
    ws = _session(request)
    help_now = crisis_help(crisis_locale(ws, request.headers.get("accept-language", "")))
    return render(request, "crisis.html", page_title=help_now.page.heading, help=help_now)
