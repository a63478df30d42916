"""The audit log is a hash chain: reads and consent changes append to it, tampering is caught.

Runs on SQLite and PostgreSQL (the ``db`` fixture). ``ketpath audit verify``
is exercised through the ketpath command-line app itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, delete, insert, select, text, update
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.services.accounts import User
from ketpath.services.audit import (
    Actor,
    Event,
    append_many,
    list_entries,
    reads_of,
    record_event,
    verify_chain,
)
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


def test_a_batch_is_stored_as_a_plain_insert_would_store_it(db: Database) -> None:
    """``append_many`` (on SQLite: the driver's executemany) stores what SQLAlchemy's insert does.

    The same rows (a shared time, empty and non-empty details, a person and
    none) are appended through the audit service, then inserted again through
    ``insert(audit_log)`` under other sequence numbers; every stored column,
    read raw, is the same, and the chain of the appended rows verifies.
    """
    actor = Actor(id=7, email="clinician@example.org", role="clinician")
    moment = datetime(2026, 5, 1, 22, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    events = [
        Event(action="read-roster", detail={"patients": 2, "note": "ü"}),
        Event(action="read-roster-entry", person_id=3),
        Event(action="read-roster-entry", person_id=11),
    ]
    with db.unit_of_work(write=True) as uow:
        seqs = append_many(uow, events, actor=actor, now=moment)
        uow.commit()
    assert verify_chain(db).ok
    columns = [column for column in audit_log.c if column.name != "id"]
    with db.engine.begin() as connection:
        appended = connection.execute(select(*columns).where(audit_log.c.seq.in_(seqs))).all()
        again = [{**row._asdict(), "seq": row.seq + 1000} for row in appended]
        connection.execute(insert(audit_log), again)
        raw = text(
            "SELECT seq, CAST(at AS TEXT) AS at, actor_id, actor_email, actor_role, action, "
            "person_id, CAST(detail AS TEXT) AS detail, prev_hash, hash FROM audit_log "
            "WHERE seq IN :seqs ORDER BY seq"
        ).bindparams(bindparam("seqs", expanding=True))
        stored = connection.execute(raw, {"seqs": [*seqs, *(seq + 1000 for seq in seqs)]}).all()
    ours, plain = stored[: len(seqs)], stored[len(seqs) :]
    assert [(row.seq + 1000, *row[1:]) for row in ours] == [tuple(row) for row in plain]
    assert [row.detail for row in ours][1:] == ["{}", "{}"]
    assert [(row.action, row.person_id) for row in appended] == [
        ("read-roster", None),
        ("read-roster-entry", 3),
        ("read-roster-entry", 11),
    ]
    assert {row.at for row in appended} == {moment.astimezone(UTC)}


@pytest.mark.parametrize(
    "actor",
    [
        Actor(id=7, email='o\'brien "q", {b} \\ NULL@example.org', role="clinician"),
        Actor(id=None, email=None, role=None),
        Actor(id=8, email="", role="NULL"),
    ],
)
def test_a_batch_with_values_that_need_quoting_is_stored_as_a_plain_insert_would_store_it(
    db: Database, actor: Actor
) -> None:
    """Quotes, backslashes, commas, braces, spaces, line breaks, empty text and the word NULL.

    On PostgreSQL ``append_many`` sends each column as the text of an array
    literal it writes itself; every stored column, read raw, must be what
    ``insert(audit_log)`` stores for the same values, and the chain verifies.
    """
    detail = {"route": 'a "quoted", {braced} \\ back\nslash\tNULL', "empty": "", "n": None}
    events = [
        Event(action="patient-refused", person_id=None, detail=detail),
        Event(action="patient-refused", person_id=5, detail={"route": "NULL"}),
        Event(action="read-roster-entry", person_id=6),
    ]
    with db.unit_of_work(write=True) as uow:
        seqs = append_many(uow, events, actor=actor, now=datetime(2026, 5, 1, tzinfo=UTC))
        uow.commit()
    assert verify_chain(db).ok
    columns = [column for column in audit_log.c if column.name != "id"]
    raw = text(
        "SELECT seq, CAST(at AS TEXT) AS at, actor_id, actor_email, actor_role, action, "
        "person_id, CAST(detail AS TEXT) AS detail, prev_hash, hash FROM audit_log "
        "WHERE seq IN :seqs ORDER BY seq"
    ).bindparams(bindparam("seqs", expanding=True))
    with db.engine.begin() as connection:
        appended = connection.execute(select(*columns).where(audit_log.c.seq.in_(seqs))).all()
        again = [{**row._asdict(), "seq": row.seq + 1000} for row in appended]
        connection.execute(insert(audit_log), again)
        stored = connection.execute(raw, {"seqs": [*seqs, *(seq + 1000 for seq in seqs)]}).all()
    ours, plain = stored[: len(seqs)], stored[len(seqs) :]
    assert [(row.seq + 1000, *row[1:]) for row in ours] == [tuple(row) for row in plain]
    assert [(row.actor_email, row.actor_role) for row in appended] == [
        (actor.email, actor.role)
    ] * 3
    assert [row.detail for row in appended] == [detail, {"route": "NULL"}, {}]
    assert [row.person_id for row in appended] == [None, 5, 6]
