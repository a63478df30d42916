"""Quick logging: every kind of entry in a tap or two, then edit and delete from /history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketpath.core.records import Craving, Goal, Impact, Mood, Symptom, Use, parse_record
from ketpath.services import log_record, person_entries, person_records
from ketpath.store import Database


def test_one_tap_logs_a_use_now_with_nothing_else_filled(
    alice: Any, client: TestClient, db: Database
) -> None:
    before = datetime.now(UTC)
    response = client.post("/log/use", data={}, follow_redirects=False)
    assert response.status_code == 303
    (entry,) = person_entries(db, alice.person_name)
    # back to the log, naming the entry just saved so its toast can offer Undo
    assert response.headers["location"] == f"/log?saved=1&entry={entry.id}"
    (use,) = person_records(db, alice.person_name)
    assert isinstance(use, Use)
    assert use.dose_mg is None
    assert before - timedelta(seconds=5) <= use.time <= datetime.now(UTC) + timedelta(seconds=5)


def test_the_log_page_remembers_the_last_route_and_setting(
    alice: Any, client: TestClient, db: Database
) -> None:
    client.post("/log/use", data={"route": "oral", "setting": "club", "dose_mg": "40"})
    page = client.get("/log").text
    assert '<option value="oral" selected>' in page
    assert '<option value="club" selected>' in page


def test_it_logs_a_full_use(alice: Any, client: TestClient, db: Database) -> None:
    client.post(
        "/log/use",
        data={
            "route": "intranasal",
            "setting": "party",
            "motive": "social",
            "co_use": ["alcohol", "mdma"],
            "dose_mg": "62.5",
            "note": "café ☕",
            "time": "2026-05-01T23:10",
        },
    )
    (use,) = person_records(db, alice.person_name)
    assert isinstance(use, Use)
    assert (use.dose_mg, use.route, use.setting, use.motive) == (
        62.5,
        "intranasal",
        "party",
        "social",
    )
    assert use.co_use == ("alcohol", "mdma")
    assert use.note == "café ☕"
    assert use.time == datetime(2026, 5, 1, 23, 10, tzinfo=UTC)  # no profile zone: UTC


def test_a_typed_time_is_read_in_the_profile_time_zone(
    alice: Any, client: TestClient, db: Database
) -> None:
    log_record(
        db, alice.person_name, parse_record({"type": "profile", "timezone": "Europe/London"})
    )
    client.post("/log/mood", data={"score": "4", "time": "2026-05-01T23:10"})
    mood = person_records(db, alice.person_name)[-1]
    assert isinstance(mood, Mood)
    assert mood.time.isoformat() == "2026-05-01T23:10:00+01:00"


def test_it_logs_craving_mood_impact_goal_and_symptom(
    alice: Any, client: TestClient, db: Database
) -> None:
    client.post("/log/craving", data={"intensity": "7", "trigger": "payday"})
    client.post("/log/mood", data={"score": "3"})
    client.post("/log/impact", data={"kind": "money"})
    client.post("/log/goal", data={"goal": "stop", "until": "2027-01-31"})
    client.post("/log/symptom", data={"symptom": "bladder-pain", "severity": "2"})
    records = person_records(db, alice.person_name)
    kinds = {type(record) for record in records}
    assert kinds == {Craving, Mood, Impact, Goal, Symptom}
    craving = next(r for r in records if isinstance(r, Craving))
    assert (craving.intensity, craving.trigger) == (7, "payday")


def test_a_bad_entry_is_refused_with_the_field_named_and_nothing_stored(
    alice: Any, client: TestClient, db: Database
) -> None:
    response = client.post("/log/craving", data={"intensity": "11"})
    assert response.status_code == 422
    assert "intensity" in response.text
    assert "Not saved." in response.text
    assert person_records(db, alice.person_name) == []
    unknown = client.post("/log/symptom", data={"symptom": "headache", "severity": "1"})
    assert unknown.status_code == 422
    assert "symptom" in unknown.text


def test_an_unknown_kind_of_entry_is_not_found(alice: Any, client: TestClient) -> None:
    assert client.post("/log/profile", data={}).status_code == 404


def test_she_edits_a_record(alice: Any, client: TestClient, db: Database) -> None:
    client.post("/log/craving", data={"intensity": "4", "time": "2026-05-01T10:00"})
    (entry,) = person_entries(db, alice.person_name)
    form = client.get(f"/records/{entry.id}/edit")
    assert form.status_code == 200
    assert 'value="4"' in form.text
    response = client.post(
        f"/records/{entry.id}",
        data={"intensity": "9", "time": "2026-05-01T10:00"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (edited,) = person_records(db, alice.person_name)
    assert isinstance(edited, Craving)
    assert edited.intensity == 9


def test_a_bad_edit_keeps_the_old_record(alice: Any, client: TestClient, db: Database) -> None:
    client.post("/log/mood", data={"score": "5"})
    (entry,) = person_entries(db, alice.person_name)
    response = client.post(f"/records/{entry.id}", data={"score": "12", "time": "2026-05-01T10:00"})
    assert response.status_code == 422
    assert [e.record for e in person_entries(db, alice.person_name)] == [entry.record]


def test_she_deletes_a_record_after_confirming(
    alice: Any, client: TestClient, db: Database
) -> None:
    client.post("/log/mood", data={"score": "5"})
    (entry,) = person_entries(db, alice.person_name)
    confirm = client.get(f"/records/{entry.id}/delete")
    assert confirm.status_code == 200
    assert '<span class="entry-type">Mood</span>' in confirm.text
    assert "<p>5 of 10</p>" in confirm.text
    assert len(person_entries(db, alice.person_name)) == 1  # asking deletes nothing
    response = client.post(f"/records/{entry.id}/delete", follow_redirects=False)
    assert response.status_code == 303
    assert person_records(db, alice.person_name) == []


def test_nobody_else_can_see_edit_or_delete_her_records(
    alice: Any, charlie: Any, client: TestClient, db: Database
) -> None:
    client.post("/log/craving", data={"intensity": "6", "trigger": "alice-only-trigger"})
    (entry,) = person_entries(db, alice.person_name)
    other = charlie.client
    assert other.get(f"/records/{entry.id}/edit").status_code == 404
    assert other.get(f"/records/{entry.id}/delete").status_code == 404
    assert other.post(f"/records/{entry.id}", data={"intensity": "1"}).status_code == 404
    assert other.post(f"/records/{entry.id}/delete").status_code == 404
    assert "alice-only-trigger" not in other.get("/history").text
    assert "alice-only-trigger" not in other.get("/log").text
    assert len(person_entries(db, alice.person_name)) == 1
