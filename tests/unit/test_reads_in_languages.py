"""Who read a person's records, in her language (present.reads under present.i18n)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ketpath.core.records import DrugScreen
from ketpath.present.i18n import use_language
from ketpath.present.reads import reads_by_day

ZONE = ZoneInfo("Asia/Hong_Kong")
AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Line:
    action: str
    words: str = ""
    actor_email: str | None = "bob@clinic.example"
    at: datetime = AT
    detail: Mapping[str, Any] = field(default_factory=dict)


LOG = [
    Line("read-patient-page"),
    Line("read-records"),
    Line("read-roster-entry"),
    Line("write-records", detail={"ids": [7], "types": ["drug-screen"]}),
    Line("write-records", detail={"ids": [8], "types": ["note"]}),
    Line("read-records", actor_email=None),
]
RECORDS = {7: DrugScreen(time=AT, result="negative", method="urine")}


def test_the_reads_are_worded_in_english_as_before() -> None:
    [bob, deleted] = reads_by_day(LOG, RECORDS, ZONE)
    assert bob["day"] == "Sun 29 Nov 2026"
    assert bob["what"] == [
        "saw you on their roster once",
        "viewed your records twice",
        "added a negative drug screen",
        "added a note",
    ]
    assert deleted["who"] == "(deleted account)"


def test_the_reads_are_worded_in_traditional_chinese() -> None:
    with use_language("zh-Hant"):
        [bob, deleted] = reads_by_day(LOG, RECORDS, ZONE)
    assert bob["day"] == "2026年11月29日週日"
    assert "查看了你的記錄兩次" in bob["what"]
    assert "在名單上看到你一次" in bob["what"]
    assert "新增了一項藥物檢測（陰性）" in bob["what"]
    assert "新增了一項備註" in bob["what"]
    assert deleted["who"] == "（已刪除的帳戶）"


def test_the_reads_are_worded_in_simplified_chinese() -> None:
    with use_language("zh-Hans"):
        [bob, _deleted] = reads_by_day(LOG, RECORDS, ZONE)
    assert bob["day"] == "2026年11月29日周日"
    assert "查看了你的记录两次" in bob["what"]
