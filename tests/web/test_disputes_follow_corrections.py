"""A dispute names the entry's stable id and stays beside it through a correction (issue 12, point 2).

A note disputing a clinic entry held the entry's storage row; a clinician's
correction stores a new row, so the dispute then read "since corrected or
removed" and hung detached from the entry it was about. Now the note names
the record's ``id``, a correction keeps that id, and both sides see the
dispute beside the current version, saying the clinic corrected it after the
note. Stored rows and the export are checked, not only the pages.
"""

from __future__ import annotations

import json
import re

import pytest

from ketpath.core.records import DrugScreen, Note
from ketpath.services import person_entries
from ketpath.store import Database, StoredRecord
from webtest import Account

DISPUTE = "I took codeine for a toothache that week."


def _entries(db: Database, alice: Account, kind: str) -> list[StoredRecord]:
    return [e for e in person_entries(db, alice.person_name or "") if e.record.type == kind]


@pytest.fixture
def patient_id(alice: Account, bob: Account) -> int:
    code = alice.client.post("/api/v1/shares", headers=alice.api).json()["code"]
    redeemed = bob.client.post("/api/v1/shares/redeem", json={"code": code}, headers=bob.api)
    patient: int = redeemed.json()["patient_id"]
    return patient


@pytest.fixture
def screen(alice: Account, bob: Account, patient_id: int, db: Database) -> StoredRecord:
    bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine", "time": "2026-03-02T09:30"},
    )
    [stored] = _entries(db, alice, "drug-screen")
    return stored


def _dispute(alice: Account, screen: StoredRecord) -> None:
    sent = alice.client.post(
        f"/records/{screen.id}/dispute", data={"text": DISPUTE}, follow_redirects=False
    )
    assert sent.status_code == 303


def _correct(bob: Account, patient_id: int, row_id: int) -> None:
    saved = bob.client.post(
        f"/patients/{patient_id}/records/{row_id}/correct",
        data={"result": "positive", "method": "saliva", "time": "2026-03-01T16:00"},
        follow_redirects=False,
    )
    assert saved.status_code == 303


def _history_entry(alice: Account, row_id: int) -> str:
    page = alice.client.get("/history").text
    found = re.search(rf'<li class="entry card" id="record-{row_id}">(.*?)</li>', page, re.S)
    assert found is not None
    return found.group(1)


def _clinician_entry(bob: Account, patient_id: int, row_id: int) -> str:
    page = bob.client.get(f"/patients/{patient_id}").text
    found = re.search(rf'<li id="clinic-record-{row_id}">(.*?)</li>', page, re.S)
    assert found is not None
    return found.group(1)


def test_the_dispute_names_the_records_id_not_its_storage_row(
    alice: Account, screen: StoredRecord, db: Database
) -> None:
    _dispute(alice, screen)
    [note] = _entries(db, alice, "note")
    assert isinstance(note.record, Note)
    assert screen.record.id is not None
    assert note.record.about == screen.record.id
    exported = alice.client.get("/export/records.jsonl").text
    [line] = [json.loads(line) for line in exported.splitlines() if '"note"' in line]
    assert line["about"] == screen.record.id


def test_a_correction_keeps_the_records_id(
    alice: Account, bob: Account, patient_id: int, screen: StoredRecord, db: Database
) -> None:
    _correct(bob, patient_id, screen.id)
    [corrected] = _entries(db, alice, "drug-screen")
    assert corrected.record.id == screen.record.id
    assert isinstance(corrected.record, DrugScreen) and corrected.record.method == "saliva"


def test_after_a_correction_both_sides_see_the_dispute_beside_the_corrected_entry(
    alice: Account, bob: Account, patient_id: int, screen: StoredRecord, db: Database
) -> None:
    _dispute(alice, screen)
    _correct(bob, patient_id, screen.id)
    [corrected] = _entries(db, alice, "drug-screen")
    [note] = _entries(db, alice, "note")
    assert isinstance(note.record, Note) and note.record.about == corrected.record.id

    hers = _history_entry(alice, corrected.id)
    assert "Drug screen: positive (saliva), entered by your clinic" in hers
    assert (
        f"You disputed this:</strong> {DISPUTE}"
        " <em>Your clinic corrected this entry after your note.</em>"
    ) in hers
    note_row = _history_entry(alice, note.id)
    assert "You dispute the clinic&#39;s drug screen of Sun 01 Mar 2026, 16:00," in note_row
    assert (
        "which the clinic corrected after this note: " + DISPUTE.replace("'", "&#39;") in note_row
    )
    assert "since" not in alice.client.get("/history").text

    his = _clinician_entry(bob, patient_id, corrected.id)
    assert "Positive (saliva)" in his
    assert "Disputed by the person" in his
    assert "the clinic corrected the entry after this note" in his and DISPUTE in his
    assert "since removed" not in bob.client.get(f"/patients/{patient_id}").text


def test_a_dispute_written_after_the_correction_does_not_say_corrected_after(
    alice: Account, bob: Account, patient_id: int, screen: StoredRecord, db: Database
) -> None:
    _correct(bob, patient_id, screen.id)
    [corrected] = _entries(db, alice, "drug-screen")
    _dispute(alice, corrected)
    hers = _history_entry(alice, corrected.id)
    assert f"You disputed this:</strong> {DISPUTE}</p>" in hers
    his = _clinician_entry(bob, patient_id, corrected.id)
    assert DISPUTE in his and "corrected the entry after" not in his
