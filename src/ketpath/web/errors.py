"""Error responses that say what happened in general terms and reveal nothing else.

The API answers JSON (``{"detail": ...}``); pages answer ``error.html``. An
unexpected error shows neither the exception nor a traceback (ASVS V7.4); the
server's log gets the traceback, which holds code locations, not request data.

A page is in the person's language: its title, and its message when the
catalog has it (a route's ``HTTPException`` detail marked with ``N_`` where it
is raised); a message the catalog lacks (a service's own words) is shown as
it is. The API keeps English.
"""

from __future__ import annotations

from datetime import datetime

import fastapi
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from ketpath.core.records import time_problem
from ketpath.errors import BadInput
from ketpath.present.i18n import N_, _
from ketpath.services.clinic_records import ClinicRecordReadOnly
from ketpath.services.quota import TooManyRecords
from ketpath.services.refusals import RecordRefused
from ketpath.web.deps import LoginRequired, SessionLocked
from ketpath.web.templating import render

API_PREFIX = "/api/"
TITLES = {
    400: N_("That request could not be understood"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    413: N_("Too large"),
    422: N_("Something in the form needs fixing"),
    429: N_("Too many attempts"),
    503: N_("Busy"),
    500: N_("Something went wrong"),
}
FIELD_PROBLEM = N_("A field is missing or has a value that cannot be used.")
TOO_MANY = N_("Too many attempts. Try again in %(seconds)s seconds.")
"""A rate-limited form (login, registration, PIN, a clinician's share code), on its page."""
ROUTE_MESSAGES = (
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("These pages are for a person's own records."),
    N_("No such record."),
    N_("No such questionnaire."),
    N_("No such topic."),
    N_("This is for clinicians."),
)
"""Messages raised in ``HTTPException`` by Starlette (an unknown path or method) and by the
person's routes, marked here so their error pages read in the person's language; the
routes raise the same English text, which is the msgid."""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    title = _(TITLES.get(status, TITLES[500]))
    shown = _(message) if message else message
    return render(
        request, "error.html", {"status": status, "title": title, "message": shown}, status
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if _is_api(request) or request.url.path == "/openapi.json":
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=headers
        )
    message = error.detail if error.status_code < 500 and isinstance(error.detail, str) else None
    response = error_page(request, error.status_code, message)
    response.headers.update(headers)
    return response


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if _is_api(request):
        return await request_validation_exception_handler(request, error)
    return error_page(request, 422, FIELD_PROBLEM)


def _refusal(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return error_page(request, status, message[:1].upper() + message[1:] + ".")


async def _too_many_records(request: Request, error: Exception) -> Response:
    """Every write path keeps to the limits in the service layer; one answer for them all."""
    return _refusal(request, 413, str(error))


async def _clinic_record_read_only(request: Request, error: Exception) -> Response:
    return _refusal(request, 403, str(error))


async def _record_refused(request: Request, error: Exception) -> Response:
    """A write the services refused (a time in the future, a clinic record) that no route caught.

    The log forms and the API name the field themselves; this keeps any other
    path from answering 500 for what is the person's input.
    """
    assert isinstance(error, RecordRefused)
    problem = f"{error.field}: {error.problem}" if error.field else error.problem
    return _refusal(request, 422, problem)


async def _bad_input(request: Request, error: Exception) -> Response:
    """Bad input that no route caught is the person's to fix: 422 with its message, never 500.

    Routes catch what they can show beside the form; this is the floor
    (``ketpath.errors``: one base class, exit 2 on the command line, 4xx here).
    """
    return _refusal(request, 422, str(error))


async def _login_required(request: Request, _error: Exception) -> Response:
    return RedirectResponse("/login", status_code=303)


async def _session_locked(request: Request, _error: Exception) -> Response:
    """The PIN screen and nothing else: no menu, no flags, the title just "ketpath" (423 Locked)."""
    if _is_api(request):
        return JSONResponse({"detail": "This session is locked."}, status_code=423)
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    again = path if request.method == "GET" else "/"
    return render(request, "lock.html", {"user": None, "next": again}, 423)


def unexpected_error_response(scope: Scope) -> Response:
    """The answer to an exception nothing else handled (used by ``SecurityMiddleware``)."""
    request = Request(scope)
    if _is_api(request):
        return JSONResponse({"detail": "Internal error."}, status_code=500)
    return error_page(request, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(SessionLocked, _session_locked)
    app.add_exception_handler(TooManyRecords, _too_many_records)
    app.add_exception_handler(RecordRefused, _record_refused)
    app.add_exception_handler(ClinicRecordReadOnly, _clinic_record_read_only)
    app.add_exception_handler(BadInput, _bad_input)


def unprocessable(location: list[str | int], problem: str) -> fastapi.HTTPException:
    """A 422 in FastAPI's own shape, naming where in the request the problem is."""
    detail = [{"loc": location, "msg": problem, "type": "value_error"}]
    return fastapi.HTTPException(status_code=422, detail=detail)


def checked_time(value: datetime | None, name: str) -> datetime | None:
    """A query's time, held to the bounds every record's time keeps (``core.records``)."""
    if value is None:
        return None
    problem = time_problem(value)
    if problem is not None:
        raise unprocessable(["query", name], problem)
    return value
