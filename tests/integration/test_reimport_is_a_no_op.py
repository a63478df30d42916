"""Importing what a person already has stores nothing (issue 12, point 1), on both databases.

Re-importing one's own export once doubled every record and the assessment.
Records have ids now; these tests read the stored records back, not only
the counts reported.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from ketpath.cli import run
from ketpath.core.records import Record, parse_record
from ketpath.interop.jsonl import dumps_jsonl, parse_jsonl
from ketpath.services import (
    OPERATOR,
    ClinicRecordRefused,
    FutureRecordRefused,
    assess_person,
    export_records,
    import_records,
    log_record,
    person_entries,
)
from ketpath.services.fhir import export_fhir, import_fhir
from ketpath.store import Database

AS_OF = datetime(2026, 6, 30, 20, tzinfo=UTC)
USE_LINE = '{"type":"use","time":"2026-05-01T23:10:00+01:00","dose_mg":60,"route":"intranasal"}'


def stored(db: Database, name: str) -> list[str]:
    return sorted(dumps_jsonl([e.record]) for e in person_entries(db, name))


def test_reimporting_ones_own_export_stores_nothing_and_says_so(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    before = stored(db, "alice")
    assessed = assess_person(db, "alice", as_of=AS_OF).to_dict()
    exported = parse_jsonl(dumps_jsonl(export_records(db, "alice")).splitlines())
    result = import_records(db, "alice", exported)
    assert (result.count, result.already_present) == (0, len(alice_records))
    assert stored(db, "alice") == before
    assert assess_person(db, "alice", as_of=AS_OF).to_dict() == assessed


def test_the_same_hand_written_file_imported_twice_is_stored_once(db: Database) -> None:
    lines = [USE_LINE, USE_LINE, '{"type":"mood","time":"2026-05-02T09:00:00Z","score":4}']
    first = import_records(db, "kim", parse_jsonl(lines))
    second = import_records(db, "kim", parse_jsonl(lines))
    assert (first.count, first.already_present) == (3, 0)
    assert (second.count, second.already_present) == (0, 3)
    assert len(person_entries(db, "kim")) == 3  # the two identical uses are two uses


def test_a_record_id_is_unique_per_person_in_the_database(db: Database) -> None:
    record = parse_record({**json.loads(USE_LINE), "id": "one"})
    import_records(db, "kim", [record])
    with db.unit_of_work(write=True) as uow:
        person = uow.people.get("kim")
        assert person is not None
        with pytest.raises(IntegrityError):
            uow.records.add(person.id, record)
    import_records(db, "lee", [record])  # another person may hold the same id
    assert len(person_entries(db, "lee")) == 1


def test_a_clinic_screen_the_person_has_is_present_and_a_new_one_is_refused(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    exported = export_records(db, "alice")
    assert any(r.type == "drug-screen" for r in exported)
    assert import_records(db, "alice", exported).already_present == len(exported)
    new_screen = parse_record(
        {
            "type": "drug-screen",
            "time": "2026-06-01T10:00:00Z",
            "result": "negative",
            "method": "urine",
        }
    )
    with pytest.raises(ClinicRecordRefused, match="drug screens are entered by a clinician"):
        import_records(db, "alice", [*exported, new_screen])
    assert len(person_entries(db, "alice")) == len(exported)


def test_a_time_in_the_future_is_refused_on_import_and_when_logged(db: Database) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=35)).replace(microsecond=0)
    future = parse_record({"type": "use", "time": ahead.isoformat()})
    with pytest.raises(
        FutureRecordRefused, match="is in the future; ketpath keeps what has happened"
    ):
        import_records(db, "kim", [parse_record(json.loads(USE_LINE)), future])
    with pytest.raises(FutureRecordRefused, match=r"^line 1: time: "):
        log_record(db, "kim", future, create=True)
    with db.unit_of_work() as uow:
        assert uow.people.get("kim") is None  # nothing stored, not even the person


def test_reimporting_ones_own_fhir_export_stores_nothing(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    bundle = export_fhir(db, "alice")
    before = stored(db, "alice")
    result = import_fhir(db, "alice", json.dumps(bundle))
    assert result.count == 0 and result.already_present > 0
    assert stored(db, "alice") == before


def test_an_empty_fhir_export_reimports_as_zero_records(db: Database) -> None:
    import_records(
        db, "ana", [parse_record({"type": "profile", "sex": "male", "birth_year": 1988})]
    )
    bundle = export_fhir(db, "ana")
    result = import_fhir(db, "ben", json.dumps(bundle))
    (profile,) = [e.record for e in person_entries(db, "ben")]
    assert result.count == 1
    assert profile.model_dump(include={"type", "sex", "birth_year"}) == {
        "type": "profile",
        "sex": "male",
        "birth_year": 1988,
    }


def test_ketpath_export_piped_to_import_reports_every_record_present(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "one.jsonl"
    source.write_text(USE_LINE + "\n")
    assert run(["import", str(source), "--person", "sam", "--db", database_url]) == 0
    assert run(["import", str(source), "--person", "sam", "--db", database_url]) == 0
    assert "Imported 0 records for sam; 1 already present." in capsys.readouterr().err
    exported = tmp_path / "export.jsonl"
    assert run(["export", "--person", "sam", "--db", database_url, "-o", str(exported)]) == 0
    assert run(["import", str(exported), "--person", "sam", "--db", database_url]) == 0
    assert "; 1 already present." in capsys.readouterr().err
    fhir = tmp_path / "export.json"
    assert run(["export", "--fhir", "--person", "sam", "--db", database_url, "-o", str(fhir)]) == 0
    assert run(["import", str(fhir), "--person", "sam", "--db", database_url]) == 0
    assert "Imported 0 records for sam." in capsys.readouterr().err
    assert run(["export", "--person", "sam", "--db", database_url]) == 0
    assert capsys.readouterr().out == exported.read_text()


TIMES = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 1), timezones=st.just(UTC)
)
RECORDS = st.lists(
    st.one_of(
        st.builds(
            lambda t, dose: {"type": "use", "time": t.isoformat(), "dose_mg": dose},
            TIMES,
            st.integers(min_value=1, max_value=300),
        ),
        st.builds(
            lambda t, n: {"type": "craving", "time": t.isoformat(), "intensity": n},
            TIMES,
            st.integers(min_value=0, max_value=10),
        ),
        st.builds(
            lambda t, n: {"type": "mood", "time": t.isoformat(), "score": n},
            TIMES,
            st.integers(min_value=0, max_value=10),
        ),
    ),
    max_size=12,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=RECORDS, rounds=st.integers(min_value=1, max_value=3))
def test_export_then_import_any_number_of_times_changes_nothing(
    db: Database, records: list[dict[str, object]], rounds: int
) -> None:
    name = f"p-{uuid.uuid4().hex[:8]}"
    import_records(db, name, [parse_record(r) for r in records])
    before = stored(db, name)
    assessed = assess_person(db, name, as_of=AS_OF).to_dict()
    for _ in range(rounds):
        text = dumps_jsonl(export_records(db, name))
        result = import_records(db, name, parse_jsonl(text.splitlines()))
        assert (result.count, result.already_present) == (0, len(records))
    assert stored(db, name) == before
    assert assess_person(db, name, as_of=AS_OF).to_dict() == assessed
