"""Issue 11, point 12 through the app: roster sightings reach the person, refusals the operator.

Bob (Alice's clinician) opening the roster page or ``GET /api/v1/patients``
shows up on Alice's Sharing page as "saw you on their roster". Dana, a
clinician Alice never asked, gets the same 404 for Alice's id as for an id
nobody has, on every route that names a patient, and each of those answers
leaves a ``patient-refused`` row (her account, the id, the route) that the
operator sees and Alice does not.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from ketpath.services.audit import AuditEntry, list_entries
from ketpath.store import Database
from ketpath.web import clinician, contingency, contingency_settings
from webtest import Account, person_id, share_records

SEEN = "saw you on their roster (red flags, stage, when you last logged)"


def patient_routes() -> list[tuple[str, str]]:
    found = []
    for router in (
        clinician.api_router,
        clinician.pages_router,
        contingency_settings.router,
        contingency.router,
    ):
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.methods is not None
            if "{patient_id}" in route.path:
                found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


ROUTES = patient_routes()


def _call(who: Account, method: str, path: str, patient_id: int) -> Any:
    url = re.sub(r"\{patient_id\}", str(patient_id), path)
    url = url.replace("{record_id}", "1")  # routes that also name one of the patient's records
    if path.startswith("/api/"):
        body = [{"type": "note", "time": "2026-05-20T10:05:00+00:00", "text": "x"}]
        json_body = body if method == "POST" else None
        return who.client.request(
            method, url, json=json_body, headers=who.api, follow_redirects=False
        )
    form = (
        {"result": "positive", "method": "saliva", "text": "a note"} if method == "POST" else None
    )
    return who.client.request(method, url, data=form, follow_redirects=False)


def _new_rows(db: Database, before: int) -> list[AuditEntry]:
    return [entry for entry in list_entries(db) if entry.seq > before]


def _last_seq(db: Database) -> int:
    return max((entry.seq for entry in list_entries(db)), default=0)


def test_the_walk_covers_every_route_that_names_a_patient_including_rewards() -> None:
    assert ("GET", "/patients/{patient_id}") in ROUTES
    assert ("GET", "/patients/{patient_id}/rewards") in ROUTES
    assert ("POST", "/api/v1/patients/{patient_id}/records") in ROUTES


def test_the_roster_page_and_the_roster_api_show_on_the_persons_sharing_page(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    assert SEEN not in alice.client.get("/sharing").text
    assert bob.client.get("/patients").status_code == 200
    assert bob.client.get("/api/v1/patients", headers=bob.api).status_code == 200
    sharing = alice.client.get("/sharing").text
    # One line for the day: both views of the roster, counted.
    assert "saw you on their roster twice" in sharing
    assert "bob@example.org" in sharing
    entries = [entry for entry in list_entries(db) if entry.action == "read-roster-entry"]
    assert [entry.person_id for entry in entries] == [patient_id, patient_id]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_refused_patient_request_answers_the_same_404_and_is_audited(  # noqa: PLR0917
    alice: Account,
    bob: Account,
    dana: Account,
    db: Database,
    method: str,
    path: str,
) -> None:
    share_records(alice, bob)
    alice_id = person_id(db, alice)
    before = _last_seq(db)
    real = _call(dana, method, path, alice_id)
    missing = _call(dana, method, path, alice_id + 1000)
    assert real.status_code == missing.status_code == 404
    assert real.text == missing.text
    rows = _new_rows(db, before)
    assert [row.action for row in rows] == ["patient-refused", "patient-refused"]
    assert {row.actor_email for row in rows} == {dana.email}
    assert [row.person_id for row in rows] == [alice_id, None]
    route = f"{method} {path}"
    assert [row.detail for row in rows] == [
        {"patient_id": alice_id, "route": route},
        {"patient_id": alice_id + 1000, "route": route},
    ]


def test_a_probe_of_alices_id_is_not_shown_to_alice(
    alice: Account, bob: Account, dana: Account, db: Database
) -> None:
    share_records(alice, bob)
    assert dana.client.get(f"/patients/{person_id(db, alice)}").status_code == 404
    assert dana.email not in alice.client.get("/sharing").text
    assert any(entry.actor_email == dana.email for entry in list_entries(db))


def test_a_persons_account_asking_for_a_patient_is_audited_too(
    alice: Account, charlie: Account, db: Database
) -> None:
    before = _last_seq(db)
    response = charlie.client.get(
        f"/api/v1/patients/{person_id(db, alice)}/records", headers=charlie.api
    )
    assert response.status_code == 404
    (row,) = _new_rows(db, before)
    assert (row.action, row.actor_role) == ("patient-refused", "person")
    assert row.detail["route"] == "GET /api/v1/patients/{patient_id}/records"
