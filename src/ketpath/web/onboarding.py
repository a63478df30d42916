"""First-run onboarding: where you are, your goal, a plan, what ketpath is and is not, privacy.

Issue 14, point 2. A new person (nothing logged yet) is sent here once, from
the welcome step of the first sign-in (``web.accounts``), and can open it
again from More. One step per page, each skippable except the last, whose
confirmation is kept on the account (``services.onboarding``) so the
onboarding is not offered again.

The time zone is pre-filled from the browser (``static/browser-zone.js``;
registration may already have stored it) and stored the way
``/profile/timezone`` stores it: a new profile record with the zone replaced.
The country picks the help lines, in the same cookie the Help and Account
pages set. A goal is stored as a Goal record only when one is chosen ("not
sure yet" stores nothing). The texts about ketpath come from
``knowledge/today.toml``, in the page's language (``knowledge/i18n``), as do
the goals' and the countries' names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ketpath.core.records import RecordError, latest_profile
from ketpath.knowledge import languages
from ketpath.present import views
from ketpath.present.i18n import N_, _
from ketpath.services import Author, log_record
from ketpath.services.onboarding import finish_onboarding
from ketpath.services.read import person_locale
from ketpath.web.deps import SignedIn, User, database
from ketpath.web.pages import LOCALE_COOKIE, PersonContext
from ketpath.web.record_forms import SimpleForm, record_from_form

router = APIRouter(include_in_schema=False)

STEPS = ("zone", "goal", "plan", "about", "privacy")
SKIPPABLE_BY_LINK = frozenset({"zone", "goal"})
"""Steps with a "Skip this step" link; the plan and about steps have their own "Later" and
"Next", and the last step (privacy) is the confirmation, which cannot be skipped."""
NOT_SURE = "not-sure"
PERSON_ONLY = N_("These pages are for a person's own records.")
"""The 403's message (English in the API; the error page translates it, ``web.errors``)."""


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _next_step(step: str) -> str:
    return STEPS[STEPS.index(step) + 1]


def _page(
    request: Request, user: User, step: str, *, error: str | None = None, status: int = 200
) -> Response:
    person = PersonContext(request, user)
    profile = latest_profile(person.records)
    zone = profile.timezone if profile is not None else None
    context = {
        "step": step,
        "number": STEPS.index(step) + 1,
        "count": len(STEPS),
        "next_step": _next_step(step) if step in SKIPPABLE_BY_LINK else None,
        "error": error,
        "zone": zone,
        "zones": views.zone_choices(zone),
        "locales": views.locale_choices(person.language),
        "locale": person_locale(request.cookies.get(LOCALE_COOKIE), person.records),
        "goals": views.vocabulary_choices("goals", person.language),
        "about": languages.today(person.language).about,
    }
    return person.page("onboarding.html", context, status=status)


def _person(user: User) -> str:
    if user.person_name is None:
        raise HTTPException(status_code=403, detail=PERSON_ONLY)
    return user.person_name


@router.get("/onboarding", name="onboarding")
def onboarding_start(request: Request, user: SignedIn) -> Response:
    _person(user)
    return _page(request, user, STEPS[0])


@router.get("/onboarding/{step}", name="onboarding_step")
def onboarding_step(request: Request, user: SignedIn, step: str) -> Response:
    _person(user)
    if step not in STEPS:
        raise HTTPException(status_code=404)
    return _page(request, user, step)


@router.post("/onboarding/zone", name="onboarding_zone")
async def onboarding_zone(request: Request, user: SignedIn) -> Response:
    """Keep the confirmed zone (a new profile record when it changed) and the help-line country."""
    name = _person(user)
    form = await request.form()
    zone = str(form.get("timezone") or "")
    person = PersonContext(request, user)
    profile = latest_profile(person.records)
    if profile is None or profile.timezone != zone:
        try:
            record = views.profile_with_zone(person.records, zone)
        except RecordError as error:
            return _page(request, user, "zone", error=_zone_problem(error, zone), status=400)
        log_record(database(request), name, record, create=True, author=_author(user))
    response = _see_other(f"/onboarding/{_next_step('zone')}")
    chosen = str(form.get("locale") or "")
    if chosen in dict(views.locale_options()):
        response.set_cookie(
            LOCALE_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax"
        )
    return response


@router.post("/onboarding/goal", name="onboarding_goal")
async def onboarding_goal(request: Request, user: SignedIn) -> Response:
    """Store the chosen goal as a Goal record, as the Log page does; "not sure yet" stores nothing."""
    name = _person(user)
    form = SimpleForm.from_items((await request.form()).multi_items())
    if form.get("goal") != NOT_SURE:
        person = PersonContext(request, user)
        try:
            goal = record_from_form("goal", form, zone=person.zone, now=datetime.now(UTC))
        except RecordError as error:
            return _page(request, user, "goal", error=error.problem, status=400)
        log_record(database(request), name, goal, create=True, author=_author(user))
    return _see_other(f"/onboarding/{_next_step('goal')}")


@router.post("/onboarding/done", name="onboarding_done")
def onboarding_done(request: Request, user: SignedIn) -> Response:
    """The last step's confirmation: the onboarding is not offered again."""
    _person(user)
    finish_onboarding(database(request), user_id=user.id, now=datetime.now(UTC))
    return _see_other("/")


def _zone_problem(error: RecordError, zone: str) -> str:
    """An unknown zone in the page's language (the list offers only known ones: a stale page)."""
    if error.field == "timezone":
        return _(
            "unknown time zone %(zone)s (use an IANA name such as Europe/London)", zone=repr(zone)
        )
    return error.problem


def _author(user: User) -> Author:
    return Author(user_id=user.id, role="person")
