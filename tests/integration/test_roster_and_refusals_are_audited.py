"""Issue 11, point 12: the roster is audited per patient, and refused patient requests are audited.

Runs on SQLite and PostgreSQL (the ``db`` fixture). A roster view appends one
``read-roster`` row for the view and one ``read-roster-entry`` row per patient
shown, in one transaction and one multi-row insert; each person sees theirs
under "Who read your data". A request for a patient without consent is
recorded as ``patient-refused`` for the operator, not shown to the person.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, text
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.services.accounts import User
from ketpath.services.audit import (
    Actor,
    Event,
    append_many,
    list_entries,
    reads_of,
    record_event,
    record_refused_patient,
    verify_chain,
)
from ketpath.services.consent import create_share, list_shares, redeem_code, revoke_share
from ketpath.services.roster import clinician_roster
from ketpath.store import Database

ROUTE = "GET /patients/{patient_id}"


def _patients(
    db: Database, make_user: Callable[..., User], clinician: User, count: int
) -> list[tuple[User, int]]:
    """``count`` people who each share with ``clinician``: (the person, their patient id)."""
    found = []
    for number in range(count):
        person = make_user(f"person{number}")
        code = create_share(db, user=person).code
        found.append((person, redeem_code(db, clinician=clinician, code=code)))
    return found


def _count_audit_inserts(db: Database) -> list[int]:
    """A list that grows by one for each INSERT INTO audit_log statement sent (executemany = 1)."""
    inserts: list[int] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            inserts.append(1)

    event.listen(db.engine, "before_cursor_execute", seen)
    return inserts


# ---------------------------------------------------------------- the roster


def test_opening_the_roster_appends_a_row_per_patient_shown_with_their_id(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    patients = _patients(db, make_user, bob, 3)
    before = len(list_entries(db))
    roster = clinician_roster(db, clinician=bob)
    rows = list_entries(db)[before:]
    assert [row.action for row in rows] == ["read-roster"] + ["read-roster-entry"] * 3
    assert rows[0].detail == {"patients": 3} and rows[0].person_id is None
    assert [row.person_id for row in rows[1:]] == sorted(pid for _person, pid in patients)
    assert {row.patient_id for row in roster.rows} == {pid for _person, pid in patients}
    assert {(row.actor_email, row.at) for row in rows} == {(bob.email, rows[0].at)}
    assert all(row.detail == {} for row in rows[1:])  # ids only: no stage, no level
    assert verify_chain(db).ok


def test_each_person_sees_that_the_clinician_saw_them_on_the_roster(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    (alice, _alice_id), (carol, _carol_id) = _patients(db, make_user, bob, 2)
    clinician_roster(db, clinician=bob)
    for person in (alice, carol):
        (seen,) = [
            entry for entry in reads_of(db, user=person) if entry.action.endswith("roster-entry")
        ]
        assert seen.actor_email == bob.email
        assert seen.words.startswith("saw you on their roster (red flags, stage")


def test_someone_whose_consent_ended_is_not_recorded_as_seen(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    (alice, alice_id), (_carol, carol_id) = _patients(db, make_user, bob, 2)
    (share,) = list_shares(db, user=alice)
    revoke_share(db, user=alice, share_id=share.id)
    before = len(list_entries(db))
    clinician_roster(db, clinician=bob)
    rows = list_entries(db)[before:]
    assert [row.person_id for row in rows if row.action == "read-roster-entry"] == [carol_id]
    assert alice_id not in {row.person_id for row in rows}


def test_a_roster_of_forty_patients_is_one_insert_into_the_audit_log(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    _patients(db, make_user, bob, 40)
    clinician_roster(db, clinician=bob)  # the first of the day computes and stores summaries
    inserts = _count_audit_inserts(db)
    before = len(list_entries(db))
    clinician_roster(db, clinician=bob)
    assert len(list_entries(db)) - before == 41
    assert len(inserts) == 1
    assert verify_chain(db).ok


def test_roster_views_and_other_appends_at_once_never_fork_the_chain(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    _patients(db, make_user, bob, 5)
    actor = Actor(id=None, email=None, role=None)

    def work(worker: int) -> None:
        for step in range(4):
            if worker % 2:
                clinician_roster(db, clinician=bob)
            else:
                record_event(
                    db, action="login-failed", actor=actor, detail={"w": worker, "s": step}
                )

    before = verify_chain(db).rows
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(6)))
    result = verify_chain(db)
    assert result.ok, result.problem
    assert result.rows == before + 3 * 4 * 6 + 3 * 4
    with db.engine.connect() as connection:
        seqs = [
            row.seq for row in connection.execute(text("SELECT seq FROM audit_log ORDER BY seq"))
        ]
    assert seqs == list(range(1, result.rows + 1))


def test_append_many_follows_the_chain_rule_of_append(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    actor = Actor.of(bob)
    with db.unit_of_work(write=True) as uow:
        assert append_many(uow, [], actor=actor) == []
        seqs = append_many(
            uow,
            [Event(action="read-roster", detail={"patients": 2}), Event(action="logout")],
            actor=actor,
        )
        uow.commit()
    assert seqs[1] == seqs[0] + 1
    assert verify_chain(db).ok
    with (
        db.unit_of_work(write=True) as uow,
        pytest.raises(ValueError, match="unknown audit action 'peeked'"),
    ):
        append_many(uow, [Event(action="logout"), Event(action="peeked")], actor=actor)
    assert list_entries(db)[-1].seq == seqs[1]


# ---------------------------------------------------------------- refused requests


def test_a_refused_request_for_a_real_persons_id_is_recorded_for_the_operator_only(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    alice = make_user("alice")
    charlie = make_user("charlie", "clinician")
    bob = make_user("bob", "clinician")
    alice_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    record_refused_patient(db, user=charlie, patient_id=alice_id, route=ROUTE)
    (probe,) = [entry for entry in list_entries(db) if entry.action == "patient-refused"]
    assert (probe.actor_email, probe.actor_role) == (charlie.email, "clinician")
    assert probe.person_id == alice_id
    assert probe.detail == {"patient_id": alice_id, "route": ROUTE}
    assert probe in list_entries(db, person_name=alice.person_name)
    assert "patient-refused" not in {entry.action for entry in reads_of(db, user=alice)}
    assert verify_chain(db).ok


def test_a_refused_request_for_an_id_nobody_has_is_tied_to_no_one(
    db: Database, make_user: Callable[..., User]
) -> None:
    charlie = make_user("charlie", "clinician")
    record_refused_patient(db, user=charlie, patient_id=987_654, route=ROUTE)
    (probe,) = [entry for entry in list_entries(db) if entry.action == "patient-refused"]
    assert probe.person_id is None
    assert probe.detail == {"patient_id": 987_654, "route": ROUTE}


def test_audit_list_shows_roster_rows_and_refusals_to_the_operator(
    db: Database, database_url: str, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    ((alice, alice_id),) = _patients(db, make_user, bob, 1)
    clinician_roster(db, clinician=bob)
    record_refused_patient(db, user=bob, patient_id=alice_id + 1000, route=ROUTE)
    runner = CliRunner()
    listed = runner.invoke(cli, ["audit", "list", "--json", "--db", database_url])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {"action": "read-roster-entry", "person": alice.person_name} in [
        {"action": row["action"], "person": row["person"]} for row in rows
    ]
    (probe,) = [row for row in rows if row["action"] == "patient-refused"]
    assert probe["detail"] == {"patient_id": alice_id + 1000, "route": ROUTE}
    table = runner.invoke(cli, ["audit", "list", "--db", database_url])
    assert "patient-refused" in table.output
    verified = runner.invoke(cli, ["audit", "verify", "--db", database_url])
    assert verified.exit_code == 0, verified.output
