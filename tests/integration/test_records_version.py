"""Every change to a person's records bumps ``records_version``, so cached histories stay true.

The dashboard reads a person's history from ``db.histories`` when it is
current; these tests change the records every way the services can and check
that the next read shows the change, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from histories import without_ids
from ketpath.core.records import Record, RecordError, parse_record
from ketpath.services import delete_record, import_records, log_record, person_entries
from ketpath.services.editing import replace_record
from ketpath.services.writes import store_records
from ketpath.store import Database, open_database


def _craving(intensity: int) -> Record:
    return parse_record(
        {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": intensity}
    )


def _version(db: Database, name: str) -> int:
    with db.unit_of_work() as uow:
        person = uow.people.get(name)
        assert person is not None
        return person.records_version


def _history(db: Database) -> list[Record]:
    """Her records as they read, without the ids storing gave them."""
    return without_ids(entry.record for entry in person_entries(db, "alice"))


def test_a_new_person_starts_at_version_zero(db: Database) -> None:
    with db.unit_of_work(write=True) as uow:
        person = uow.people.create("alice")
        uow.commit()
    assert person.records_version == 0
    assert _version(db, "alice") == 0


def test_every_kind_of_write_bumps_the_version(db: Database) -> None:
    import_records(db, "alice", [_craving(1), _craving(2)])
    after_import = _version(db, "alice")
    first = log_record(db, "alice", _craving(3))
    after_log = _version(db, "alice")
    [second] = store_records(db, "alice", [_craving(4)])
    after_store = _version(db, "alice")
    replace_record(db, "alice", first, _craving(5))
    after_edit = _version(db, "alice")
    delete_record(db, "alice", second)
    after_delete = _version(db, "alice")
    versions = [0, after_import, after_log, after_store, after_edit, after_delete]
    assert versions == sorted(set(versions))


def test_a_failed_write_leaves_the_version_alone(db: Database) -> None:
    import_records(db, "alice", [_craving(1)])
    before = _version(db, "alice")

    def failing_half_way() -> Iterator[Record]:
        yield _craving(2)
        raise RecordError("half-way")

    with pytest.raises(RecordError):
        import_records(db, "alice", failing_half_way())
    assert _version(db, "alice") == before
    assert _history(db) == [_craving(1)]


def test_the_cached_history_follows_every_change(db: Database) -> None:
    import_records(db, "alice", [_craving(1), _craving(2)])
    assert _history(db) == [_craving(1), _craving(2)]
    new_id = log_record(db, "alice", _craving(3))
    assert _history(db) == [_craving(1), _craving(2), _craving(3)]
    edited = replace_record(db, "alice", new_id, _craving(9))
    assert _history(db) == [_craving(1), _craving(2), _craving(9)]
    delete_record(db, "alice", edited)
    assert _history(db) == [_craving(1), _craving(2)]


def test_a_current_history_is_served_from_the_cache(db: Database) -> None:
    import_records(db, "alice", [_craving(1)])
    first = person_entries(db, "alice")
    second = person_entries(db, "alice")
    assert second == first
    assert second is not first
    assert second[0] is first[0]


def test_a_write_by_another_process_is_seen(db: Database) -> None:
    import_records(db, "alice", [_craving(1)])
    assert _history(db) == [_craving(1)]
    with open_database(db.url.render_as_string(hide_password=False)) as other:
        log_record(other, "alice", _craving(7))
    assert _history(db) == [_craving(1), _craving(7)]


def test_a_person_deleted_and_recreated_does_not_see_the_old_history(db: Database) -> None:
    import_records(db, "alice", [_craving(1)])
    assert _history(db) == [_craving(1)]
    with db.unit_of_work(write=True) as uow:
        person = uow.people.get("alice")
        assert person is not None
        uow.people.delete(person.id)
        uow.commit()
    import_records(db, "alice", [_craving(2)])
    assert _history(db) == [_craving(2)]


def test_a_reused_id_is_not_mistaken_for_the_cached_record(db: Database) -> None:
    """SQLite gives a deleted newest record's id to the next insert."""
    newest = log_record(db, "alice", _craving(4), create=True)
    assert _history(db) == [_craving(4)]
    replacement = replace_record(db, "alice", newest, _craving(9))
    assert _history(db) == [_craving(9)]
    assert [entry.id for entry in person_entries(db, "alice")] == [replacement]
