"""The JSON API, ``/api/v1``: a person's own records and assessment, by bearer token.

Request and response bodies use the interchange format (``core.records``).
Writes are all-or-nothing: one bad record in a list stores none, and the 422
names the record (its index in the list) and the field, in FastAPI's usual
``detail`` shape so that clients handle every 422 alike.

Writes are safe to retry (issue 12): a record whose ``id`` the person already
has is not stored again (``already_present`` counts them), and with an
``Idempotency-Key`` header a retried POST gets the first answer back
(``services.idempotency``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ketpath.core.records import (
    Record,
    RecordError,
    parse_record,
    record_to_dict,
)
from ketpath.services import (
    Author,
    RecordNotFound,
    RecordRefused,
    assess_person,
    delete_record,
)
from ketpath.services import person_entries as stored_entries
from ketpath.services.idempotency import (
    IdempotencyKeyError,
    Replay,
    checked_key,
    keyed,
    remember,
    replay,
    request_hash,
)
from ketpath.services.writes import write_records
from ketpath.web.deps import BearerToken, TokenPerson, database, settings, token_person
from ketpath.web.errors import checked_time, unprocessable

#: The filters of both record listings (the person's and a patient's).
SinceQuery = Annotated[datetime | None, Query(description="Inclusive, with a UTC offset")]
UntilQuery = Annotated[datetime | None, Query(description="Exclusive, with a UTC offset")]
RecordTypesQuery = Annotated[
    list[str] | None, Query(alias="type", description="Keep only these record types")
]

router = APIRouter(prefix="/api/v1", tags=["records"])

MAX_ID = 2**63 - 1
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The token's account has no records of its own (a clinician)"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    413: {"description": "More records than one request or one person may hold; none stored"},
    422: {
        "description": (
            "A record is invalid, dated in the future, or is a clinic record (drug screen,"
            " clinician's note); or the Idempotency-Key was used with another body"
        )
    },
}
REPLAYED_HEADER = "Idempotent-Replayed"


class CreatedRecords(BaseModel):
    ids: list[int] = Field(
        description="The stored id of each record sent, in order (also for those already present)"
    )
    count: int = Field(description="How many records were stored by this request")
    already_present: int = Field(
        0, description="How many the person had already (the same record ids): not stored again"
    )


class StoredRecordOut(BaseModel):
    id: int
    record: dict[str, Any]


class RecordList(BaseModel):
    records: list[StoredRecordOut]


RecordBody = dict[str, Any] | list[dict[str, Any]]
"""One record in the interchange format, or a list of them."""


def request_items(request: Request, body: RecordBody) -> list[dict[str, Any]]:
    """The records of a create-records body, held to the configured number per request.

    Both APIs that create records (the person's, here, and the clinician's in
    ``web.clinician``) start with this and :func:`parse_items`, so one bound
    (``Settings.max_records_per_request``) and one 422 apply to both.
    """
    items = body if isinstance(body, list) else [body]
    limit = settings(request).max_records_per_request
    if len(items) > limit:
        raise unprocessable(["body"], f"at most {limit} records per request")
    return items


def parse_items(
    items: list[dict[str, Any]], *, parse: Callable[[dict[str, Any]], Record] = parse_record
) -> list[Record]:
    """Parse every item, all or nothing; a 422 names the first bad record's index and field."""
    parsed: list[Record] = []
    for index, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except RecordError as error:
            raise unprocessable(["body", index, error.field or "record"], error.problem) from None
    return parsed


@router.post(
    "/records",
    status_code=201,
    response_model=CreatedRecords,
    responses={**WRITE_RESPONSES, 200: {"description": "Nothing new: every record was present"}},
    summary="Store one record or a list of records (all or nothing)",
    description=(
        "Drug screens and a clinician's notes are entered by the clinician, not here. Times"
        " more than a few minutes in the future are refused. A record whose id the person"
        " already has is not stored again. With an Idempotency-Key header (kept 24 hours),"
        " a retry with the same body gets the first answer back (header Idempotent-Replayed)"
        " and stores nothing; the same key with another body is 422."
    ),
)
async def create_records(
    request: Request,
    token: BearerToken,
    body: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(description="One record in the interchange format, or a list of them"),
    ],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string (a UUID); a retry with the same key stores nothing new",
        ),
    ] = None,
) -> Response:
    # Asynchronous, with all of its work in one hop to the thread pool: a plain
    # ``def`` with a response model took two (the route, then FastAPI's check of
    # the model it returned, which was built here and needs no check; issue 16.3).
    # The token is checked in that hop too (``deps.token_person``), not in one before it.
    return await run_in_threadpool(_create_records, request, token, body, idempotency_key)


def _create_records(
    request: Request, token: str, body: RecordBody, idempotency_key: str | None
) -> Response:
    """What ``POST /api/v1/records`` does, in a worker thread (it waits on the database)."""
    owner = token_person(request, token)
    items = request_items(request, body)
    db = database(request)
    key = _key(idempotency_key)
    body_hash = request_hash(body) if key is not None else ""  # only a keyed request keeps it
    if key is not None:
        try:
            replayed = replay(db, user_id=owner.id, key=key, body_hash=body_hash)
        except IdempotencyKeyError as error:
            raise unprocessable(["header", "Idempotency-Key"], str(error)) from None
        if replayed is not None:
            return replayed_response(replayed)
    records = parse_items(items)
    if key is not None:
        records = keyed(records, user_id=owner.id, key=key)
    assert owner.person_name is not None
    author = Author(user_id=owner.id, role="person")
    try:
        added = write_records(db, owner.person_name, records, author=author)
    except RecordRefused as error:
        location: list[str | int] = ["body", error.index, error.field or "type"]
        raise unprocessable(location, error.problem) from None
    created = CreatedRecords(
        ids=added.ids, count=added.stored, already_present=added.already_present
    ).model_dump()
    status_code = 200 if records and added.stored == 0 else 201
    if key is not None:
        remember(
            db,
            user_id=owner.id,
            key=key,
            body_hash=body_hash,
            status_code=status_code,
            response=created,
        )
    return JSONResponse(created, status_code=status_code)


def replayed_response(replayed: Replay) -> JSONResponse:
    """The first answer to a retried key, marked as a replay (nothing was stored again)."""
    return JSONResponse(
        replayed.response, status_code=replayed.status_code, headers={REPLAYED_HEADER: "true"}
    )


def _key(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return checked_key(value)
    except IdempotencyKeyError as error:
        raise unprocessable(["header", "Idempotency-Key"], str(error)) from None


@router.get(
    "/records",
    response_model=RecordList,
    responses=AUTH_RESPONSES,
    summary="The person's records, oldest first",
)
def list_records(
    request: Request,
    owner: TokenPerson,
    since: SinceQuery = None,
    until: UntilQuery = None,
    record_type: RecordTypesQuery = None,
) -> RecordList:
    assert owner.person_name is not None
    try:
        entries = stored_entries(
            database(request),
            owner.person_name,
            since=checked_time(since, "since"),
            until=checked_time(until, "until"),
            types=record_type,
        )
    except ValueError as error:
        raise unprocessable(["query"], str(error)) from None
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
    request: Request, owner: TokenPerson, record_id: Annotated[int, Path(ge=1, le=MAX_ID)]
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
    owner: TokenPerson,
    as_of: Annotated[datetime | None, Query(description="With a UTC offset; default now")] = None,
) -> dict[str, Any]:
    assert owner.person_name is not None
    moment = checked_time(as_of, "as_of")
    return assess_person(database(request), owner.person_name, as_of=moment).to_dict()
