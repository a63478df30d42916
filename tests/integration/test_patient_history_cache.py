"""The clinician's read of a patient uses the parsed-history cache, and every write renews it.

``services.consent.patient_entries`` (the patient page, the PDF, the
clinician API) used to parse the whole stored history on every request; it
now shares ``db.histories`` with the person's own pages, keyed by the
person's ``records_version``. These tests read as the clinician, change the
records every way a person, a clinician or another process can, and check
that the next read shows the stored change, on both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from histories import without_ids
from ketpath.core.records import DrugScreen, Record, parse_record
from ketpath.services import delete_record, import_records, log_record, person_entries
from ketpath.services.accounts import User
from ketpath.services.consent import (
    add_patient_records,
    create_share,
    patient_entries,
    redeem_code,
)
from ketpath.services.editing import replace_record
from ketpath.store import Database, open_database


def _craving(intensity: int) -> Record:
    return parse_record(
        {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": intensity}
    )


def _shared(db: Database, make_user: Callable[..., User]) -> tuple[User, User, int]:
    """Alice with two cravings, shared with Bob; the patient id Bob reads her by."""
    alice, bob = make_user("alice"), make_user("bob", "clinician")
    assert alice.person_name is not None
    import_records(db, alice.person_name, [_craving(1), _craving(2)], create=False)
    patient_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    return alice, bob, patient_id


def _read(db: Database, bob: User, patient_id: int) -> list[Record]:
    _patient, entries = patient_entries(db, clinician=bob, patient_id=patient_id)
    return without_ids(entry.record for entry in entries)


def test_a_current_history_is_served_from_the_cache_the_persons_pages_share(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob, patient_id = _shared(db, make_user)
    assert alice.person_name is not None
    _patient, first = patient_entries(db, clinician=bob, patient_id=patient_id)
    _patient, second = patient_entries(db, clinician=bob, patient_id=patient_id)
    assert second == first
    assert second is not first
    assert all(later is earlier for later, earlier in zip(second, first, strict=True))
    own = person_entries(db, alice.person_name)
    assert own[0] is first[0]


def test_every_write_is_seen_on_the_clinicians_next_read(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob, patient_id = _shared(db, make_user)
    name = alice.person_name
    assert name is not None
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2)]

    logged = log_record(db, name, _craving(3))
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2), _craving(3)]

    edited = replace_record(db, name, logged, _craving(9))
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2), _craving(9)]

    delete_record(db, name, edited)
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2)]

    taken = datetime.now(UTC) - timedelta(days=1)
    screen = DrugScreen(time=taken, result="positive", method="urine")
    add_patient_records(db, clinician=bob, patient_id=patient_id, records=[screen])
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2), screen]


def test_a_write_by_another_process_is_seen(db: Database, make_user: Callable[..., User]) -> None:
    alice, bob, patient_id = _shared(db, make_user)
    assert alice.person_name is not None
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2)]
    with open_database(db.url.render_as_string(hide_password=False)) as other:
        log_record(other, alice.person_name, _craving(7))
    assert _read(db, bob, patient_id) == [_craving(1), _craving(2), _craving(7)]


def test_a_filtered_read_is_not_the_cached_whole(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob, patient_id = _shared(db, make_user)
    assert alice.person_name is not None
    log_record(
        db,
        alice.person_name,
        parse_record({"type": "mood", "time": "2026-05-02T09:00:00+01:00", "score": 6}),
    )
    _read(db, bob, patient_id)  # the whole history, cached
    _patient, moods = patient_entries(db, clinician=bob, patient_id=patient_id, types=["mood"])
    assert [entry.record.type for entry in moods] == ["mood"]
