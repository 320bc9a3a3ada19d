"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mindway.errors import LockedOut, MindwayError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("mindway.api")


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string", "minLength": 1},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "minLength": 1},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_REASONS = {
    400: "Bad request",
    401: "Not signed in, or the session ended",
    403: "The role may not do this",
    404: "Not found (or outside the caller's scope)",
    409: "Conflict with the current state",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many attempts",
    503: "The database is unreachable just now",
}
# Every API operation may answer these, always as RFC 9457 problem documents.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": reason,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
    for status, reason in _REASONS.items()
}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # Only the leading location is dropped: a field may itself be called "body".
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _error(err: dict[str, Any]) -> dict[str, str]:
    if err.get("type") == "json_invalid":  # its loc ends in a character offset, not a field
        reason = err.get("ctx", {}).get("error", "")
        return {"field": "request", "message": f"the body is not valid JSON ({reason})"}
    return {"field": _field(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}


def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_error(err) for err in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "Invalid input", summary or "the request is not valid", errors=errors)


def _mindway(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MindwayError)
    response = problem(exc.status, exc.title, exc.detail)
    if isinstance(exc, LockedOut):
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    response = problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (a restart, a network blip): 503 with Retry-After, one
    log line, not a traceback per request. The use case's transaction was rolled back."""
    assert isinstance(exc, OperationalError)
    log.warning("database unavailable: %s", str(exc.orig or exc).splitlines()[0])
    response = problem(
        503, "Service unavailable", "the database is not reachable just now; nothing was saved"
    )
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal error", "something went wrong on our side; nothing was saved")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(MindwayError, _mindway)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
