"""A person's side of consent: share codes, revoking them, and who read their data.

The API (``/api/v1/shares``) and the "Sharing" page call the same services. A
new code is shown once, on the page that created it (never in a URL, never
again: only its hash is kept). Revoking takes effect on the clinician's next
request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from ketpath.core.records import DrugScreen, FollowUp, Record
from ketpath.present import views
from ketpath.services import PersonNotFound, person_entries
from ketpath.services.accounts import User
from ketpath.services.audit import AuditEntry, reads_of
from ketpath.services.consent import (
    NotAllowed,
    ShareNotFound,
    create_share,
    list_shares,
    revoke_share,
)
from ketpath.services.read import person_zone
from ketpath.web.deps import SignedIn, TokenHolder, database
from ketpath.web.templating import render

api_router = APIRouter(prefix="/api/v1", tags=["sharing"])
pages_router = APIRouter(include_in_schema=False)

ShareId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not a person's account (clinicians have nothing to share)"},
}


class ShareCreated(BaseModel):
    id: int
    code: str
    expires_at: str


class ShareList(BaseModel):
    shares: list[dict[str, Any]]


def _person_only(user: User) -> None:
    if user.person_name is None:
        raise HTTPException(status_code=403, detail="Sharing is for a person's own records.")


@api_router.post(
    "/shares",
    status_code=201,
    response_model=ShareCreated,
    responses=RESPONSES,
    summary="Create a single-use share code (valid 7 days); shown only in this response",
)
def create(request: Request, user: TokenHolder) -> ShareCreated:
    _person_only(user)
    share = create_share(database(request), user=user)
    return ShareCreated(id=share.id, code=share.code, expires_at=share.expires_at.isoformat())


@api_router.get(
    "/shares", response_model=ShareList, responses=RESPONSES, summary="Every share, newest first"
)
def listing(request: Request, user: TokenHolder) -> ShareList:
    _person_only(user)
    found = list_shares(database(request), user=user)
    return ShareList(shares=[share.to_dict() for share in found])


@api_router.delete(
    "/shares/{share_id}",
    status_code=204,
    responses={**RESPONSES, 404: {"description": "No such share of this person"}},
    summary="Revoke a share: the code stops working and the clinician loses access",
)
def revoke(request: Request, user: TokenHolder, share_id: ShareId) -> Response:
    _person_only(user)
    try:
        revoke_share(database(request), user=user, share_id=share_id)
    except (ShareNotFound, NotAllowed):
        raise HTTPException(status_code=404, detail="No such share.") from None
    return Response(status_code=204)


# ---------------------------------------------------------------- the page


VIEW_ACTIONS = frozenset({"read-records", "read-assessment", "read-patient-page"})
#: Rows of the log read for the page: a busy clinic's roster views add up.
READS_SHOWN = 5000


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _kind(record_type: str) -> str:
    return views.TYPE_LABELS.get(record_type, record_type.replace("-", " ")).lower()


def _added(record: Record | None, record_type: str) -> str:
    if isinstance(record, DrugScreen):
        return f"added a {record.result} drug screen"
    if isinstance(record, FollowUp):
        return "recorded a follow-up of a red flag"
    return f"added a {_kind(record.type if record is not None else record_type)}"


def _phrases(entry: AuditEntry, records: Mapping[int, Record]) -> list[str]:
    """What one row of the log did, in words the person reads (never the record's content but hers)."""
    detail = entry.detail
    if entry.action == "write-records":
        ids = [i for i in detail.get("ids", []) if isinstance(i, int)]
        types = [str(t) for t in detail.get("types", [])]
        if not ids:
            return [_added(None, t) for t in types] or [entry.words]
        fallback = types[0] if len(types) == 1 else "record"
        return [_added(records.get(i), fallback) for i in ids]
    if entry.action == "correct-record":
        kind = _kind(str(detail.get("type", "record")))
        now = records.get(detail.get("replaced_by", 0))
        result = f" (now {now.result})" if isinstance(now, DrugScreen) else ""
        return [f"corrected a {kind}{result}"]
    if entry.action in ("delete-record", "replace-record") and detail.get("type"):
        return [f"{entry.words} ({_kind(str(detail['type']))})"]
    return [entry.words]


def reads_by_day(
    entries: Sequence[AuditEntry], records: Mapping[int, Record], zone: tzinfo
) -> list[dict[str, Any]]:
    """The log grouped by clinician and day (in the person's zone), newest day first.

    Page views count as one line ("viewed your records 4 times"), as do
    roster views; what was added or corrected is named one by one.
    """
    groups: dict[tuple[date, str], Counter[str]] = {}
    for entry in entries:  # newest first, so the groups are too
        day = entry.at.astimezone(zone).date()
        who = entry.actor_email or "(deleted account)"
        counted = groups.setdefault((day, who), Counter())
        if entry.action in VIEW_ACTIONS:
            counted["viewed your records"] += 1
        elif entry.action == "read-roster-entry":
            counted["saw you on their roster"] += 1
        else:
            counted.update(_phrases(entry, records))
    return [
        {
            "day": day.strftime("%a %d %b %Y"),
            "iso": day.isoformat(),
            "who": who,
            "what": [
                f"{phrase} {_times(count)}"
                if count > 1 or phrase.startswith(("viewed", "saw"))
                else phrase
                for phrase, count in sorted(counted.items(), key=_phrase_order)
            ],
        }
        for (day, who), counted in groups.items()
    ]


def _phrase_order(item: tuple[str, int]) -> tuple[int, str]:
    phrase = item[0]
    first = ("viewed", "saw", "downloaded")
    return (0 if phrase.startswith(first) else 1, phrase)


def _page(request: Request, user: User, *, new_code: Any = None, status: int = 200) -> Response:
    db = database(request)
    shares = list_shares(db, user=user)
    try:
        entries = person_entries(db, user.person_name or "")
    except PersonNotFound:
        entries = []
    zone = person_zone([entry.record for entry in entries])
    records = {entry.id: entry.record for entry in entries}
    context = {
        "new_share": new_code,
        "active": [share for share in shares if share.revocable],
        "past": [share for share in shares if not share.revocable],
        "reads": reads_by_day(reads_of(db, user=user, limit=READS_SHOWN), records, zone),
        "zone": str(zone),
    }
    return render(request, "sharing/sharing.html", context, status=status)


@pages_router.get("/sharing", name="sharing")
def sharing_page(request: Request, user: SignedIn) -> Response:
    _person_only(user)
    return _page(request, user)


@pages_router.post("/sharing", name="sharing_create")
def sharing_create(request: Request, user: SignedIn) -> Response:
    _person_only(user)
    share = create_share(database(request), user=user)
    return _page(request, user, new_code=share)


@pages_router.post("/sharing/{share_id}/revoke", name="sharing_revoke")
def sharing_revoke(request: Request, user: SignedIn, share_id: ShareId) -> Response:
    _person_only(user)
    try:
        revoke_share(database(request), user=user, share_id=share_id)
    except (ShareNotFound, NotAllowed):
        raise HTTPException(status_code=404, detail="No such share.") from None
    return RedirectResponse("/sharing", status_code=303)
