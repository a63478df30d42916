"""Issue 11, point 1 through the web app: a person cannot forge or remove the clinic's records.

Alice (a person) and Bob (her clinician, with consent). Alice's API, import
page and logging forms refuse drug screens and clinician notes (422, naming
the record and field, nothing stored); the screen and note Bob adds are hers
to read but not to edit or delete (403 on the API and on the pages, which
offer neither); her own records stay editable; her deletions appear on her
Sharing page. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.conftest import (
    BACKENDS,
    PostgresServer,
    postgres_server,  # noqa: F401 (a fixture)
)
from ketpath.services import person_entries
from ketpath.store import Database
from ketpath.web.settings import Settings
from webtest import Account, settings_for, share_records

SCREEN = {
    "type": "drug-screen",
    "time": "2026-05-20T10:00:00+00:00",
    "result": "negative",
    "method": "urine",
}
CLINICIAN_NOTE = {
    "type": "note",
    "time": "2026-05-20T10:05:00+00:00",
    "text": "attended and engaged",
    "author_role": "clinician",
}
MOOD = {"type": "mood", "time": "2026-05-19T09:00:00+00:00", "score": 6}


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
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


@pytest.fixture
def clinic_ids(alice: Account, bob: Account) -> list[int]:
    """Bob's screen (positive) and note for Alice, added through his API."""
    patient_id = share_records(alice, bob).patient_id
    added = bob.client.post(
        f"/api/v1/patients/{patient_id}/records",
        json=[{**SCREEN, "result": "positive"}, CLINICIAN_NOTE],
        headers=bob.api,
    )
    assert added.status_code == 201, added.text
    ids: list[int] = added.json()["ids"]
    return ids


def _stored(db: Database, alice: Account) -> list[dict[str, Any]]:
    return [
        {"id": e.id, "type": e.record.type, "role": e.created_role}
        for e in person_entries(db, alice.person_name or "")
    ]


@pytest.mark.parametrize(("record", "field"), [(SCREEN, "type"), (CLINICIAN_NOTE, "author_role")])
def test_a_person_posting_a_clinic_record_gets_422_naming_it_and_nothing_is_stored(
    alice: Account, db: Database, record: dict[str, Any], field: str
) -> None:
    response = alice.client.post("/api/v1/records", json=[MOOD, record], headers=alice.api)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", 1, field]
    assert "entered by" in problem["msg"]
    assert _stored(db, alice) == []


def test_a_web_import_holding_a_drug_screen_is_refused_naming_the_line(
    alice: Account, db: Database
) -> None:
    lines = [
        '{"type":"mood","time":"2026-05-19T09:00:00+00:00","score":6}',
        "",
        '{"type":"drug-screen","time":"2026-05-20T10:00:00+00:00","result":"negative","method":"urine"}',
    ]
    upload = ("mine.jsonl", "\n".join(lines).encode())
    response = alice.client.post("/import", files={"file": upload})
    assert response.status_code == 422
    assert "Nothing was imported. Line 3: type: drug screens are entered by a clinician" in (
        response.text
    )
    assert _stored(db, alice) == []


def test_the_clinicians_records_are_stored_as_theirs_and_hers_as_hers(
    alice: Account, db: Database, clinic_ids: list[int]
) -> None:
    created = alice.client.post("/api/v1/records", json=MOOD, headers=alice.api)
    assert created.status_code == 201
    stored = {item["id"]: item["role"] for item in _stored(db, alice)}
    assert stored == {
        clinic_ids[0]: "clinician",
        clinic_ids[1]: "clinician",
        created.json()["ids"][0]: "person",
    }


def test_deleting_the_clinicians_screen_or_note_through_the_api_is_403_and_both_stay(
    alice: Account, db: Database, clinic_ids: list[int]
) -> None:
    for record_id in clinic_ids:
        response = alice.client.delete(f"/api/v1/records/{record_id}", headers=alice.api)
        assert response.status_code == 403
        assert "entered by your clinic" in response.json()["detail"]
    assert [item["id"] for item in _stored(db, alice)] == clinic_ids


def test_history_offers_no_edit_or_delete_for_the_clinics_records_and_the_routes_refuse(
    alice: Account, db: Database, clinic_ids: list[int]
) -> None:
    own = alice.client.post("/api/v1/records", json=MOOD, headers=alice.api).json()["ids"][0]
    page = alice.client.get("/history").text
    assert f'href="/records/{own}/delete"' in page
    assert f'href="/records/{own}/edit"' in page
    assert "Entered by your clinic" in page
    for record_id in clinic_ids:
        assert f"/records/{record_id}/delete" not in page
        assert f"/records/{record_id}/edit" not in page
        for method, path in [
            ("GET", f"/records/{record_id}/delete"),
            ("POST", f"/records/{record_id}/delete"),
            ("GET", f"/records/{record_id}/edit"),
            ("POST", f"/records/{record_id}"),
        ]:
            response = alice.client.request(
                method, path, data={"score": "1"}, follow_redirects=False
            )
            assert response.status_code == 403, (method, path)
            assert "clinic" in response.text
    assert sorted(item["id"] for item in _stored(db, alice)) == sorted([*clinic_ids, own])


def test_her_own_records_stay_hers_to_delete_and_the_deletion_shows_on_her_sharing_page(
    alice: Account, db: Database
) -> None:
    own = alice.client.post("/api/v1/records", json=MOOD, headers=alice.api).json()["ids"][0]
    assert alice.client.delete(f"/api/v1/records/{own}", headers=alice.api).status_code == 204
    page = alice.client.get("/sharing").text
    assert "deleted a record (mood)" in page
    assert "alice@example.org" in page
