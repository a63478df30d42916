"""Use cases about people: who is in the database, and finding one by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketpath.errors import BadInput
from ketpath.store import Database, Person, UnitOfWork
from ketpath.store.tables import PERSON_NAME_LENGTH


class PersonNotFound(BadInput):
    """No person of that name in the database."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no person named {name!r} in this database (names are case-sensitive)")


@dataclass(frozen=True, kw_only=True)
class PersonSummary:
    name: str
    records: int
    last_entry: datetime | None
    """The time of the person's latest timed record (UTC), not when it was entered."""


def clean_name(name: str) -> str:
    """A person's name as stored: surrounding spaces dropped; empty or overlong refused."""
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("a person's name cannot be empty")
    if len(cleaned) > PERSON_NAME_LENGTH:
        raise ValueError(f"a person's name is at most {PERSON_NAME_LENGTH} characters")
    return cleaned


def find_person(uow: UnitOfWork, name: str) -> Person:
    """The named person inside an open unit of work, or :class:`PersonNotFound`."""
    cleaned = clean_name(name)
    person = uow.people.get(cleaned)
    if person is None:
        raise PersonNotFound(cleaned)
    return person


def find_or_create_person(uow: UnitOfWork, name: str, *, create: bool) -> tuple[Person, bool]:
    """The named person, created when missing and ``create`` allows; and whether it was new."""
    cleaned = clean_name(name)
    if create:
        return uow.people.get_or_create(cleaned)
    person = uow.people.get(cleaned)
    if person is None:
        raise PersonNotFound(cleaned)
    return person, False


def list_people(db: Database) -> list[PersonSummary]:
    """Everyone in the database, by name, with how many records and the latest one's time."""
    with db.unit_of_work() as uow:
        return [
            PersonSummary(name=row.person.name, records=row.records, last_entry=row.last_entry)
            for row in uow.people.totals()
        ]
