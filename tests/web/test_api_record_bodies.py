"""Both APIs that create records hold a body to the same configured number of records.

The person's ``POST /api/v1/records`` and the clinician's ``POST
/api/v1/patients/{id}/records`` read their bodies through one path
(``web.api.request_items`` and ``parse_items``). The app here allows 120
records per request (the default is 10,000); the clinician's API used to stop
at a hard-coded 100.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ketpath.services import person_entries
from ketpath.store import Database
from ketpath.web.settings import Settings
from webtest import Account, settings_for, share_records

PER_REQUEST = 120


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, max_records_per_request=PER_REQUEST)


def _notes(count: int) -> list[dict[str, object]]:
    return [
        {
            "type": "note",
            "time": f"2026-05-{1 + i // 60:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z",
            "text": f"note {i}",
        }
        for i in range(count)
    ]


def _moods(count: int) -> list[dict[str, object]]:
    return [
        {"type": "mood", "time": f"2026-05-{1 + i // 60:02d}T10:{i % 60:02d}:00Z", "score": 5}
        for i in range(count)
    ]


def _held(db: Database, alice: Account) -> int:
    return len(person_entries(db, alice.person_name or ""))


def test_the_clinician_may_send_as_many_records_as_configured_not_a_hundred(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    response = bob.client.post(
        f"/api/v1/patients/{patient_id}/records", json=_notes(PER_REQUEST), headers=bob.api
    )
    assert response.status_code == 201, response.text
    assert response.json()["count"] == PER_REQUEST
    assert _held(db, alice) == PER_REQUEST


def test_both_apis_refuse_one_more_than_configured_with_the_same_422_and_store_nothing(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    expected = [
        {
            "loc": ["body"],
            "msg": f"at most {PER_REQUEST} records per request",
            "type": "value_error",
        }
    ]
    clinic = bob.client.post(
        f"/api/v1/patients/{patient_id}/records", json=_notes(PER_REQUEST + 1), headers=bob.api
    )
    own = alice.client.post("/api/v1/records", json=_moods(PER_REQUEST + 1), headers=alice.api)
    assert (clinic.status_code, clinic.json()["detail"]) == (422, expected)
    assert (own.status_code, own.json()["detail"]) == (422, expected)
    assert _held(db, alice) == 0


def test_both_apis_name_the_bad_record_by_its_index_and_field(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    notes = _notes(3)
    notes[1] = {**notes[1], "time": "not a time"}
    moods = _moods(3)
    moods[2] = {**moods[2], "score": 11}
    clinic = bob.client.post(f"/api/v1/patients/{patient_id}/records", json=notes, headers=bob.api)
    own = alice.client.post("/api/v1/records", json=moods, headers=alice.api)
    assert clinic.status_code == 422
    assert clinic.json()["detail"][0]["loc"] == ["body", 1, "time"]
    assert own.status_code == 422
    assert own.json()["detail"][0]["loc"] == ["body", 2, "score"]
    assert _held(db, alice) == 0
