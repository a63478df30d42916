"""The import page stores what she does not have yet (issue 12, point 1).

Importing the same file twice, or her own JSONL or FHIR download, once
stored every record again and doubled her assessment. Now each record has an
id (a file's lines without one get their content's), the page stores only the
ids she lacks and says how many were already present.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from histories import without_ids
from ketpath.core.records import Profile, Questionnaire, Record
from ketpath.services import person_records
from ketpath.store import Database
from webtest import Account

AS_OF = {"as_of": "2026-05-14T12:00:00+01:00"}


def _her_file(alice_history: str) -> bytes:
    """Alice's history as she may import it herself: without the clinic's drug screen."""
    lines = [line for line in alice_history.splitlines() if '"drug-screen"' not in line]
    return "".join(f"{line}\n" for line in lines).encode()


def _import(client: TestClient, filename: str, content: bytes) -> Any:
    response = client.post("/import", files={"file": (filename, content)})
    assert response.status_code == 200, response.text
    return response


def _stored(db: Database, account: Account) -> list[Record]:
    assert account.person_name is not None
    return person_records(db, account.person_name)


def test_uploading_the_same_file_twice_stores_it_once(
    alice: Account, client: TestClient, db: Database, alice_history: str
) -> None:
    file = _her_file(alice_history)
    first = _import(client, "history.jsonl", file)
    assert "Imported 23 records." in first.text
    stored = _stored(db, alice)
    assert len(stored) == 23
    again = _import(client, "history.jsonl", file)
    assert "Imported 0 records; 23 already present, not stored again." in again.text
    assert _stored(db, alice) == stored


def test_uploading_the_same_csv_twice_stores_it_once(
    alice: Account, client: TestClient, db: Database
) -> None:
    text = "time,dose_mg\n2026-05-01T23:10:00+01:00,60\n2026-05-01T23:10:00+01:00,60\n"
    assert "Imported 2 records." in _import(client, "uses.csv", text.encode()).text
    again = _import(client, "uses.csv", text.encode())
    assert "Imported 0 records; 2 already present, not stored again." in again.text
    assert len(_stored(db, alice)) == 2  # two identical lines are two uses, kept both times


def test_reimporting_her_own_jsonl_export_stores_nothing_and_leaves_the_assessment(
    alice: Account, client: TestClient, db: Database, alice_history: str
) -> None:
    _import(client, "history.jsonl", _her_file(alice_history))
    stored = _stored(db, alice)
    assessment = client.get("/api/v1/assessment", params=AS_OF, headers=alice.api).json()
    export = client.get("/export/records.jsonl")
    assert export.status_code == 200
    response = _import(client, "ketpath-records.jsonl", export.content)
    assert "Imported 0 records; 23 already present, not stored again." in response.text
    assert _stored(db, alice) == stored
    assert client.get("/api/v1/assessment", params=AS_OF, headers=alice.api).json() == assessment


def test_uploading_her_own_fhir_export_is_read_and_stores_nothing_new(
    alice: Account, client: TestClient, db: Database, alice_history: str
) -> None:
    _import(client, "history.jsonl", _her_file(alice_history))
    stored = _stored(db, alice)
    bundle = client.get("/export/fhir.json")
    assert bundle.status_code == 200
    response = _import(client, "ketpath-fhir.json", bundle.content)
    # Her profile (the Patient's sex and birth year) and her two questionnaires.
    assert "Imported 0 records; 3 already present, not stored again." in response.text
    assert _stored(db, alice) == stored


def test_her_fhir_export_uploaded_to_a_new_account_brings_her_questionnaires_and_profile(
    alice: Account, charlie: Account, client: TestClient, db: Database, alice_history: str
) -> None:
    _import(client, "history.jsonl", _her_file(alice_history))
    bundle = client.get("/export/fhir.json").content
    response = charlie.client.post("/import", files={"file": ("ketpath-fhir.json", bundle)})
    assert response.status_code == 200, response.text
    assert "Imported 3 records." in response.text
    copied = _stored(db, charlie)
    questionnaires = [r for r in _stored(db, alice) if isinstance(r, Questionnaire)]
    assert without_ids(r for r in copied if isinstance(r, Questionnaire)) == without_ids(
        questionnaires
    )
    [profile] = [r for r in copied if isinstance(r, Profile)]
    assert (profile.sex, profile.birth_year) == ("female", 1998)
