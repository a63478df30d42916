"""Every patient route, as Alice's clinician (Bob) and as a clinician she never asked (Dana).

Alice (a person) holds a history with a marker no one else's has. The matrix
walks every route of the clinician routers that names a patient (so a new one
is tried without anyone remembering to add it) in three phases: before any
consent, with Bob's consent, and after Alice revokes it. Reads and clinician
writes answer Bob only while consent stands; everyone else, and Bob before
and after, gets 404 exactly as for a patient who does not exist, and never
the marker. Alice's own records are never changed by anyone.

The clinic-record kinds (issue 11, point 1): Bob adds a drug screen or a
note (201); on every route of Alice's own side that names a record (the API's
DELETE, the edit and delete pages) she gets 403 for it; posting or importing
either kind herself is 422.

The whole matrix runs twice: on SQLite and on PostgreSQL (the throwaway
server of ``tests/integration/conftest.py``; skipped without its binaries).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from integration.conftest import (
    BACKENDS,
    PostgresServer,
    postgres_server,  # noqa: F401 (a fixture)
)
from ketpath.services import import_records, person_records
from ketpath.store import Database
from ketpath.web import api, clinician, contingency, contingency_settings, pages, reports, sharing
from ketpath.web.settings import Settings
from webtest import Account, person_id, settings_for, share_records

MARKER = "alice-private-marker-41c9"
SCREEN = {
    "type": "drug-screen",
    "time": "2026-05-20T10:00:00+00:00",
    "result": "negative",
    "method": "urine",
}
NOTE = {
    "type": "note",
    "time": "2026-05-20T10:05:00+00:00",
    "text": "seen today",
    "author_role": "clinician",
}


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """The app's settings on each backend (overrides the SQLite-only fixture)."""
    if request.param == "sqlite":
        yield settings_for(tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"ketpath_web_{uuid.uuid4().hex[:12]}"
    server.create_migrated_database(name)  # a copy of one migrated once, as SQLite's is
    try:
        yield settings_for(tmp_path, database_url=server.url(name))
    finally:
        server.drop_database(name)


def patient_routes() -> list[tuple[str, str]]:
    found = []
    routers = (
        clinician.api_router,
        clinician.pages_router,
        contingency_settings.router,
        contingency.router,
        reports.router,
    )
    for router in routers:
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.methods is not None
            if "{patient_id}" in route.path:
                found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


# What Bob gets with consent; (method, path) -> (status, how to call it).
WITH_CONSENT: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/patients/{patient_id}/assessment"): 200,
    ("GET", "/api/v1/patients/{patient_id}/records"): 200,
    ("POST", "/api/v1/patients/{patient_id}/records"): 201,
    ("GET", "/patients/{patient_id}"): 200,
    ("POST", "/patients/{patient_id}/drug-screens"): 303,
    ("POST", "/patients/{patient_id}/notes"): 303,
    ("GET", "/patients/{patient_id}/rewards/settings"): 200,
    ("POST", "/patients/{patient_id}/rewards/settings"): 303,  # fields left out keep their value
    ("GET", "/patients/{patient_id}/rewards"): 200,
    ("GET", "/patients/{patient_id}/report.pdf"): 200,
    # Record 1 is Alice's own use, not an entry of Bob's: 404 even with consent
    # (test_clinic_corrections.py corrects one of his own).
    ("GET", "/patients/{patient_id}/records/{record_id}/correct"): 404,
    ("POST", "/patients/{patient_id}/records/{record_id}/correct"): 404,
}
ROUTES = patient_routes()


def test_the_matrix_covers_every_patient_route() -> None:
    assert set(ROUTES) == set(WITH_CONSENT)


@pytest.fixture
def alice_id(alice: Account, db: Database) -> int:
    """Alice's person id, with a use carrying the marker and a craving (not the conftest's screens)."""
    from ketpath.core.records import parse_record

    assert alice.person_name is not None
    marked = parse_record(
        {"type": "use", "time": "2026-05-13T22:00:00+01:00", "route": "intranasal", "note": MARKER}
    )
    craving = parse_record({"type": "craving", "time": "2026-05-14T09:00:00+01:00", "intensity": 6})
    import_records(db, alice.person_name, [marked, craving], create=False)
    return person_id(db, alice)


def _call(who: Account, method: str, path: str, patient_id: int) -> Any:
    url = re.sub(r"\{patient_id\}", str(patient_id), path).replace("{record_id}", "1")
    if path.startswith("/api/"):
        body = [SCREEN, NOTE] if method == "POST" else None
        return who.client.request(method, url, json=body, headers=who.api, follow_redirects=False)
    form = (
        {"result": "positive", "method": "saliva", "text": "a note"} if method == "POST" else None
    )
    return who.client.request(method, url, data=form, follow_redirects=False)


def _own_records(db: Database, alice: Account) -> list[Any]:
    return [
        r
        for r in person_records(db, alice.person_name or "")
        if r.type not in {"drug-screen", "note"}
    ]


def _refused(response: Any) -> None:
    assert response.status_code == 404, response.text[:300]
    assert MARKER not in response.text


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_without_consent_every_patient_route_answers_404(  # noqa: PLR0917
    alice: Account,
    bob: Account,
    dana: Account,
    charlie: Account,
    alice_id: int,
    db: Database,
    method: str,
    path: str,
) -> None:
    before = person_records(db, alice.person_name or "")
    for who in (bob, dana, charlie):
        _refused(_call(who, method, path, alice_id))
        _refused(_call(who, method, path, alice_id + 1000))
    assert person_records(db, alice.person_name or "") == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_with_consent_only_her_clinician_reads_and_writes_clinician_records(  # noqa: PLR0917
    alice: Account,
    bob: Account,
    dana: Account,
    charlie: Account,
    alice_id: int,
    db: Database,
    method: str,
    path: str,
) -> None:
    share_records(alice, bob)
    own_before = _own_records(db, alice)
    response = _call(bob, method, path, alice_id)
    assert response.status_code == WITH_CONSENT[(method, path)], response.text[:300]
    if method == "GET" and path.endswith(("records", "{patient_id}")):
        assert MARKER in response.text
    for who in (dana, charlie):
        _refused(_call(who, method, path, alice_id))
    _refused(_call(bob, method, path, alice_id + 1000))
    assert _own_records(db, alice) == own_before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_after_revocation_her_clinician_gets_404_on_the_next_request(  # noqa: PLR0917
    alice: Account, bob: Account, alice_id: int, db: Database, method: str, path: str
) -> None:
    share_id = share_records(alice, bob).id
    assert _call(bob, method, path, alice_id).status_code == WITH_CONSENT[(method, path)]
    revoked = alice.client.delete(f"/api/v1/shares/{share_id}", headers=alice.api)
    assert revoked.status_code == 204
    before = person_records(db, alice.person_name or "")
    _refused(_call(bob, method, path, alice_id))
    assert person_records(db, alice.person_name or "") == before


def test_a_clinician_cannot_write_the_persons_own_kinds_of_record(
    alice: Account, bob: Account, alice_id: int, db: Database
) -> None:
    share_records(alice, bob)
    before = person_records(db, alice.person_name or "")
    use = {"type": "use", "time": "2026-05-20T10:00:00+00:00"}
    for body in (use, [SCREEN, use], {**NOTE, "author_role": "person"}):
        response = bob.client.post(
            f"/api/v1/patients/{alice_id}/records", json=body, headers=bob.api
        )
        assert response.status_code == 422, response.text
    assert person_records(db, alice.person_name or "") == before


def record_routes() -> list[tuple[str, str]]:
    """Every route of the person's own side that names one of their records."""
    found = []
    for router in (api.router, pages.router):
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.methods is not None
            if "{record_id}" in route.path:
                found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


RECORD_ROUTES = record_routes()


@pytest.mark.parametrize(("method", "path"), RECORD_ROUTES)
@pytest.mark.parametrize("kind", ["drug-screen", "note"])
def test_the_clinicians_screen_and_note_are_read_only_to_her_on_every_record_route(  # noqa: PLR0917
    alice: Account, bob: Account, alice_id: int, db: Database, kind: str, method: str, path: str
) -> None:
    share_records(alice, bob)
    added = bob.client.post(
        f"/api/v1/patients/{alice_id}/records",
        json=SCREEN if kind == "drug-screen" else NOTE,
        headers=bob.api,
    )
    assert added.status_code == 201, added.text
    [record_id] = added.json()["ids"]
    before = person_records(db, alice.person_name or "")
    url = path.replace("{record_id}", str(record_id))
    headers = alice.api if path.startswith("/api/") else None
    response = alice.client.request(
        method, url, data=None if headers else {"score": "2"}, headers=headers
    )
    assert response.status_code == 403, response.text[:300]
    assert person_records(db, alice.person_name or "") == before


@pytest.mark.parametrize("record", [SCREEN, NOTE], ids=["drug-screen", "clinician-note"])
def test_she_cannot_enter_the_clinics_kinds_of_record_herself(
    alice: Account, bob: Account, alice_id: int, db: Database, record: dict[str, str]
) -> None:
    share_records(alice, bob)
    before = person_records(db, alice.person_name or "")
    response = alice.client.post("/api/v1/records", json=record, headers=alice.api)
    assert response.status_code == 422, response.text
    line = json.dumps(record).encode()
    imported = alice.client.post("/import", files={"file": ("forged.jsonl", line)})
    assert imported.status_code == 422
    assert "entered by" in imported.text
    assert person_records(db, alice.person_name or "") == before


def test_the_roster_lists_a_patient_only_while_consent_stands(
    alice: Account, bob: Account, dana: Account, alice_id: int
) -> None:
    def ids(who: Account) -> list[int]:
        response = who.client.get("/api/v1/patients", headers=who.api)
        assert response.status_code == 200
        return [row["patient_id"] for row in response.json()["patients"]]

    assert ids(bob) == []
    share_id = share_records(alice, bob).id
    assert ids(bob) == [alice_id]
    assert ids(dana) == []
    alice.client.delete(f"/api/v1/shares/{share_id}", headers=alice.api)
    assert ids(bob) == []


def test_people_cannot_use_the_clinician_side_nor_clinicians_the_sharing_side(
    alice: Account, bob: Account, client: TestClient
) -> None:
    assert alice.client.get("/api/v1/patients", headers=alice.api).status_code == 403
    assert alice.client.get("/patients").status_code == 403
    redeem = alice.client.post("/api/v1/shares/redeem", json={"code": "X"}, headers=alice.api)
    assert redeem.status_code == 403
    assert bob.client.post("/api/v1/shares", headers=bob.api).status_code == 403
    assert bob.client.get("/api/v1/shares", headers=bob.api).status_code == 403
    assert bob.client.get("/sharing").status_code == 403


def test_all_sharing_and_clinician_routes_send_anonymous_visitors_away(client: TestClient) -> None:
    for router in (
        clinician.api_router,
        clinician.pages_router,
        contingency_settings.router,
        sharing.api_router,
        sharing.pages_router,
    ):
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.methods is not None
            for method in route.methods - {"HEAD"}:
                url = re.sub(r"\{[^}]+\}", "1", route.path)
                response = client.request(method, url, follow_redirects=False)
                expected = 401 if url.startswith("/api/") else 303
                assert response.status_code == expected, (method, url, response.status_code)
