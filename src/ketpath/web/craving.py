"""The moment of a craving (issue 14, point 3): ``/craving``, the person's plan and a timer.

Today's "I'm having a craving" button (``partials/craving_button.html``)
opens this page. A craving record needs an intensity (``core.records.Craving``
has no "unrated"), so the page asks for it first in one tap row that posts to
the Log form's own route (``/log/craving`` with ``back=craving``): the entry
is stored by the same code as any craving, queued the same way when offline,
and comes back here with the Undo toast. Below the row are the person's own
plan (coping steps, reasons, people to call as ``tel:`` links), the
urge-surfing timer (``static/urge-timer.js``; without script its steps read as
plain text) and the help lines of the person's locale, each number once on the
page. The page is also offered after a craving at or above the threshold in
``knowledge/craving.toml`` is logged anywhere (``present.craving``); that
offer links to ``/craving?logged=1``, which does not ask for the craving again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ketpath.present import views
from ketpath.present.craving import craving_contacts, craving_page_view
from ketpath.services import Database, PersonNotFound
from ketpath.services.plans import get_plan
from ketpath.web.deps import SignedIn
from ketpath.web.pages import PersonContext, saved_toast

router = APIRouter(include_in_schema=False)


def _plan(request: Request, name: str) -> dict[str, list[str]]:
    db: Database = request.app.state.db
    try:
        return get_plan(db, name)
    except PersonNotFound:  # no entry yet, so no plan yet
        return {}


@router.get("/craving", name="craving")
def craving(request: Request, user: SignedIn) -> Response:
    person = PersonContext(request, user)
    language = person.language  # flags, help-line names and the explanation in her language
    flags, contacts = views.help_page_numbers(
        craving_contacts(views.help_view(person.locale, language)["contacts"]),
        views.red_flags_view(person.assessment, language),
    )
    toast = saved_toast(person, request, back="craving")
    context = {
        "craving": craving_page_view(_plan(request, person.name), contacts, language),
        "red_flags": flags,
        "toast": toast,
        # Not asked again when it was just logged, here or on the page that offered this one.
        "logged": bool(toast and toast["undo_id"]) or request.query_params.get("logged") == "1",
        "grades": views.grade_key(),
    }
    return person.page("craving.html", context)
