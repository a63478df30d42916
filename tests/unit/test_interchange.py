"""The interchange format: validation errors name the line and field; export is canonical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketpath.core.records import RecordError, Use, parse_record
from ketpath.interop.jsonl import dumps_jsonl, parse_csv_uses, parse_jsonl, read_jsonl

GOOD_USE = {
    "type": "use",
    "time": "2026-05-01T23:10:00+01:00",
    "dose_mg": 60,
    "route": "intranasal",
    "setting": "party",
    "motive": "social",
    "co_use": ["alcohol"],
}


def line(**changes: object) -> str:
    data = {**GOOD_USE, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None})


def error_for(bad_line: str) -> str:
    with pytest.raises(RecordError) as caught:
        parse_jsonl([line(), "", bad_line])
    return str(caught.value)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (line(route="nose"), "line 3: route: unknown value 'nose'"),
        (line(dose_mg=-5), "line 3: dose_mg: must be more than 0 (it was -5)"),
        (line(dose_mg="lots"), "line 3: dose_mg:"),
        (line(time=None), "line 3: time: missing (required)"),
        (
            line(time="2026-05-01T23:10:00"),
            "line 3: time: the time '2026-05-01T23:10:00' has no UTC offset",
        ),
        (line(time="yesterday"), "line 3: time:"),
        ('{"type": "use", "time": ', "line 3: not valid JSON"),
        ("[1, 2]", "line 3: each line must be a JSON object"),
        (
            json.dumps({"type": "dream", "time": "2026-05-01T23:10:00Z"}),
            "line 3: type: unknown record type 'dream'",
        ),
        (json.dumps({"time": "2026-05-01T23:10:00Z"}), "line 3: type: missing"),
        (line(colour="blue"), "line 3: colour: unknown field for a use record"),
        (line(co_use=["alcohol", "alcohol"]), "line 3: co_use: lists the same drug twice"),
        (line(co_use=["crisps"]), "line 3: co_use.0: unknown value 'crisps'"),
        (
            json.dumps({"type": "craving", "time": "2026-05-01T23:10:00Z", "intensity": 11}),
            "line 3: intensity:",
        ),
        (
            json.dumps({"type": "craving", "time": "2026-05-01T23:10:00Z", "intensity": 7.5}),
            "line 3: intensity:",
        ),
        (
            json.dumps(
                {
                    "type": "symptom",
                    "time": "2026-05-01T23:10:00Z",
                    "symptom": "bladder-pain",
                    "severity": 4,
                }
            ),
            "line 3: severity:",
        ),
        (
            json.dumps({"type": "profile", "timezone": "Mars/Olympus"}),
            "line 3: timezone: unknown time zone",
        ),
        (
            json.dumps(
                {
                    "type": "questionnaire",
                    "time": "2026-05-01T23:10:00Z",
                    "instrument": "phq9",
                    "answers": [0] * 8,
                }
            ),
            "line 3: answers: phq9: expected 9 answers, got 8",
        ),
        (
            json.dumps(
                {
                    "type": "questionnaire",
                    "time": "2026-05-01T23:10:00Z",
                    "instrument": "vibes",
                    "answers": [1],
                }
            ),
            "line 3: instrument: unknown instrument 'vibes'",
        ),
    ],
)
def test_a_bad_line_is_named_with_its_field_and_problem(bad: str, expected: str) -> None:
    assert error_for(bad).startswith(expected)


def test_reading_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join([line(), line(), line(route="nose"), line()]) + "\n")
    with pytest.raises(RecordError, match="line 3"):
        read_jsonl(path)


def test_a_missing_or_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read"):
        read_jsonl(tmp_path / "nope.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecordError, match="not UTF-8"):
        read_jsonl(binary)


def test_export_is_sorted_canonical_and_round_trips_byte_for_byte() -> None:
    lines = [
        json.dumps(
            {
                "type": "symptom",
                "severity": 2,
                "symptom": "bladder-pain",
                "time": "2026-05-02T10:00:00+01:00",
            }
        ),
        line(),
        json.dumps({"type": "profile", "timezone": "Europe/London", "weight_kg": 70.0}),
        json.dumps({"type": "craving", "time": "2026-05-01T22:10:00Z", "intensity": 4}),
    ]
    exported = dumps_jsonl(parse_jsonl(lines))
    first, second, third, fourth = exported.splitlines()
    assert first == '{"type":"profile","weight_kg":70,"timezone":"Europe/London"}'
    # The use (22:10 UTC) and the craving (22:10 UTC) are the same instant: type breaks the tie.
    assert json.loads(second)["type"] == "craving" and json.loads(third)["type"] == "use"
    assert list(json.loads(third)) == [
        "type",
        "time",
        "substance",
        "dose_mg",
        "route",
        "setting",
        "motive",
        "co_use",
    ]
    assert json.loads(fourth)["type"] == "symptom"
    assert dumps_jsonl(parse_jsonl(exported.splitlines())) == exported


def test_the_offset_of_each_time_is_kept() -> None:
    (record,) = parse_jsonl([line(time="2026-05-01T23:10:00-07:00")])
    assert json.loads(dumps_jsonl([record]))["time"] == "2026-05-01T23:10:00-07:00"


def test_csv_of_uses_imports_with_lists_and_blanks() -> None:
    text = "time,dose_mg,route,setting,motive,co_use\n2026-05-01T23:10:00+01:00,60,intranasal,party,social,alcohol;mdma\n2026-05-03T20:00:00+01:00,,oral,,,\n"
    first, second = parse_csv_uses(text)
    assert first == parse_record({**GOOD_USE, "co_use": ["alcohol", "mdma"]})
    assert isinstance(second, Use)
    assert second.dose_mg is None and second.route == "oral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time,dose\n2026-05-01T23:10:00+01:00,60\n", "line 1: header: unknown column 'dose'"),
        ("dose_mg\n60\n", "line 1: header: no time column"),
        (
            "time,dose_mg\n2026-05-01T23:10:00+01:00,60\n2026-05-01T23:10:00+01:00,sixty\n",
            "line 3: dose_mg: must be a number (it was 'sixty')",
        ),
        ("time,route\n2026-05-01T23:10:00+01:00,nose\n", "line 2: route: unknown value"),
    ],
)
def test_csv_errors_name_the_line_and_column(text: str, expected: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_csv_uses(text)
    assert str(caught.value).startswith(expected)


def test_export_keeps_profiles_in_their_order_so_the_latest_stays_last() -> None:
    later_first = [
        json.dumps({"type": "profile", "weight_kg": 90}),
        json.dumps({"type": "profile", "weight_kg": 60}),
    ]
    exported = dumps_jsonl(parse_jsonl(later_first)).splitlines()
    assert [json.loads(line)["weight_kg"] for line in exported] == [90, 60]
