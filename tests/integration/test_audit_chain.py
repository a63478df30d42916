"""The audit log is a hash chain: reads and consent changes append to it, tampering is caught.

Runs on SQLite and PostgreSQL (the ``db`` fixture). ``ketpath audit verify``
is exercised through the ketpath command-line app itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, select, text, update
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, list_entries, reads_of, record_event, verify_chain
from ketpath.services.consent import create_share, patient_assessment, patient_entries, redeem_code
from ketpath.store import Database
from ketpath.store.tables import audit_log

SECRET_NOTE = "audit-must-not-hold-this-9d2e"


@pytest.fixture
def consented(db: Database, make_user: Callable[..., User]) -> tuple[User, User, int]:
    """Alice (with a note no audit row may hold) shares with Bob, who reads twice."""
    alice = make_user("alice")
    bob = make_user("bob", "clinician")
    assert alice.person_name is not None
    use = parse_record({"type": "use", "time": "2026-05-01T22:00:00+00:00", "note": SECRET_NOTE})
    import_records(db, alice.person_name, [use], create=False)
    code = create_share(db, user=alice).code
    patient_id = redeem_code(db, clinician=bob, code=code)
    patient_entries(db, clinician=bob, patient_id=patient_id)
    patient_assessment(db, clinician=bob, patient_id=patient_id)
    return alice, bob, patient_id


def test_consent_changes_and_reads_are_chained_and_verify(
    db: Database, consented: tuple[User, User, int]
) -> None:
    alice, bob, patient_id = consented
    actions = [entry.action for entry in list_entries(db)]
    assert actions[:4] == ["share-created", "share-redeemed", "read-records", "read-assessment"]
    assert verify_chain(db).ok
    entries = list_entries(db, person_name=alice.person_name)
    assert {entry.person_id for entry in entries} == {patient_id}
    assert entries[-1].actor_email == bob.email


def test_audit_rows_hold_ids_and_kinds_never_record_contents(
    db: Database, consented: tuple[User, User, int]
) -> None:
    with db.engine.connect() as connection:
        dumped = json.dumps(
            [list(row) for row in connection.execute(select(audit_log))], default=str
        )
    assert SECRET_NOTE not in dumped


def test_the_person_sees_who_read_her_data(db: Database, consented: tuple[User, User, int]) -> None:
    alice, bob, _patient_id = consented
    reads = reads_of(db, user=alice)
    assert [entry.action for entry in reads][:2] == ["read-assessment", "read-records"]
    assert all(entry.actor_email == bob.email for entry in reads)


def test_editing_a_row_in_the_database_is_caught_by_audit_verify(
    db: Database, consented: tuple[User, User, int], database_url: str
) -> None:
    runner = CliRunner()
    intact = runner.invoke(cli, ["audit", "verify", "--db", database_url])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    with db.engine.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.seq == 3).values(actor_email="someone@else.org")
        )
    result = verify_chain(db)
    assert not result.ok
    assert result.broken_seq == 3
    broken = runner.invoke(cli, ["audit", "verify", "--db", database_url])
    assert broken.exit_code == 1
    assert "row 3" in broken.output


def test_deleting_a_row_or_cutting_off_the_end_is_caught(
    db: Database, consented: tuple[User, User, int]
) -> None:
    with db.engine.begin() as connection:
        last = connection.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).first()
        assert last is not None
        connection.execute(delete(audit_log).where(audit_log.c.seq == last.seq))
    cut = verify_chain(db)
    assert not cut.ok
    assert cut.broken_seq == last.seq
    with db.engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == 2))
    gap = verify_chain(db)
    assert (gap.ok, gap.broken_seq) == (False, 3)


def test_concurrent_appends_never_fork_the_chain(db: Database) -> None:
    actor = Actor(id=None, email=None, role=None)

    def append_some(worker: int) -> None:
        for step in range(10):
            record_event(db, action="login-failed", actor=actor, detail={"w": worker, "s": step})

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(append_some, range(6)))
    result = verify_chain(db)
    assert result.ok, result.problem
    assert result.rows == 60
    with db.engine.connect() as connection:
        seqs = [
            row.seq for row in connection.execute(text("SELECT seq FROM audit_log ORDER BY seq"))
        ]
    assert seqs == list(range(1, 61))


def test_audit_list_prints_the_clinicians_email_and_what_was_read(
    db: Database, consented: tuple[User, User, int], database_url: str
) -> None:
    alice, bob, _patient_id = consented
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["audit", "list", "--person", alice.person_name or "", "--json", "--db", database_url],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    reads = [row for row in rows if row["action"].startswith("read-")]
    assert {row["actor_email"] for row in reads} == {bob.email}
    assert {row["action"] for row in reads} == {"read-records", "read-assessment"}
    table = runner.invoke(cli, ["audit", "list", "--db", database_url])
    assert table.exit_code == 0
    assert "read-assessment" in table.output
