"""A dispute note's ``about`` is the disputed record's ``id`` (issue 12, point 2).

It was a database row number, meaningless outside the store that wrote it
and lost when the clinic corrected the entry. An old file's number is refused
with a message that says what to write instead; ``id``-shaped text round-trips.
"""

from __future__ import annotations

import json

import pytest

from ketpath.core.records import Note, RecordError, parse_record, record_to_json
from ketpath.interop.jsonl import dumps_jsonl, parse_jsonl

DISPUTE = {
    "type": "note",
    "time": "2026-05-20T10:05:00+01:00",
    "text": "That screen is wrong.",
    "author_role": "person",
}


def test_about_holds_the_disputed_records_id_and_round_trips() -> None:
    line = json.dumps(
        {**DISPUTE, "about": "3f2c9a1e-0b7d-4c55-9e1a-2b6f0c8d7e41"}, separators=(",", ":")
    )
    record = parse_record(line)
    assert isinstance(record, Note)
    assert record.about == "3f2c9a1e-0b7d-4c55-9e1a-2b6f0c8d7e41"
    assert record_to_json(record) == line
    assert dumps_jsonl(parse_jsonl([line])) == line + "\n"


def test_an_old_row_number_is_refused_saying_what_to_write() -> None:
    with pytest.raises(RecordError) as caught:
        parse_jsonl(["", json.dumps({**DISPUTE, "about": 12})])
    assert str(caught.value) == (
        "line 2: about: 12 is a database row number (as ketpath wrote it before record ids);"
        ' write the id of the record the note disputes, its "id", e.g. "about": "screen-1"'
    )


@pytest.mark.parametrize("about", ["", "has a space", "x" * 101])
def test_about_must_look_like_a_record_id(about: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_record({**DISPUTE, "about": about})
    assert caught.value.field == "about"
    assert "is not an id ketpath keeps" in caught.value.problem
