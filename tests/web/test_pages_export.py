"""Export (JSONL, FHIR) and import (JSONL, CSV), all or nothing with the problem shown."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from histories import jsonl_without_ids
from ketpath.core.records import Record, is_clinic_record, with_content_ids
from ketpath.interop.jsonl import dumps_jsonl
from ketpath.services import OPERATOR, import_records, person_records
from ketpath.store import Database


def test_jsonl_export_downloads_her_records_exactly(
    alice: Any, client: TestClient, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    response = client.get("/export/records.jsonl")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    # Byte for byte, but for the id each record was given when it was imported.
    assert jsonl_without_ids(response.text) == dumps_jsonl(alice_records)
    assert response.text == dumps_jsonl(with_content_ids(alice_records))


def test_fhir_export_is_a_bundle_without_her_name(
    alice: Any, client: TestClient, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    response = client.get("/export/fhir.json")
    bundle = json.loads(response.text)
    assert bundle["resourceType"] == "Bundle"
    assert alice.person_name not in response.text
    assert alice.email not in response.text


def test_export_then_import_round_trips(
    alice: Any, charlie: Any, client: TestClient, db: Database, alice_records: list[Record]
) -> None:
    own = [record for record in alice_records if not is_clinic_record(record)]
    import_records(db, alice.person_name, own)
    exported = client.get("/export/records.jsonl").content
    response = charlie.client.post("/import", files={"file": ("mine.jsonl", exported)})
    assert response.status_code == 200
    assert f"Imported {len(own)} records" in response.text
    assert dumps_jsonl(person_records(db, charlie.person_name)) == exported.decode()


def test_a_bad_line_rejects_the_whole_file_and_says_where(
    alice: Any, client: TestClient, db: Database
) -> None:
    good = '{"type":"mood","time":"2026-05-01T10:00:00+01:00","score":4}\n'
    bad = '{"type":"craving","time":"2026-05-02T10:00:00+01:00","intensity":12}\n'
    response = client.post("/import", files={"file": ("h.jsonl", (good + bad).encode())})
    assert response.status_code == 422
    assert (
        "Nothing was imported. Line 2: intensity: must be at most 10 (it was 12)" in response.text
    )
    assert person_records(db, alice.person_name) == []


def test_csv_of_uses_is_imported(alice: Any, client: TestClient, db: Database) -> None:
    text = "time,dose_mg,route,co_use\n2026-05-01T23:10:00+01:00,60,intranasal,alcohol;mdma\n"
    response = client.post("/import", files={"file": ("uses.csv", text.encode())})
    assert "Imported 1 record" in response.text
    (use,) = person_records(db, alice.person_name)
    assert use.type == "use"


def test_a_bad_csv_names_the_line(alice: Any, client: TestClient) -> None:
    text = "time,dose_mg\n2026-05-01T23:10:00+01:00,60\n2026-05-02T23:10:00+01:00,lots\n"
    response = client.post("/import", files={"file": ("uses.csv", text.encode())})
    assert response.status_code == 422
    assert (
        "Nothing was imported. Line 3: dose_mg: must be a number (it was &#39;lots&#39;)"
        in response.text
    )


def test_import_without_a_file_is_explained(alice: Any, client: TestClient) -> None:
    response = client.post("/import", data={})
    assert response.status_code == 422
    assert "Choose a .jsonl, .csv or FHIR .json file to import." in response.text


def test_her_export_never_holds_another_persons_records(
    alice: Any, charlie: Any, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    assert charlie.client.get("/export/records.jsonl").text == ""
