"""The page walk's route list, its accounts and one example URL for each page, for every walk.

Two walks share this: the browser's (``e2e/test_accessibility.py``: axe-core,
screenshots, overflow) and the web test that fails on untranslated English
(``web/test_every_page_translated.py``). The pages are not listed by hand:
every GET route of the app is read from the app itself (the included routers
too), and each is either a page, visited with one example for each path
parameter (:func:`examples`), or named in :data:`NOT_PAGES` (downloads, data,
the service worker) with the reason. A new page is walked without anyone
adding it; a new route that no viewer can open as a page fails the walks'
"every route is walked" tests until it gets an example or a reason.

The viewers: an anonymous visitor; a person with weeks of entries, four red
flags (an emergency among them), a goal, a plan, a PHQ-9 and a clinic's drug
screen (which she can dispute); the clinician she shares with, who runs a
reward schedule for her; and a person whose kept session has locked (the PIN
screen, the only page that viewer sees).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.routing import APIRoute

from ketpath.core.records import DrugScreen
from ketpath.interop.jsonl import parse_jsonl
from ketpath.knowledge import claims
from ketpath.present.practical import practical_index
from ketpath.services import Database, accounts, import_records, person_entries
from ketpath.services.consent import add_patient_records, create_share, redeem_code
from ketpath.services.contingency import save_schedule_as_clinician
from ketpath.services.plans import save_plan
from ketpath.web.app import create_app
from ketpath.web.onboarding import STEPS as ONBOARDING_STEPS
from ketpath.web.settings import Settings

PASSWORD = "a long and private passphrase"
PERSON = "walk-person@example.org"
CLINICIAN = "walk-clinician@clinic.example.org"
LOCKED = "walk-locked@example.org"
PIN = "482916"
VIEWERS = ("anonymous", "person", "clinician", "locked")
ZONE = "Europe/London"
REWARDS = {
    "start_value": "2.50",
    "increment": "1.50",
    "max_value": "10",
    "return_after": 3,
    "reset_on_missed": True,
}
#: What the person wrote herself (her plan), shown as she wrote it in any language.
PLAN = {
    "triggers": ["Friday nights out"],
    "warning_signs": ["Skipping lunch"],
    "coping_steps": ["Walk round the block", "Run the urge timer"],
    "people_to_call": ["Sam 07700 900123"],
    "reasons": ["My bladder"],
}
PERSON_WROTE = tuple(item for items in PLAN.values() for item in items)

#: GET routes that are not pages a person reads, each with the reason.
NOT_PAGES = {
    "/openapi.json": "the API's schema (JSON)",
    "/healthz": "the health check (JSON)",
    "/manifest.webmanifest": "the web app manifest (JSON)",
    "/sw.js": "the service worker's script",
    "/export/records.jsonl": "a download: the person's records",
    "/export/fhir.json": "a download: the FHIR bundle",
    "/report.pdf": "a download: the PDF summary",
    "/patients/{patient_id}/report.pdf": "a download: the patient's PDF summary",
    "/calendar/{token}.ics": "a calendar feed for a calendar program",
}
#: Every ``/api/...`` route answers JSON to a program, not a page to a person.
API_PREFIX = "/api/"


def get_routes() -> list[str]:
    """The path of every GET route of the app, the included routers' too."""
    app = create_app(Settings(database_url=":memory:"))

    def walk(routes: list[Any]) -> list[str]:
        found = []
        for route in routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or set()):
                found.append(route.path)
            elif hasattr(route, "original_router"):
                found += walk(route.original_router.routes)
        return found

    found = walk(list(app.router.routes))
    found += [
        path for r in app.router.routes if (path := getattr(r, "path", "")) == "/openapi.json"
    ]
    app.state.db.close()
    return sorted(set(found))


def page_routes() -> list[str]:
    """Every GET route that may be a page: not named in :data:`NOT_PAGES`, not the API."""
    return [r for r in get_routes() if r not in NOT_PAGES and not r.startswith(API_PREFIX)]


def may_open(viewer: str, route: str) -> bool:
    """Whether the walk tries ``route`` for ``viewer``: the locked viewer sees only the PIN screen."""
    return (viewer == "locked") == (route == "/lock")


def history(now: datetime) -> str:
    """Weeks of uses and cravings, four red flags (an emergency among them), a goal and a PHQ-9."""

    def ago(**delta: float) -> str:
        return (now - timedelta(**delta)).isoformat()

    lines = [f'{{"type":"profile","timezone":"{ZONE}"}}']
    lines.append(f'{{"type":"goal","time":"{ago(days=41)}","goal":"stop"}}')
    for day in range(4, 40, 3):
        lines.append(
            f'{{"type":"use","time":"{ago(days=day)}","dose_mg":{40 + day},'
            '"route":"intranasal","setting":"home-alone","motive":"cope-stress"}'
        )
        lines.append(f'{{"type":"craving","time":"{ago(days=day)}","intensity":{day % 10}}}')
        lines.append(f'{{"type":"mood","time":"{ago(days=day, hours=1)}","score":{day % 11}}}')
    lines += [
        f'{{"type":"symptom","time":"{ago(days=20)}","symptom":"jaundice","severity":2}}',
        f'{{"type":"symptom","time":"{ago(days=2)}","symptom":"blood-in-urine","severity":2}}',
        f'{{"type":"use","time":"{ago(hours=3)}","co_use":["opioids"]}}',
        f'{{"type":"symptom","time":"{ago(hours=1)}","symptom":"seizure","severity":3}}',
        f'{{"type":"questionnaire","time":"{ago(days=3)}","instrument":"phq9",'
        '"answers":[1,2,1,1,0,1,0,1,0]}',
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Ids:
    """The ids the walk's examples name, and the accounts' user ids."""

    patient_id: int
    own_record_id: int
    clinic_record_id: int
    locked_user_id: int
    person_name: str
    """The person's handle, what her clinician's pages name her by."""


def seed(db: Database, hasher: Any, *, now: datetime | None = None) -> Ids:
    """The walk's accounts and what they hold (see the module's docstring).

    The locked viewer has a PIN; her session locks when the server's lock time
    passes with no request (the walks set a short one, or move the clock).
    """
    now = now or datetime.now(UTC)
    person = accounts.register(db, email=PERSON, password=PASSWORD, hasher=hasher)
    clinician = accounts.register(
        db, email=CLINICIAN, password=PASSWORD, role="clinician", hasher=hasher
    )
    locked = accounts.register(db, email=LOCKED, password=PASSWORD, hasher=hasher)
    accounts.set_pin(db, user_id=locked.id, pin=PIN, hasher=hasher)
    assert person.person_name is not None
    records = parse_jsonl(history(now).splitlines())
    import_records(db, person.person_name, records, create=False)
    save_plan(db, person.person_name, PLAN)
    patient_id = redeem_code(db, clinician=clinician, code=create_share(db, user=person).code)
    screen = DrugScreen(time=now - timedelta(days=5), result="positive", method="urine")
    [clinic_record_id] = add_patient_records(
        db, clinician=clinician, patient_id=patient_id, records=[screen]
    )
    own = [e.id for e in person_entries(db, person.person_name) if e.created_role == "person"]
    # A clinic that runs rewards for her, so both rewards pages show a schedule.
    start = (now - timedelta(days=30)).date().isoformat()
    save_schedule_as_clinician(
        db, clinician=clinician, patient_id=patient_id, settings={**REWARDS, "start": start}
    )
    return Ids(
        patient_id=patient_id,
        own_record_id=own[-1],
        clinic_record_id=clinic_record_id,
        locked_user_id=locked.id,
        person_name=person.person_name,
    )


def examples(path: str, ids: Ids) -> list[str]:
    """The route with one example for each path parameter (two for ``/learn/{topic}``, every onboarding step)."""
    record = ids.clinic_record_id if path.endswith(("/dispute", "/correct")) else ids.own_record_id
    values: dict[str, list[str]] = {
        "patient_id": [str(ids.patient_id)],
        "record_id": [str(record)],
        "instrument_id": ["phq9"],
        "step": list(ONBOARDING_STEPS),  # each step of the first run is a page of its own
        # An article of the audit, and a practical page (another template).
        "topic": [next(iter(claims().values())).topic, str(practical_index()[0]["id"])],
    }
    names = re.findall(r"\{([^}]+)\}", path)
    missing = [name for name in names if name not in values]
    assert not missing, f"{path}: give examples() a value for {missing}"
    urls = [path]
    for name in names:
        urls = [url.replace(f"{{{name}}}", value) for url in urls for value in values[name]]
    return urls


def slug(url: str) -> str:
    """A file-name part for a page's URL (``/`` is ``today``)."""
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "today"
