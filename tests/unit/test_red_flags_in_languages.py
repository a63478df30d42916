"""Red flags worded again in another language from the same rule, values and records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ketpath.core.assess import assess
from ketpath.core.records import Record, parse_record
from ketpath.present.views import flag_words_in, red_flags_view

AS_OF = datetime(2026, 6, 30, 20, 0, tzinfo=UTC)


def _record(hours_ago: float, **fields: Any) -> Record:
    return parse_record({"time": (AS_OF - timedelta(hours=hours_ago)).isoformat(), **fields})


def _flags(records: list[Record]) -> dict[str, Any]:
    return {flag.finding.id: flag for flag in assess(records, AS_OF, locale="HK").red_flags}


def test_hallucinations_with_danger_signs_name_their_companions_in_chinese() -> None:
    flags = _flags(
        [
            _record(30, type="use", co_use=["alcohol"]),
            _record(3, type="symptom", symptom="hallucinations", severity=2),
            _record(2, type="symptom", symptom="confusion", severity=2),
        ]
    )
    flag = flags["hallucinations-with-danger-signs"]
    assert flag.message == (
        "Hallucinations logged today, together with confusion; recent use of alcohol."
    )
    words = flag_words_in(flag, "zh-Hant-HK")
    assert words.message == "今天記錄了幻覺，同時有：神智混亂、酒精。"
    assert words.label == "緊急情況"


def test_english_words_are_unchanged_and_a_standing_note_is_translated() -> None:
    flags = _flags([_record(24 * 9, type="symptom", symptom="blood-in-urine", severity=2)])
    flag = flags["blood-in-urine"]
    assert flag_words_in(flag, "en").message == flag.message
    assert flag_words_in(flag, "en").note == flag.note
    chinese = flag_words_in(flag, "zh-Hans")
    assert chinese.message == "9 天前记录了尿中带血。"
    assert chinese.note is not None and chinese.note.startswith("9 天前记录；尚未有跟进记录。")


def test_help_lines_keep_their_numbers_and_gain_local_names() -> None:
    history = [_record(1, type="symptom", symptom="suicidal-thoughts", severity=2)]
    assessment = assess(history, AS_OF, locale="HK")
    view = red_flags_view(assessment, "zh-Hant-HK")
    contacts = {contact["number"]: contact["name"] for contact in view[0]["contacts"]}
    assert contacts["999"] == "緊急服務"
    assert contacts["2389 2222"] == "香港撒瑪利亞防止自殺會（24 小時，粵語）"
    english = {
        contact["number"]: contact["name"] for contact in red_flags_view(assessment)[0]["contacts"]
    }
    assert english["2389 2222"] == "Samaritan Befrienders Hong Kong (24/7, Cantonese)"
