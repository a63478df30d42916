"""A person's side of consent: share codes, revoking them, and who read their data.

The API (``/api/v1/shares``) and the "Sharing" page call the same services. A
new code is shown once, on the page that created it (never in a URL, never
again: only its hash is kept). Revoking takes effect on the clinician's next
request. The page is in the person's language: its dates written as CLDR
writes them there (English keeps its "30 November 2026"), a share's status in
words (``STATUS_WORDS``), and the errors' messages translated on the error
page (``web.errors``); the API answers in English.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from ketpath.knowledge.languages import ENGLISH
from ketpath.present.format import babel_locale
from ketpath.present.i18n import N_, current_language
from ketpath.present.reads import reads_by_day
from ketpath.services import own_entries
from ketpath.services.accounts import User
from ketpath.services.audit import reads_of
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


PERSON_ONLY = N_("Sharing is for a person's own records.")
NO_SUCH_SHARE = N_("No such share.")
STATUS_WORDS = {
    "waiting": N_("waiting"),
    "active": N_("active"),
    "ended": N_("ended"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
}
"""A share's status (``services.consent``) as the page says it; translated where shown."""


class ShareCreated(BaseModel):
    id: int
    code: str
    expires_at: str


class ShareList(BaseModel):
    shares: list[dict[str, Any]]


def _person_only(user: User) -> None:
    if user.person_name is None:
        raise HTTPException(status_code=403, detail=PERSON_ONLY)


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
        raise HTTPException(status_code=404, detail=NO_SUCH_SHARE) from None
    return Response(status_code=204)


# ---------------------------------------------------------------- the page


def day(moment: datetime) -> str:
    """A share's day as the page's language writes it: "30 November 2026", "2026年11月30日"."""
    language = current_language()
    if language == ENGLISH:
        return moment.strftime("%d %B %Y")
    return format_date(moment, format="long", locale=babel_locale(language))


def moment(at: datetime) -> str:
    """A code's expiry, to the minute, in UTC as stored: "30 November 2026, 14:05 UTC"."""
    language = current_language()
    if language == ENGLISH:
        return at.strftime("%d %B %Y, %H:%M UTC")
    locale = babel_locale(language)
    pattern = f"{locale.date_formats['long'].pattern} HH:mm"
    return f"{format_datetime(at, pattern, tzinfo=UTC, locale=locale)} UTC"


#: Rows of the log read for the page: a busy clinic's roster views add up.
READS_SHOWN = 5000


def _page(request: Request, user: User, *, new_code: Any = None, status: int = 200) -> Response:
    db = database(request)
    shares = list_shares(db, user=user)
    entries = own_entries(db, user.person_name or "")
    zone = person_zone([entry.record for entry in entries])
    records = {entry.id: entry.record for entry in entries}
    context = {
        "new_share": new_code,
        "active": [share for share in shares if share.revocable],
        "past": [share for share in shares if not share.revocable],
        "reads": reads_by_day(reads_of(db, user=user, limit=READS_SHOWN), records, zone),
        "zone": str(zone),
        "day": day,
        "moment": moment,
        "status_words": STATUS_WORDS,
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
        raise HTTPException(status_code=404, detail=NO_SUCH_SHARE) from None
    return RedirectResponse("/sharing", status_code=303)
