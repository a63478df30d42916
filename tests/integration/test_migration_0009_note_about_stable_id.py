"""Migration 0009: a dispute note's ``about`` becomes the disputed record's stable id.

A database is built at revision 0008 as the old code left it: Sam's notes
dispute clinic screens by row number, one screen still there, one since
corrected by the clinician (a new row; the audit log says which replaced
which), one deleted, and one row that is another person's. After the upgrade
each note names the record's id (the corrected screen's current version for
the second), or ``removed-record-<row>`` when there is none of Sam's; the
history reads again, and downgrading gives row numbers back. Both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from ketpath.core.records import Note
from ketpath.services import open_database, person_entries
from ketpath.services.audit import append
from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision
from ketpath.store.tables import people, records
from migrating import migrate

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _row(connection: Any, person_id: int, data: dict[str, Any], *, role: str) -> int:
    time = datetime.fromisoformat(data["time"])
    row_id: int = connection.execute(
        insert(records)
        .values(
            person_id=person_id,
            type=data["type"],
            time_utc=time,
            data=data,
            uid=data["id"],
            created_at=NOW,
            created_role=role,
        )
        .returning(records.c.id)
    ).scalar_one()
    return row_id


def _screen(connection: Any, person_id: int, uid: str, day: int) -> int:
    data = {
        "type": "drug-screen",
        "id": uid,
        "time": (NOW - timedelta(days=day)).isoformat(),
        "result": "positive",
        "method": "urine",
    }
    return _row(connection, person_id, data, role="clinician")


def _note(connection: Any, person_id: int, uid: str, about: int | None) -> int:
    data: dict[str, Any] = {
        "type": "note",
        "id": uid,
        "time": NOW.isoformat(),
        "text": f"note {uid}",
        "author_role": "person",
    }
    if about is not None:
        data["about"] = about
    return _row(connection, person_id, data, role="person")


def _database_at_0008(database_url: str) -> dict[str, int]:
    """Sam's and Kim's rows as the code before 0009 stored them; row ids by name."""
    engine = make_engine(database_url)
    try:
        migrate(engine, "0008")
        with engine.begin() as connection:
            sam, kim = (
                connection.execute(
                    insert(people).values(name=name, created_at=NOW).returning(people.c.id)
                ).scalar_one()
                for name in ("sam", "kim")
            )
            rows = {
                "kept": _screen(connection, sam, "screen-kept", 5),
                "old": _screen(connection, sam, "screen-old", 4),
                "removed": _screen(connection, sam, "screen-removed", 3),
                "kims": _screen(connection, kim, "screen-kims", 2),
            }
            # The clinician corrected "old": a new row with a new id (as the old code did).
            rows["corrected"] = _screen(connection, sam, "screen-corrected", 6)
            connection.execute(delete(records).where(records.c.id == rows["old"]))
            connection.execute(delete(records).where(records.c.id == rows["removed"]))
            for name in ("kept", "old", "removed", "kims"):
                rows[f"note-{name}"] = _note(connection, sam, f"note-{name}", rows[name])
            rows["note-plain"] = _note(connection, sam, "note-plain", None)
            rows["sam"], rows["kim"] = sam, kim
    finally:
        engine.dispose()
    with open_database(database_url, upgrade=False) as db, db.unit_of_work(write=True) as uow:
        detail = {"record_id": rows["old"], "replaced_by": rows["corrected"], "type": "drug-screen"}
        append(uow, action="correct-record", actor=None, person_id=sam, detail=detail)
        uow.commit()
    return rows


def _abouts(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(records.c.uid, records.c.data).where(records.c.type == "note")
            ).all()
    finally:
        engine.dispose()
    return {uid: _document(data).get("about") for uid, data in found}


def _document(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else dict(json.loads(data))


def test_notes_name_the_disputed_records_id_or_say_it_was_removed(database_url: str) -> None:
    rows = _database_at_0008(database_url)
    with open_database(database_url) as db:
        assert current_revision(db.engine) == head_revision()
        notes = {
            e.record.id: e.record for e in person_entries(db, "sam") if isinstance(e.record, Note)
        }
    assert {uid: note.about for uid, note in notes.items()} == {
        "note-kept": "screen-kept",
        "note-old": "screen-corrected",  # beside the current version of the corrected screen
        "note-removed": f"removed-record-{rows['removed']}",
        "note-kims": f"removed-record-{rows['kims']}",  # never another person's record
        "note-plain": None,
    }
    assert notes["note-kept"].text == "note note-kept"


def test_the_people_whose_notes_changed_have_their_cached_histories_renewed(
    database_url: str,
) -> None:
    rows = _database_at_0008(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            before = dict(connection.execute(select(people.c.id, people.c.records_version)).all())
        migrate(engine, "head")
        with engine.connect() as connection:
            after = dict(connection.execute(select(people.c.id, people.c.records_version)).all())
    finally:
        engine.dispose()
    assert after[rows["sam"]] == before[rows["sam"]] + 1
    assert after[rows["kim"]] == before[rows["kim"]]


def test_downgrading_gives_row_numbers_back_and_upgrading_again_is_the_same(
    database_url: str,
) -> None:
    rows = _database_at_0008(database_url)
    engine = make_engine(database_url)
    try:
        migrate(engine, "head")
        upgraded = _abouts(database_url)
        migrate(engine, "0008", down=True)
        assert _abouts(database_url) == {
            "note-kept": rows["kept"],
            "note-old": rows["corrected"],
            "note-removed": rows["removed"],
            "note-kims": rows["kims"],
            "note-plain": None,
        }
        migrate(engine, "head")
        assert _abouts(database_url) == upgraded
        migrate(engine, "head")  # again: nothing to do
        assert _abouts(database_url) == upgraded
    finally:
        engine.dispose()
