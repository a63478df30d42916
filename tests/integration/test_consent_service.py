"""Share codes and care links on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.services.accounts import User
from ketpath.services.consent import (
    SHARE_LIFETIME,
    CodeRefused,
    NoConsent,
    code_hash,
    create_share,
    has_consent,
    list_shares,
    new_code,
    normalise_code,
    patient_entries,
    redeem_code,
    revoke_share,
)
from ketpath.services.contingency import get_schedule, save_schedule
from ketpath.services.roster import clinician_roster
from ketpath.store import Database
from ketpath.store.tables import shares


def test_codes_are_three_groups_of_four_unambiguous_symbols() -> None:
    code = new_code()
    groups = code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4]
    assert not set(code) & set("ILOU")
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert normalise_code("O0II-LLAB-CDEF") == "0011" + "11AB" + "CDEF"
    assert normalise_code("too-short") is None


def test_a_code_is_stored_only_as_its_hash(db: Database, make_user: Callable[..., User]) -> None:
    alice = make_user("alice")
    share = create_share(db, user=alice)
    with db.engine.connect() as connection:
        stored = connection.execute(shares.select()).one()
    assert stored.code_hash == code_hash(share.code)
    assert share.code.replace("-", "") not in str(tuple(stored))


def test_a_code_works_once(db: Database, make_user: Callable[..., User]) -> None:
    alice, bob, dana = (
        make_user("alice"),
        make_user("bob", "clinician"),
        make_user("dana", "clinician"),
    )
    code = create_share(db, user=alice).code
    redeem_code(db, clinician=bob, code=code.lower())
    with pytest.raises(CodeRefused):
        redeem_code(db, clinician=dana, code=code)


def test_an_expired_or_revoked_code_is_refused(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob = make_user("alice"), make_user("bob", "clinician")
    long_ago = datetime.now(UTC) - SHARE_LIFETIME - timedelta(minutes=1)
    old = create_share(db, user=alice, now=long_ago)
    with pytest.raises(CodeRefused):
        redeem_code(db, clinician=bob, code=old.code)
    revoked = create_share(db, user=alice)
    revoke_share(db, user=alice, share_id=revoked.id)
    with pytest.raises(CodeRefused):
        redeem_code(db, clinician=bob, code=revoked.code)
    statuses = {share.id: share.status for share in list_shares(db, user=alice)}
    assert statuses == {old.id: "expired", revoked.id: "revoked"}


def test_revoking_ends_access_on_the_next_read(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob = make_user("alice"), make_user("bob", "clinician")
    share = create_share(db, user=alice)
    patient_id = redeem_code(db, clinician=bob, code=share.code, label="A. (Tuesday group)")
    patient, _entries = patient_entries(db, clinician=bob, patient_id=patient_id)
    assert patient.label == "A. (Tuesday group)"
    assert [s.status for s in list_shares(db, user=alice)] == ["active"]
    revoke_share(db, user=alice, share_id=share.id)
    assert not has_consent(db, clinician=bob, patient_id=patient_id)
    with pytest.raises(NoConsent):
        patient_entries(db, clinician=bob, patient_id=patient_id)
    assert [s.status for s in list_shares(db, user=alice)] == ["revoked"]


def test_the_roster_orders_by_flag_then_stage_then_silence_and_refreshes_after_a_write(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    bob = make_user("bob", "clinician")
    now = datetime.now(UTC)
    people = {name: make_user(name) for name in ("quiet", "flagged", "recent")}
    day = timedelta(days=1)
    histories = {
        "quiet": [{"type": "mood", "time": (now - 20 * day).isoformat(), "score": 5}],
        "flagged": [
            {
                "type": "symptom",
                "time": (now - day).isoformat(),
                "symptom": "blood-in-urine",
                "severity": 2,
            }
        ],
        "recent": [{"type": "mood", "time": (now - day).isoformat(), "score": 6}],
    }
    ids = {}
    for name, user in people.items():
        assert user.person_name is not None
        import_records(
            db, user.person_name, [parse_record(r) for r in histories[name]], create=False
        )
        ids[name] = redeem_code(
            db, clinician=bob, code=create_share(db, user=user).code, label=name
        )
    roster = clinician_roster(db, clinician=bob, now=now)
    assert [row.label for row in roster.rows] == ["flagged", "quiet", "recent"]
    assert roster.rows[0].level == "urgent"
    kinds = {(item.label, item.kind) for item in roster.attention}
    assert ("flagged", "new-red-flag") in kinds
    assert ("quiet", "missed-check-in") in kinds
    # A new record invalidates the cached summary (database trigger): the flag shows at once.
    quiet = people["quiet"].person_name or ""
    symptom = {"type": "symptom", "time": now.isoformat(), "symptom": "seizure", "severity": 3}
    import_records(db, quiet, [parse_record(symptom)], create=False)
    again = clinician_roster(db, clinician=bob, now=now + timedelta(seconds=1))
    assert again.rows[0].label == "quiet"
    assert again.rows[0].level == "emergency"


def test_contingency_schedules_round_trip_with_the_features_own_settings(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob = make_user("alice"), make_user("bob", "clinician")
    name = alice.person_name or ""
    assert get_schedule(db, name) is None
    settings = {
        "start_value": "2.50",
        "increment": "1.50",
        "max_value": "10",
        "return_after": 3,
        "reset_on_missed": True,
        "start": "2026-05-01",
    }
    save_schedule(db, name, bob.id, settings)
    found = get_schedule(db, name)
    assert found is not None
    assert {key: found[key] for key in settings} == settings
    assert (found["cap"], found["return_after_negatives"], found["clinician_id"]) == (
        10.0,
        3,
        bob.id,
    )
    save_schedule(db, name, bob.id, {**settings, "increment": "2"})
    assert (get_schedule(db, name) or {})["increment"] == "2"
