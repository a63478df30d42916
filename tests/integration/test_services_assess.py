"""Assessing a stored person gives what assessing the same records directly gives."""

from __future__ import annotations

from datetime import datetime

import pytest

from ketpath.core.assess import assess
from ketpath.core.records import Record, with_content_ids
from ketpath.services import OPERATOR, Database, PersonNotFound, assess_person, import_records

AS_OF = datetime.fromisoformat("2026-05-14T12:00:00+01:00")


def test_it_equals_assess_on_the_same_records(db: Database, alice_records: list[Record]) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    stored = assess_person(db, "alice", as_of=AS_OF)
    direct = assess(with_content_ids(alice_records), AS_OF)  # the ids an import gives them
    assert stored.to_dict() == direct.to_dict()
    assert stored == direct


def test_it_passes_the_locale_through(db: Database, alice_records: list[Record]) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    stored = assess_person(db, "alice", as_of=AS_OF, locale="US")
    assert stored.to_dict() == assess(alice_records, AS_OF, locale="US").to_dict()
    assert stored.locale == "US"


def test_a_person_with_no_records_has_no_use(db: Database) -> None:
    import_records(db, "bob", [])
    assert assess_person(db, "bob", as_of=AS_OF).stage == "no-use"


def test_assessing_an_unknown_person_says_so(db: Database) -> None:
    with pytest.raises(PersonNotFound):
        assess_person(db, "nobody", as_of=AS_OF)
