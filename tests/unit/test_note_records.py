"""Note records in the interchange format: validation and the canonical round trip."""

from __future__ import annotations

import pytest

from ketpath.core.records import TYPE_NAMES, Note, RecordError, parse_record, record_to_json

LINE = '{"type":"note","time":"2026-05-20T10:05:00+01:00","text":"Seen today; doing better.","author_role":"clinician"}'


def test_a_note_is_a_record_type() -> None:
    assert "note" in TYPE_NAMES


def test_a_note_round_trips_byte_for_byte() -> None:
    record = parse_record(LINE)
    assert isinstance(record, Note)
    assert record_to_json(record) == LINE


def test_a_note_by_the_person_is_allowed() -> None:
    record = parse_record(LINE.replace("clinician", "person"))
    assert isinstance(record, Note)
    assert record.author_role == "person"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"author_role": "doctor"}, "author_role"),
        ({"time": "2026-05-20T10:05:00"}, "time"),
    ],
)
def test_a_bad_note_names_the_field(change: dict[str, str], field: str) -> None:
    data = {
        "type": "note",
        "time": "2026-05-20T10:05:00+01:00",
        "text": "ok",
        "author_role": "person",
    }
    with pytest.raises(RecordError) as caught:
        parse_record({**data, **change})
    assert caught.value.field == field


def test_a_note_needs_its_author_role() -> None:
    with pytest.raises(RecordError) as caught:
        parse_record({"type": "note", "time": "2026-05-20T10:05:00+01:00", "text": "ok"})
    assert caught.value.field == "author_role"
    assert "missing" in caught.value.problem
