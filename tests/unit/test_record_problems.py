"""The import page's refusals in the reader's language (``present.record_problems``).

The core writes its problems in English around the values a person wrote; the
shapes here must match what it really writes, so each case makes the core
refuse a real record and checks that English comes back unchanged and that
Chinese says it in Chinese with the same values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ketpath.core.records import RecordError, future_time_problem, parse_record
from ketpath.present.i18n import use_language
from ketpath.present.record_problems import import_refusal, problem_words

RECORDS: list[tuple[dict[str, Any], str]] = [
    ({"time": "2025-01-01T10:00Z", "intensity": 4}, "缺少了（須為以下其中之一："),
    ({"type": "nap", "time": "2025-01-01T10:00Z"}, "不明的記錄類型 'nap'"),
    ({"type": "craving", "time": "2025-01-01T10:00Z"}, "缺少了（必須填寫）"),
    (
        {"type": "craving", "time": "2025-01-01T10:00Z", "intensity": 4, "mood": 1},
        "craving 記錄沒有這個欄位",
    ),
    (
        {"type": "craving", "time": "2025-01-01T10:00", "intensity": 4},
        "時間 '2025-01-01T10:00' 沒有 UTC 時差",
    ),
    ({"type": "craving", "time": "yesterday", "intensity": 4}, "ketpath 讀不懂時間 'yesterday'"),
    (
        {"type": "craving", "time": "2025-01-01T10:00Z", "intensity": 11},
        "最多只可以是 10（填入的是 11）",
    ),
    (
        {"type": "craving", "time": "2025-01-01T10:00Z", "intensity": -1},
        "必須至少是 0（填入的是 -1）",
    ),
    (
        {"type": "craving", "time": "2025-01-01T10:00Z", "intensity": "a lot"},
        "必須是整數（填入的是 'a lot'）",
    ),
    ({"type": "use", "time": "2025-01-01T10:00Z", "dose_mg": -2}, "必須大於 0（填入的是 -2）"),
    (
        {"type": "use", "time": "2025-01-01T10:00Z", "dose_mg": "lots"},
        "必須是數字（填入的是 'lots'）",
    ),
]


def _problem(fields: dict[str, Any]) -> RecordError:
    with pytest.raises(RecordError) as refused:
        parse_record(fields)
    return refused.value


@pytest.mark.parametrize(("fields", "chinese"), RECORDS)
def test_the_core_problems_are_said_in_chinese_and_unchanged_in_english(
    fields: dict[str, Any], chinese: str
) -> None:
    error = _problem(fields)
    assert problem_words(error.problem) == error.problem
    with use_language("zh-Hant"):
        said = problem_words(error.problem)
    assert chinese in said, (error.problem, said)


def test_json_problems_and_the_future_are_said_in_chinese() -> None:
    for line, chinese in (
        ("[1, 2]", "每一行都必須是一個 JSON 物件"),
        ("{oops", "不是有效的 JSON（"),
    ):
        with pytest.raises(RecordError) as refused:
            parse_record(line)
        with use_language("zh-Hant"):
            assert chinese in problem_words(refused.value.problem)
    ahead = datetime.now(UTC) + timedelta(days=2)
    record = parse_record({"type": "craving", "time": ahead.isoformat(), "intensity": 3})
    future = future_time_problem(record, now=datetime.now(UTC))
    assert future is not None
    with use_language("zh-Hans"):
        said = problem_words(future.problem)
    assert said == f"{ahead:%Y-%m-%d %H:%M} 是将来的时间；ketpath 只记录已经发生的事"


def test_a_refusal_keeps_line_and_field_and_english_is_as_before() -> None:
    assert import_refusal("must not be empty", line=3, field="note") == (
        "Nothing was imported. Line 3: note: must not be empty"
    )
    assert import_refusal("missing (required)", field="time") == (
        "Nothing was imported. Time: missing (required)"
    )
    with use_language("zh-Hans"):
        assert import_refusal("must not be empty", line=3, field="note") == (
            "没有导入任何记录。第 3 行，note：不能为空"
        )
        unknown = "a problem the core words in a new way"
        assert import_refusal(unknown, line=4) == f"没有导入任何记录。第 4 行：{unknown}"
