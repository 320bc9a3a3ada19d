"""Rendering pages, and turning every failure on a page into a friendly page or redirect.

Pages never show problem JSON or a stack trace: sign-in problems redirect to /login, denials
and missing objects get their own pages, and anything unexpected gets a calm error page.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mindway.errors import AuthenticationError, Forbidden, LockedOut, MindwayError, NotFound
from mindway.security.policy import Role
from mindway.services import clinical_alerts
from mindway.web import i18n
from mindway.web.csrf import CsrfRejected, session_csrf
from mindway.web.i18n import N_
from mindway.web.session import (
    SESSION_COOKIE,
    MfaPending,
    SignInRequired,
    WebSession,
    clear_cookie,
    current,
    runtime_of,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
log = logging.getLogger("mindway.web")
ALERTS_HREF = "/clinician/alerts"

NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.PATIENT: (
        ("/patient", N_("Home")),
        ("/patient/checkin", N_("Check in")),
        ("/patient/chat", N_("Talk it through")),
        ("/patient/exposure", N_("Exposure")),
        ("/patient/programme", N_("My programme")),
        ("/patient/questionnaires", N_("Questionnaires")),
        ("/patient/progress", N_("My progress")),
        ("/patient/notes", N_("My notes")),
    ),
    Role.CLINICIAN: (
        ("/clinician", "Caseload"),
        (ALERTS_HREF, "Alerts"),
        ("/clinician/conversations", "Conversations"),
        ("/clinician/exposure", "Exposure"),
    ),
    Role.ADMIN: (
        ("/admin/accounts", "Accounts"),
        ("/admin/teams", "Care teams"),
        ("/admin/audit", "Audit log"),
        ("/admin/alerts", "Alerts"),
    ),
    Role.RESEARCHER: (("/research", "Research export"),),
}
ACCOUNT_LINK = ("/account/mfa", N_("Two-step sign-in"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext)  # type: ignore[attr-defined]
    env.filters["when"] = i18n.when
    env.filters["day"] = i18n.day
    return env


ENV = _environment()


def nav_for(
    ws: WebSession | None, path: str, badges: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """The role's menu, the page's own entry marked (the longest link the path starts with),
    and a count beside entries that have one; a session still waiting for its second
    factor gets no menu."""
    if ws is None or not ws.info.mfa_passed:
        return []
    links = [*NAV[ws.role], ACCOUNT_LINK]
    matches = [href for href, _ in links if path == href or path.startswith(href + "/")]
    here = max(matches, key=len, default=None)
    return [
        {
            "href": href,
            "label": label,
            "current": href == here,
            "badge": (badges or {}).get(href, 0),
        }
        for href, label in links
    ]


def open_alert_count(request: Request, ws: WebSession | None) -> int:
    """Open care-team alerts for the clinician's menu badge; 0 if it cannot be read (an
    error page must still render when the database is down)."""
    if ws is None or ws.role is not Role.CLINICIAN or not ws.info.mfa_passed:
        return 0
    try:
        return clinical_alerts.open_count(runtime_of(request), ws.actor)
    except Exception:
        log.exception("could not count open alerts for the menu")
        return 0


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with the shared layout: menu, sign-out form, and the crisis link for patients,
    drawn in the page's language (``i18n.page_language``). ``alert_count`` (clinicians) saves
    counting the open alerts again on pages that know it."""
    ws = current(request)
    csrf = session_csrf(runtime_of(request), ws.token) if ws else None
    alerts = context.pop("alert_count", None)
    alerts = open_alert_count(request, ws) if alerts is None else alerts
    language = i18n.page_language(
        ws.info if ws else None, request.headers.get("accept-language", "")
    )
    base: dict[str, Any] = {
        "ws": ws,
        "csrf": csrf,
        "page_title": "Mindway",
        "nav": nav_for(ws, request.url.path, {ALERTS_HREF: alerts}),
        "show_crisis": ws is None or ws.role is Role.PATIENT,
        "use_htmx": False,
        "notice": None,
        "error": None,
    }
    with i18n.use_language(language):
        base["lang"] = i18n.active_language()  # English if the catalog could not be read
        html = ENV.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status)


def redirect(request: Request, location: str) -> Response:
    """See Other; htmx requests get ``HX-Redirect`` so the whole page moves, not a fragment."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """A calm page for a failure; ``title`` and ``message`` are shown in the page's language
    when the catalog has them (mark them with ``N_``)."""
    return render(request, "error.html", status, page_title=title, title=title, message=message)


def _sign_in_again(request: Request) -> Response:
    response = redirect(request, "/login")
    clear_cookie(response, runtime_of(request).settings, SESSION_COOKIE)
    return response


def failure_response(request: Request, exc: Exception) -> Response:
    """The page for a failure that the handler did not turn into a form message itself."""
    if isinstance(exc, MfaPending):
        return redirect(request, exc.location)
    if isinstance(exc, SignInRequired) or (
        isinstance(exc, AuthenticationError) and not isinstance(exc, LockedOut)
    ):
        return _sign_in_again(request)
    if isinstance(exc, CsrfRejected):
        message = N_(
            "This form has expired or did not come from Mindway. Nothing was changed. "
            "Reload the page."
        )
        return error_page(request, 403, N_("Please try again"), message)
    if isinstance(exc, Forbidden):
        return error_page(
            request, 403, N_("Not allowed"), N_("Your account cannot open this page.")
        )
    if isinstance(exc, NotFound | RequestValidationError):
        return error_page(request, 404, N_("Not found"), N_("We could not find that page."))
    if isinstance(exc, MindwayError) and exc.status < 500:
        return error_page(request, exc.status, exc.title, sentence(exc.detail))
    if isinstance(exc, StarletteHTTPException) and exc.status_code < 500:
        return error_page(request, exc.status_code, N_("Sorry"), sentence(str(exc.detail)))
    log.exception("page failed", exc_info=exc)
    message = N_("Something went wrong on our side. Please try again in a moment.")
    return error_page(request, 500, N_("Sorry, something went wrong"), message)


def sentence(text: str) -> str:
    """Service messages are lower-case fragments; pages show them as sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class PageRoute(APIRoute):
    """A route whose failures become pages (the API's problem JSON is for programs)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return failure_response(request, exc)

        return page


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path == "/health":
        return False
    return "text/html" in request.headers.get("accept", "")


def install_error_pages(app: FastAPI) -> None:
    """Browsers asking for a page that does not exist get an HTML 404, programs problem JSON."""
    fallback = app.exception_handlers.get(StarletteHTTPException)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if fallback is None or _wants_html(request):
            if exc.status_code == 404:
                return error_page(request, 404, N_("Not found"), N_("We could not find that page."))
            return error_page(request, exc.status_code, N_("Sorry"), sentence(str(exc.detail)))
        answer = fallback(request, exc)
        result = await answer if inspect.isawaitable(answer) else answer
        assert isinstance(result, Response)
        return result

    app.add_exception_handler(StarletteHTTPException, http_error)
