"""Records have a stable identity, import errors speak to a person, and the future is refused.

Issue 12, points 1, 3 and 4: the pure parts (``core.records``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ketpath.core.records import (
    FUTURE_TOLERANCE,
    RecordError,
    content_id,
    future_time_problem,
    parse_answer_codes,
    parse_record,
    record_to_json,
    with_content_ids,
)
from ketpath.interop.jsonl import dumps_jsonl, parse_jsonl

USE = {"type": "use", "time": "2026-05-01T23:10:00+01:00", "dose_mg": 60, "route": "intranasal"}


def test_the_canonical_form_puts_the_id_right_after_the_type() -> None:
    record = parse_record({**USE, "id": "abc-1"})
    assert record_to_json(record).startswith('{"type":"use","id":"abc-1","time":')


def test_export_import_export_keeps_the_id_byte_for_byte() -> None:
    text = dumps_jsonl(with_content_ids(parse_jsonl([json.dumps(USE)])))
    assert dumps_jsonl(parse_jsonl(text.splitlines())) == text


def test_a_record_without_an_id_gets_the_same_content_id_every_time() -> None:
    once = with_content_ids(parse_jsonl([json.dumps(USE)]))
    again = with_content_ids(parse_jsonl([json.dumps(dict(reversed(list(USE.items()))))]))
    assert once[0].id == again[0].id == content_id(parse_record(USE))


def test_two_identical_lines_are_two_records_with_different_ids() -> None:
    first, second = with_content_ids(parse_jsonl([json.dumps(USE), json.dumps(USE)]))
    assert first.id != second.id
    assert [r.id for r in with_content_ids(parse_jsonl([json.dumps(USE)] * 2))] == [
        first.id,
        second.id,
    ]


def test_a_given_id_is_kept() -> None:
    (record,) = with_content_ids([parse_record({**USE, "id": "mine"})])
    assert record.id == "mine"


@pytest.mark.parametrize("bad", ["a b", "", "x" * 101, "-lead", "é"])
def test_an_id_with_spaces_or_odd_characters_is_refused(bad: str) -> None:
    with pytest.raises(RecordError, match=r"^id: .* is not an id ketpath keeps"):
        parse_record({**USE, "id": bad})


def test_an_id_must_be_text() -> None:
    with pytest.raises(RecordError, match=r"^id: must be text in quotes \(it was 7\)"):
        parse_record({**USE, "id": 7})


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_time_five_weeks_ahead_is_in_the_future() -> None:
    record = parse_record({**USE, "time": "2026-12-30T22:00:00+00:00"})
    problem = future_time_problem(record, now=NOW)
    assert problem is not None
    assert (
        str(problem) == "time: 2026-12-30 22:00 is in the future; ketpath keeps what has happened"
    )


def test_a_few_minutes_ahead_is_a_clock_running_fast_not_the_future() -> None:
    near = parse_record({**USE, "time": (NOW + FUTURE_TOLERANCE).isoformat()})
    past = parse_record(
        {**USE, "time": (NOW + FUTURE_TOLERANCE + timedelta(seconds=1)).isoformat()}
    )
    assert future_time_problem(near, now=NOW) is None
    assert future_time_problem(past, now=NOW) is not None
    assert future_time_problem(parse_record({"type": "profile"}), now=NOW) is None


def error_of(data: dict[str, object]) -> str:
    with pytest.raises(RecordError) as caught:
        parse_jsonl(["", json.dumps(data)])
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {**USE, "time": "01/10/2026 22:00"},
            "line 2: time: the time '01/10/2026 22:00' is not a date and time ketpath reads;"
            " write 2026-10-01T22:00+01:00",
        ),
        (
            {**USE, "time": "2026-10-01T22:00"},
            "line 2: time: the time '2026-10-01T22:00' has no UTC offset;"
            " write it with one, like 2026-10-01T22:00+01:00",
        ),
        (
            {"type": "craving", "time": "2026-10-01T22:00Z", "intensity": "7"},
            "line 2: intensity: must be a whole number (it was '7')",
        ),
        (
            {"type": "craving", "time": "2026-10-01T22:00Z", "intensity": 11},
            "line 2: intensity: must be at most 10 (it was 11)",
        ),
        ({**USE, "dose_mg": 0}, "line 2: dose_mg: must be more than 0 (it was 0)"),
        ({**USE, "dose_mg": "lots"}, "line 2: dose_mg: must be a number (it was 'lots')"),
        (
            {"type": "note", "time": "2026-10-01T22:00Z", "text": "x", "author_role": "me"},
            "line 2: author_role: 'me' is not one of: person or clinician",
        ),
        (
            {"type": "goal", "time": "2026-10-01T22:00Z", "goal": "stop", "until": "soon"},
            "line 2: until: the date 'soon' is not a date ketpath reads; write 2026-10-01",
        ),
        (
            {
                "type": "questionnaire",
                "time": "2026-10-01T22:00Z",
                "instrument": "phq9",
                "answers": [1, 1, 1, 1, 1, 1, 1, 1, "١"],
            },
            "line 2: answers.8: '١' is not an answer code; write the option's number in ASCII"
            " digits (0, 1, 2, ...) or - for a skipped item",
        ),
    ],
)
def test_import_errors_speak_to_a_person(data: dict[str, object], expected: str) -> None:
    message = error_of(data)
    assert message == expected
    assert "Input should" not in message


def test_answer_codes_are_ascii_digits_or_a_dash() -> None:
    assert parse_answer_codes("1, 0,-,2") == [1, 0, "-", 2]


@pytest.mark.parametrize("typed", ["1,1,1,1,1,1,1,1,³", "١,١", "1,x", "1,,2", "-1"])
def test_superscripts_arabic_indic_digits_and_words_are_not_answer_codes(typed: str) -> None:
    with pytest.raises(RecordError, match=r"^answers: .* is not an answer code"):
        parse_answer_codes(typed)
