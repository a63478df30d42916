"""Rewards pages: the person's ``/rewards`` and the clinician's view of a patient's rewards.

Both show the same thing: the schedule (every setting with its evidence), each
screen and what it earned, the running total and what the next negative screen
earns. Rewards are worked out from the drug screens on every request
(``services.contingency``); nothing here writes. The clinician's fragment answers
404 unless the person's consent stands, checked and audited by
``services.consent.patient_entries`` like the patient page it sits in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from ketpath.present import views
from ketpath.present.rewards import rewards_view
from ketpath.services.consent import NoConsent, Patient, patient_entries
from ketpath.services.contingency import clinic_schedule, overview, stored_schedule
from ketpath.services.read import person_zone
from ketpath.web.clinician import refused_patient
from ketpath.web.deps import SignedIn, database
from ketpath.web.pages import PersonContext
from ketpath.web.templating import render

router = APIRouter(include_in_schema=False)

PatientId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/rewards", name="rewards")
def rewards_page(request: Request, user: SignedIn) -> Response:
    """The person's own schedule and running total, when a clinic runs rewards for her.

    Without one (no clinic, an ended share, or a clinic that never set a
    schedule) the page says so, and the menu does not offer it.
    """
    person = PersonContext(request, user)
    stored = clinic_schedule(database(request), person.name)
    context: dict[str, Any] = {
        "user": user,
        "red_flags": views.red_flags_view(person.assessment, person.language),
        "compact_flags": True,
        "locale": person.locale,
        "rewards": None,
        "viewer": "person",
    }
    if stored is not None:
        data = overview(person.records, stored, as_of=person.now)
        context["rewards"] = rewards_view(data, person.zone)
    return render(request, "contingency/rewards.html", context)


def rewards_fragment_for(
    request: Request,
    *,
    patient: Patient,
    records: list[Any],
    whole_page: bool = False,
) -> Response:
    """The rewards of a person whose consent the caller has already checked.

    ``whole_page`` wraps them in the site's page (a link opened directly);
    otherwise it is the fragment htmx swaps into the patient page.
    """
    now = datetime.now(UTC)
    stored = stored_schedule(database(request), patient.name)
    data = overview(records, stored, as_of=now)
    context = {
        "rewards": rewards_view(data, person_zone(records)),
        "viewer": "clinician",
        "patient": patient,
        "patient_id": patient.id,
    }
    name = "contingency/patient_rewards.html" if whole_page else "contingency/_rewards.html"
    return render(request, name, context)


@router.get("/patients/{patient_id}/rewards", name="patient_rewards")
def patient_rewards(request: Request, user: SignedIn, patient_id: PatientId) -> Response:
    """A patient's rewards: a whole page, or the fragment when htmx asks for it."""
    try:
        patient, entries = patient_entries(
            database(request), clinician=user, patient_id=patient_id, action="read-records"
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    records = [entry.record for entry in entries]
    whole_page = request.headers.get("HX-Request") != "true"
    return rewards_fragment_for(request, patient=patient, records=records, whole_page=whole_page)
