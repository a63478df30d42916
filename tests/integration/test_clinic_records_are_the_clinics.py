"""Issue 11, point 1: drug screens and a clinician's notes are the clinic's, on every write path.

Every record stores who entered it (account and role); a person's entry
points refuse clinic kinds, all or nothing; clinic records are read-only to
the person; and every deletion or correction is audited with the record's id
and type, never its content. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ketpath.cli import run
from ketpath.core.records import Record, is_clinic_record, parse_record
from ketpath.services import (
    OPERATOR,
    Author,
    ClinicRecordReadOnly,
    ClinicRecordRefused,
    Database,
    delete_record,
    import_records,
    log_record,
    open_database,
    person_entries,
)
from ketpath.services.accounts import User
from ketpath.services.audit import list_entries, verify_chain
from ketpath.services.consent import add_patient_records, create_share, redeem_code
from ketpath.services.editing import replace_record
from ketpath.services.writes import store_records

SCREEN = {
    "type": "drug-screen",
    "time": "2026-05-20T10:00:00+00:00",
    "result": "positive",
    "method": "urine",
}
CLINICIAN_NOTE = {
    "type": "note",
    "time": "2026-05-20T10:05:00+00:00",
    "text": "seen today",
    "author_role": "clinician",
}
OWN_NOTE = {**CLINICIAN_NOTE, "text": "I disagree with that screen", "author_role": "person"}
MOOD = {"type": "mood", "time": "2026-05-20T09:00:00+00:00", "score": 6}
FOLLOW_UP = {
    "type": "follow-up",
    "time": "2026-05-21T09:00:00+00:00",
    "flag": "blood-in-urine",
    "outcome": "seen-by-doctor",
}


def _records(*items: Mapping[str, object]) -> list[Record]:
    return [parse_record(item) for item in items]


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db: Database, alice: User, make_user: Callable[..., User]) -> User:
    """Alice's clinician, with her consent."""
    clinician = make_user("bob", role="clinician")
    redeem_code(db, clinician=clinician, code=create_share(db, user=alice).code)
    return clinician


def _patient_id(db: Database, user: User) -> int:
    with db.unit_of_work() as uow:
        person = uow.people.get(user.person_name or "")
        assert person is not None
        return person.id


def _name(user: User) -> str:
    assert user.person_name is not None
    return user.person_name


def test_every_record_remembers_which_account_entered_it_and_in_which_role(
    db: Database, alice: User, bob: User
) -> None:
    [mood_id] = store_records(db, _name(alice), _records(MOOD), author=Author(user_id=alice.id))
    [screen_id] = add_patient_records(
        db, clinician=bob, patient_id=_patient_id(db, alice), records=_records(SCREEN)
    )
    restored = import_records(db, "restored", _records(SCREEN), author=OPERATOR)
    by_id = {entry.id: entry for entry in person_entries(db, _name(alice))}
    assert (by_id[mood_id].created_by, by_id[mood_id].created_role) == (alice.id, "person")
    assert (by_id[screen_id].created_by, by_id[screen_id].created_role) == (bob.id, "clinician")
    [backup] = person_entries(db, restored.person)
    assert (backup.created_by, backup.created_role) == (None, "operator")


@pytest.mark.parametrize(
    ("clinic_record", "field"), [(SCREEN, "type"), (CLINICIAN_NOTE, "author_role")]
)
def test_a_person_cannot_enter_a_clinic_record_on_any_path_and_nothing_is_stored(
    db: Database, alice: User, clinic_record: dict[str, object], field: str
) -> None:
    name = _name(alice)
    batch = _records(MOOD, MOOD, clinic_record)
    with pytest.raises(ClinicRecordRefused) as refused:
        import_records(db, name, batch)
    assert str(refused.value).startswith(f"line 3: {field}: ")
    assert "entered by" in str(refused.value)
    with pytest.raises(ClinicRecordRefused) as through_the_api:
        store_records(db, name, batch, author=Author(user_id=alice.id))
    assert (through_the_api.value.index, through_the_api.value.field) == (2, field)
    with pytest.raises(ClinicRecordRefused):
        log_record(db, name, batch[2], create=True)
    assert person_entries(db, name) == []


def test_a_person_may_enter_their_own_notes_and_follow_ups(db: Database, alice: User) -> None:
    result = import_records(db, _name(alice), _records(OWN_NOTE, FOLLOW_UP))
    assert result.count == 2


def test_a_person_cannot_delete_or_correct_the_clinics_records(
    db: Database, alice: User, bob: User
) -> None:
    ids = add_patient_records(
        db,
        clinician=bob,
        patient_id=_patient_id(db, alice),
        records=_records(SCREEN, CLINICIAN_NOTE),
    )
    for record_id in ids:
        with pytest.raises(ClinicRecordReadOnly, match="entered by your clinic"):
            delete_record(db, _name(alice), record_id, by=alice)
        with pytest.raises(ClinicRecordReadOnly):
            replace_record(db, _name(alice), record_id, _records(MOOD)[0], by=alice)
    assert [entry.id for entry in person_entries(db, _name(alice))] == ids


def test_a_clinic_record_restored_by_an_operator_is_read_only_to_the_person_too(
    db: Database, alice: User
) -> None:
    import_records(db, _name(alice), _records(SCREEN, MOOD), author=OPERATOR)
    screen, mood = person_entries(db, _name(alice))[::-1]  # the mood is earlier
    assert is_clinic_record(screen.record)
    with pytest.raises(ClinicRecordReadOnly):
        delete_record(db, _name(alice), screen.id, by=alice)
    delete_record(db, _name(alice), mood.id, by=alice)  # her own kind stays hers
    assert [entry.id for entry in person_entries(db, _name(alice))] == [screen.id]


def test_deleting_and_correcting_her_own_records_is_audited_without_their_content(
    db: Database, alice: User
) -> None:
    import_records(db, _name(alice), _records(MOOD, OWN_NOTE))
    first, second = [entry.id for entry in person_entries(db, _name(alice))]
    delete_record(db, _name(alice), first, by=alice)
    new_id = replace_record(db, _name(alice), second, _records(MOOD)[0], by=alice)
    rows = [e for e in list_entries(db, person_name=_name(alice)) if e.action.endswith("-record")]
    assert [(e.action, e.actor_email, e.detail) for e in rows] == [
        ("delete-record", alice.email, {"record_id": first, "type": "mood"}),
        (
            "replace-record",
            alice.email,
            {"record_id": second, "type": "note", "replaced_by": new_id},
        ),
    ]
    assert "disagree" not in str([e.to_dict() for e in rows])
    assert verify_chain(db).ok


def test_the_clinicians_records_are_stored_as_theirs(db: Database, alice: User, bob: User) -> None:
    add_patient_records(
        db, clinician=bob, patient_id=_patient_id(db, alice), records=_records(CLINICIAN_NOTE)
    )
    [note] = person_entries(db, _name(alice))
    assert (note.created_by, note.created_role) == (bob.id, "clinician")


def test_ketpath_import_refuses_clinic_records_unless_an_operator_restores_a_backup(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "backup.jsonl"
    backup.write_text(
        '{"type":"mood","time":"2026-05-20T09:00:00+00:00","score":6}\n\n'
        '{"type":"drug-screen","time":"2026-05-20T10:00:00+00:00","result":"negative","method":"urine"}\n',
        encoding="utf-8",
    )
    assert run(["import", str(backup), "--person", "sam", "--db", database_url]) == 2
    message = capsys.readouterr().err
    assert "line 3: type: drug screens are entered by a clinician" in message
    assert "--clinic-records" in message
    with open_database(database_url) as db:
        assert db.engine.dialect.name in {"sqlite", "postgresql"}
        with db.unit_of_work() as uow:
            assert uow.people.get("sam") is None
    assert (
        run(["import", str(backup), "--person", "sam", "--clinic-records", "--db", database_url])
        == 0
    )
    with open_database(database_url) as db:
        roles = sorted(entry.created_role for entry in person_entries(db, "sam"))
    assert roles == ["operator", "operator"]


def test_ketpath_import_help_tells_the_operator_about_clinic_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["import", "--help"]) == 0
    assert "--clinic-records" in capsys.readouterr().out
