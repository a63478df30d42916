"""The JSON API, ``/api/v1``: a person's own records and assessment, by bearer token.

Request and response bodies use the interchange format (``core.records``).
Writes are all-or-nothing: one bad record in a list stores none, and the 422
names the record (its index in the list) and the field, in FastAPI's usual
``detail`` shape so that clients handle every 422 alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from ketpath.core.records import Record, RecordError, parse_record, record_to_dict, time_problem
from ketpath.services import (
    Author,
    ClinicRecordRefused,
    RecordNotFound,
    assess_person,
    delete_record,
)
from ketpath.services import person_entries as stored_entries
from ketpath.services.accounts import User
from ketpath.services.writes import store_records
from ketpath.web.auth import api_person, database, settings

router = APIRouter(prefix="/api/v1", tags=["records"])

Owner = Annotated[User, Depends(api_person)]
MAX_ID = 2**63 - 1
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The token's account has no records of its own (a clinician)"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    413: {"description": "More records than one request or one person may hold; none stored"},
    422: {
        "description": "A record is invalid, or is a clinic record (drug screen, clinician's note)"
    },
}


class CreatedRecords(BaseModel):
    ids: list[int]
    count: int


class StoredRecordOut(BaseModel):
    id: int
    record: dict[str, Any]


class RecordList(BaseModel):
    records: list[StoredRecordOut]


def _unprocessable(location: list[str | int], problem: str) -> HTTPException:
    detail = [{"loc": location, "msg": problem, "type": "value_error"}]
    return HTTPException(status_code=422, detail=detail)


def _parse_all(items: list[dict[str, Any]]) -> list[Record]:
    parsed: list[Record] = []
    for index, item in enumerate(items):
        try:
            parsed.append(parse_record(item))
        except RecordError as error:
            raise _unprocessable(["body", index, error.field or "record"], error.problem) from None
    return parsed


def _checked_time(value: datetime | None, name: str) -> datetime | None:
    """Times need an offset and a year a history can have (far ones overflow date arithmetic)."""
    if value is None:
        return None
    problem = time_problem(value)
    if problem is not None:
        raise _unprocessable(["query", name], problem)
    return value


@router.post(
    "/records",
    status_code=201,
    response_model=CreatedRecords,
    responses=WRITE_RESPONSES,
    summary="Store one record or a list of records (all or nothing)",
    description="Drug screens and a clinician's notes are entered by the clinician, not here.",
)
def create_records(
    request: Request,
    owner: Owner,
    body: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(description="One record in the interchange format, or a list of them"),
    ],
) -> CreatedRecords:
    items = body if isinstance(body, list) else [body]
    limit = settings(request).max_records_per_request
    if len(items) > limit:
        raise _unprocessable(["body"], f"at most {limit} records per request")
    records = _parse_all(items)
    assert owner.person_name is not None
    author = Author(user_id=owner.id, role="person")
    try:
        ids = store_records(database(request), owner.person_name, records, author=author)
    except ClinicRecordRefused as error:
        location: list[str | int] = ["body", error.index, error.field or "type"]
        raise _unprocessable(location, error.problem) from None
    return CreatedRecords(ids=ids, count=len(ids))


@router.get(
    "/records",
    response_model=RecordList,
    responses=AUTH_RESPONSES,
    summary="The person's records, oldest first",
)
def list_records(
    request: Request,
    owner: Owner,
    since: Annotated[datetime | None, Query(description="Inclusive, with a UTC offset")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive, with a UTC offset")] = None,
    record_type: Annotated[
        list[str] | None, Query(alias="type", description="Keep only these record types")
    ] = None,
) -> RecordList:
    assert owner.person_name is not None
    try:
        entries = stored_entries(
            database(request),
            owner.person_name,
            since=_checked_time(since, "since"),
            until=_checked_time(until, "until"),
            types=record_type,
        )
    except ValueError as error:
        raise _unprocessable(["query"], str(error)) from None
    return RecordList(
        records=[
            StoredRecordOut(id=entry.id, record=record_to_dict(entry.record)) for entry in entries
        ]
    )


@router.delete(
    "/records/{record_id}",
    status_code=204,
    responses={
        **AUTH_RESPONSES,
        403: {"description": "A clinician's account, or a record the clinic entered"},
        404: {"description": "No such record of this person"},
    },
    summary="Delete one of the person's records (not the clinic's; audited)",
)
def remove_record(
    request: Request, owner: Owner, record_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    assert owner.person_name is not None
    try:
        delete_record(database(request), owner.person_name, record_id, by=owner)
    except RecordNotFound:
        raise HTTPException(status_code=404, detail="No such record.") from None
    return Response(status_code=204)


@router.get(
    "/assessment",
    responses=AUTH_RESPONSES,
    summary="The assessment, as `ketpath assess --json` prints it",
)
def assessment(
    request: Request,
    owner: Owner,
    as_of: Annotated[datetime | None, Query(description="With a UTC offset; default now")] = None,
) -> dict[str, Any]:
    assert owner.person_name is not None
    moment = _checked_time(as_of, "as_of")
    return assess_person(database(request), owner.person_name, as_of=moment).to_dict()
