"""A unit of work keeps what it is told to commit, and nothing else."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from ketpath.store import Database, UnitOfWork


def _names(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return [person.name for person in uow.people.list_all()]


def test_it_rolls_back_when_not_committed(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.people.create("alice")
        assert uow.people.get("alice") is not None
    assert _names(db) == []


def test_it_keeps_what_was_committed(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.people.create("alice")
        uow.commit()
    assert _names(db) == ["alice"]


def test_it_rolls_back_work_done_after_the_last_commit(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.people.create("alice")
        uow.commit()
        uow.people.create("bob")
    assert _names(db) == ["alice"]


def test_it_rolls_back_when_the_block_raises(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"), db.unit_of_work() as uow:
        uow.people.create("alice")
        raise RuntimeError("boom")
    assert _names(db) == []


def test_an_explicit_rollback_discards_uncommitted_work(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.people.create("alice")
        uow.rollback()
        assert uow.people.get("alice") is None
        uow.people.create("bob")
        uow.commit()
    assert _names(db) == ["bob"]


def test_it_refuses_to_commit_outside_a_with_block(db: Database) -> None:
    uow = db.unit_of_work()
    with pytest.raises(RuntimeError, match="with block"):
        uow.commit()


def _in_transaction(uow: UnitOfWork) -> bool:
    """Whether the driver's connection under the unit of work has a transaction open."""
    driver = uow._open_connection().connection.dbapi_connection
    if isinstance(driver, sqlite3.Connection):
        return driver.in_transaction
    assert isinstance(driver, psycopg.Connection)
    return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def test_without_a_transaction_a_read_begins_none_and_sees_what_is_committed(
    db: Database,
) -> None:
    with db.unit_of_work(write=True) as uow:
        uow.people.create("alice")
        uow.commit()
    with db.unit_of_work(transaction=False) as uow:
        assert uow.people.get("alice") is not None
        assert not _in_transaction(uow)
        with db.unit_of_work(write=True) as other:  # committed meanwhile: the next read sees it
            other.people.create("bob")
            other.commit()
        assert uow.people.get("bob") is not None
        assert not _in_transaction(uow)
    with db.unit_of_work() as uow:  # an ordinary unit of work still reads in a transaction
        uow.people.get("alice")
        assert _in_transaction(uow)


def test_a_connection_used_without_a_transaction_goes_back_to_transactions(
    db: Database,
) -> None:
    """The pool hands the same connection on: a write after it must still roll back."""
    for _ in range(3):
        with db.unit_of_work(transaction=False) as uow:
            uow.people.get("alice")
        with db.unit_of_work(write=True) as uow:
            uow.people.create("alice")
            assert _in_transaction(uow)
        # not committed: rolled back
    assert _names(db) == []


def test_a_unit_of_work_that_writes_needs_a_transaction(db: Database) -> None:
    with pytest.raises(ValueError, match="needs a transaction"):
        db.unit_of_work(write=True, transaction=False)


def test_on_sqlite_a_writing_unit_of_work_locks_up_front_for_its_first_transaction_only(
    db: Database,
) -> None:
    """``BEGIN IMMEDIATE`` as the block opens; work after a commit or rollback begins deferred."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite begins transactions itself")
    begun: list[str] = []

    def note_begin(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    event.listen(db.engine, "before_cursor_execute", note_begin)
    try:
        with db.unit_of_work(write=True) as uow:
            assert begun == ["BEGIN IMMEDIATE"]
            uow.people.create("alice")
            uow.commit()
            uow.people.create("bob")
            uow.rollback()
            uow.people.create("carol")
            uow.commit()
        with db.unit_of_work(write=True) as uow:
            uow.people.get("alice")
    finally:
        event.remove(db.engine, "before_cursor_execute", note_begin)
    assert begun == ["BEGIN IMMEDIATE", "BEGIN", "BEGIN", "BEGIN IMMEDIATE"]
    assert _names(db) == ["alice", "carol"]
