"""What a clinic and a person see of each other's entries (issue 12, point 2).

Bob (Alice's clinician) adds drug screens with no default result, back-dated
if need be, and corrects his own entries, audited; Alice sees the clinic's
entries on History with what they say, cannot delete them, and may dispute
one with a note that Bob sees next to the entry.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ketpath.core.records import DrugScreen, Note
from ketpath.services import person_entries
from ketpath.services.audit import list_entries
from ketpath.store import Database, StoredRecord
from webtest import Account, share_records


def _entries(db: Database, alice: Account, kind: str) -> list[StoredRecord]:
    return [e for e in person_entries(db, alice.person_name or "") if e.record.type == kind]


@pytest.fixture
def patient_id(alice: Account, bob: Account) -> int:
    return share_records(alice, bob).patient_id


def _add_screen(bob: Account, patient_id: int, **form: str) -> None:
    response = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine", **form},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


def test_the_screen_form_makes_the_clinician_choose_a_result(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    page = bob.client.get(f"/patients/{patient_id}").text
    select = re.search(r'<select id="result"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert '<option value="" selected>Choose the result</option>' in select.group(1)
    refused = bob.client.post(
        f"/patients/{patient_id}/drug-screens", data={"result": "", "method": "urine"}
    )
    assert refused.status_code == 422
    assert "Not saved: result: choose negative, positive or invalid" in refused.text
    assert _entries(db, alice, "drug-screen") == []


def test_a_screen_can_be_back_dated_but_not_dated_ahead(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    _add_screen(bob, patient_id, time="2026-03-02T09:30")
    [screen] = _entries(db, alice, "drug-screen")
    assert isinstance(screen.record, DrugScreen)
    assert screen.record.time == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    ahead = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "negative", "method": "urine", "time": "2199-01-01T09:30"},
    )
    assert ahead.status_code == 422
    assert "is in the future" in ahead.text
    assert len(_entries(db, alice, "drug-screen")) == 1


def test_the_clinician_corrects_his_screen_and_the_correction_is_audited(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    _add_screen(bob, patient_id, time="2026-03-02T09:30")
    [screen] = _entries(db, alice, "drug-screen")
    page = bob.client.get(f"/patients/{patient_id}").text
    correct_url = f"/patients/{patient_id}/records/{screen.id}/correct"
    assert f'href="{correct_url}"' in page
    form = bob.client.get(correct_url)
    assert form.status_code == 200
    assert 'value="2026-03-02T09:30"' in form.text
    saved = bob.client.post(
        correct_url,
        data={"result": "negative", "method": "saliva", "time": "2026-03-01T16:00"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:500]
    [corrected] = _entries(db, alice, "drug-screen")
    assert isinstance(corrected.record, DrugScreen)
    record = corrected.record
    assert (record.time, record.result, record.method) == (
        datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
        "negative",
        "saliva",
    )
    assert (corrected.created_role, corrected.created_by) == ("clinician", bob.user_id)
    [row] = [e for e in list_entries(db) if e.action == "correct-record"]
    assert row.detail == {
        "record_id": screen.id,
        "replaced_by": corrected.id,
        "type": "drug-screen",
    }
    assert row.actor_email == bob.email
    sharing = alice.client.get("/sharing").text
    assert "corrected a drug screen (now negative)" in sharing


def test_a_correction_has_no_default_result_either(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    _add_screen(bob, patient_id)
    [screen] = _entries(db, alice, "drug-screen")
    url = f"/patients/{patient_id}/records/{screen.id}/correct"
    refused = bob.client.post(url, data={"method": "urine", "time": "2026-03-01T16:00"})
    assert refused.status_code == 422
    assert "choose negative, positive or invalid" in refused.text
    assert _entries(db, alice, "drug-screen") == [screen]


def test_the_clinician_corrects_his_note_text(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    added = bob.client.post(
        f"/patients/{patient_id}/notes", data={"text": "Seen on Monday"}, follow_redirects=False
    )
    assert added.status_code == 303
    [note] = _entries(db, alice, "note")
    url = f"/patients/{patient_id}/records/{note.id}/correct"
    assert "Seen on Monday" in bob.client.get(url).text
    saved = bob.client.post(url, data={"text": "Seen on Tuesday", "time": "2026-03-03T10:00"})
    assert saved.status_code == 200  # followed to the patient page
    assert "Corrected." in saved.text
    [corrected] = _entries(db, alice, "note")
    assert isinstance(corrected.record, Note)
    assert corrected.record.text == "Seen on Tuesday"


def test_only_the_clinician_who_entered_it_may_correct_it(
    alice: Account,
    bob: Account,
    patient_id: int,
    db: Database,
    dana: Account,
) -> None:
    dana_patient = share_records(alice, dana).patient_id
    _add_screen(bob, patient_id)
    [screen] = _entries(db, alice, "drug-screen")
    url = f"/patients/{dana_patient}/records/{screen.id}/correct"
    assert dana.client.get(url).status_code == 404
    form = {"result": "negative", "method": "urine", "time": "2026-03-01T16:00"}
    assert dana.client.post(url, data=form).status_code == 404
    # Nor Alice's own records, by Bob.
    use = alice.client.post("/log/use", data={}, follow_redirects=False)
    assert use.status_code == 303
    [own] = _entries(db, alice, "use")
    mine = f"/patients/{patient_id}/records/{own.id}/correct"
    assert bob.client.get(mine).status_code == 404
    assert _entries(db, alice, "drug-screen") == [screen]


def test_history_shows_the_clinics_entries_with_what_they_say(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    _add_screen(bob, patient_id, time="2026-03-02T09:30")
    bob.client.post(f"/patients/{patient_id}/notes", data={"text": "Referred to urology."})
    [screen] = _entries(db, alice, "drug-screen")
    history = alice.client.get("/history").text
    assert "Drug screen: positive (urine), entered by your clinic" in history
    assert "Referred to urology., entered by your clinic" in history
    assert f'href="/records/{screen.id}/dispute"' in history
    assert f'href="/records/{screen.id}/delete"' not in history


def test_she_disputes_the_clinics_screen_and_the_clinician_sees_it_next_to_it(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    _add_screen(bob, patient_id, time="2026-03-02T09:30")
    [screen] = _entries(db, alice, "drug-screen")
    form = alice.client.get(f"/records/{screen.id}/dispute")
    assert form.status_code == 200
    assert "Drug screen: positive (urine), entered by your clinic" in form.text
    sent = alice.client.post(
        f"/records/{screen.id}/dispute",
        data={"text": "I took codeine for a toothache that week."},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    [note] = _entries(db, alice, "note")
    assert isinstance(note.record, Note)
    assert (note.record.author_role, note.record.about) == ("person", screen.record.id)
    assert note.created_role == "person"
    assert _entries(db, alice, "drug-screen") == [screen]  # the screen stands
    history = alice.client.get("/history").text
    assert "You disputed this:</strong> I took codeine for a toothache that week." in history
    page = bob.client.get(f"/patients/{patient_id}").text
    entry = re.search(rf'<li id="clinic-record-{screen.id}">(.*?)</li>', page, re.S)
    assert entry is not None
    assert "Positive (urine)" in entry.group(1)
    assert "Disputed by the person" in entry.group(1)
    assert "I took codeine for a toothache that week." in entry.group(1)


def test_she_cannot_dispute_her_own_records_or_send_an_empty_note(
    alice: Account, bob: Account, patient_id: int, db: Database
) -> None:
    assert alice.client.post("/log/use", data={}, follow_redirects=False).status_code == 303
    [own] = _entries(db, alice, "use")
    assert alice.client.get(f"/records/{own.id}/dispute").status_code == 404
    assert alice.client.post(f"/records/{own.id}/dispute", data={"text": "x"}).status_code == 404
    _add_screen(bob, patient_id)
    [screen] = _entries(db, alice, "drug-screen")
    empty = alice.client.post(f"/records/{screen.id}/dispute", data={"text": "  "})
    assert empty.status_code == 422
    assert _entries(db, alice, "note") == []
