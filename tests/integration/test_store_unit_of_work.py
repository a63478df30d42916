"""A unit of work keeps what it is told to commit, and nothing else."""

from __future__ import annotations

import pytest

from ketpath.store import Database


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
