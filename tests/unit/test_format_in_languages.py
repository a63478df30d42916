"""Dates through Babel in the reader's language; English keeps the format the pages always used."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ketpath.present.format import local_time, money

MOMENT = datetime(2026, 11, 29, 6, 5, tzinfo=UTC)
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def test_english_times_are_unchanged() -> None:
    assert local_time(MOMENT, HONG_KONG) == "Sun 29 Nov 2026, 14:05"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("zh-Hant", "2026年11月29日 下午2:05"),
        ("zh-Hant-HK", "2026年11月29日 下午2:05"),
        ("zh-Hans", "2026年11月29日 14:05"),
    ],
)
def test_a_chinese_reader_sees_the_date_as_cldr_writes_it(language: str, shown: str) -> None:
    assert local_time(MOMENT, HONG_KONG, language) == shown


def test_money_follows_the_locale() -> None:
    assert money(12.5, "HKD", "zh_Hant_HK") == "HK$12.50"
